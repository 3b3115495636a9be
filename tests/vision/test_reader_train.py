"""Training the reader: segmentation examples labelled by overlap, "not a digit" targets,
and the train-reader command end to end (a short run)."""

from __future__ import annotations

import numpy as np

from digitnet import checkpoint, cli
from digitnet.data.datasets import NOT_A_DIGIT, one_hot
from digitnet.nn import build
from digitnet.vision.reader_data import (
    BEST,
    MATCH,
    covered,
    iou,
    segmentation_examples,
    targets_of,
)
from digitnet.vision.reader_train import READER_SPEC, TRAIN_SPEC, fold


def test_not_a_digit_has_a_uniform_target():
    y = one_hot(np.array([3, NOT_A_DIGIT]), 10)
    assert y[0].tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert np.allclose(y[1], 0.1)


def test_the_eleventh_class_folds_into_ten_outputs():
    trained = build(TRAIN_SPEC, np.random.default_rng(0))
    x = np.random.default_rng(1).random((6, 784), np.float32)
    p = trained.predict_proba(x)  # (6, 11): ten digits, then "not a digit"
    reader = fold(trained)
    q = reader.predict_proba(x)
    assert p.shape == (6, 11) and q.shape == (6, 10) and len(READER_SPEC.layers) == 9
    assert np.allclose(q, p[:, :10] + p[:, 10:] / 10, atol=1e-6)
    assert np.allclose(q.sum(axis=1), 1, atol=1e-5)
    assert (q.argmax(axis=1) == p[:, :10].argmax(axis=1)).all()  # the digit survives


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1
    assert iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0
    assert abs(iou((0, 0, 10, 10), (5, 0, 15, 10)) - 1 / 3) < 1e-12


def test_a_one_beside_a_four_is_a_pair_though_it_matches_the_four():
    one, four = (0, 0, 4, 20), (6, 0, 24, 20)  # a narrow "1", then a "4"
    both = (0, 0, 24, 20)  # a candidate holding the two
    assert MATCH > iou(both, four) > 0.7  # once left out of training as "partly one digit"
    assert covered(both, one) == 1 and covered(both, four) == 1  # now: a pair, not a digit
    assert covered(four, one) == 0 and covered((3, 0, 24, 20), one) == 0.25


def test_the_best_cut_of_an_overlapping_digit_is_taught_as_that_digit():
    seven, two = (0, 0, 20, 20), (16, 0, 36, 20)  # a 7 whose right edge overlaps a 2
    boxes = {
        0: (0, 0, 17, 20),  # the 7 cut at the overlap: its best candidate, IoU 0.85
        1: (0, 0, 24, 20),  # the 7 and a tail of the 2 (second best)
        2: (17, 0, 36, 20),  # the 2 less the part inside the 7's columns: IoU 0.95
        3: (0, 0, 36, 20),  # both: a pair
        4: (28, 0, 36, 20),  # a fragment of the 2
    }
    assert BEST <= iou(boxes[1], seven) < MATCH
    assert targets_of(boxes, [seven, two], "72") == {0: 7, 2: 2, 3: NOT_A_DIGIT, 4: NOT_A_DIGIT}
    del boxes[0]  # now the 7 with a tail is the best there is: it is read as the 7
    assert targets_of(boxes, [seven, two], "72") == {1: 7, 2: 2, 3: NOT_A_DIGIT, 4: NOT_A_DIGIT}
    boxes[1] = (0, 0, 20, 11)  # its top half (IoU 0.55, under BEST): left out
    assert targets_of(boxes, [seven, two], "72") == {2: 2, 3: NOT_A_DIGIT, 4: NOT_A_DIGIT}


def test_examples_hold_digits_and_non_digits(mnist):
    images, labels = mnist["train"]
    crops, targets = segmentation_examples(images, labels, 15, np.random.default_rng(0), False)
    assert crops.shape == (len(targets), 28, 28) and crops.dtype == np.uint8
    assert (targets == NOT_A_DIGIT).sum() > 10 and (targets >= 0).sum() > 30
    assert set(targets.tolist()) <= {NOT_A_DIGIT, *range(10)}


def test_the_closer_look_adds_its_pieces_to_the_first_looks(mnist):
    images, labels = mnist["train"]
    first = segmentation_examples(images, labels, 15, np.random.default_rng(0), False)
    closer = segmentation_examples(images, labels, 15, np.random.default_rng(0), False, True)
    same = segmentation_examples(images, labels, 15, np.random.default_rng(0), False)
    assert all(np.array_equal(a, b) for a, b in zip(first, same, strict=True))  # no draw
    assert len(closer[1]) > len(first[1])
    kept = {c.tobytes() for c in closer[0]}
    # the same lines; the first look's examples mostly stay (a stretch too wide for a
    # digit is a candidate only while no cut lies inside it; a digit's best cut at the
    # first look may not be its best after the closer look)
    gone = [t for c, t in zip(*first, strict=True) if c.tobytes() not in kept]
    assert len(gone) < 0.2 * len(first[1])
    assert sum(t != NOT_A_DIGIT for t in gone) <= 0.05 * (first[1] >= 0).sum()
    assert (closer[1] >= 0).sum() >= (first[1] >= 0).sum()


def test_negatives_keeps_every_digit_and_a_share_of_the_rest(mnist):
    images, labels = mnist["train"]
    every = segmentation_examples(images, labels, 20, np.random.default_rng(0), False)
    some = segmentation_examples(images, labels, 20, np.random.default_rng(0), False, False, 0.5)
    digits = every[1] != NOT_A_DIGIT
    np.testing.assert_array_equal(some[0][some[1] != NOT_A_DIGIT], every[0][digits])
    share = (some[1] == NOT_A_DIGIT).sum() / (~digits).sum()
    assert 0.3 < share < 0.7


def test_train_reader_command(tmp_path, data_dir, capsys):
    out = tmp_path / "reader.safetensors"
    args = ["train-reader", "--out", str(out), "--epochs", "1", "--lines", "20"]
    args += ["--limit", "1500", "--report-lines", "10", "--quiet", "--data-dir", str(data_dir)]
    args += ["--closer-look", "--negatives", "0.8"]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "MNIST test accuracy" in text and "synthetic test lines read exactly" in text
    ckpt = checkpoint.load(out)
    assert ckpt.training["segmentation_examples"] > 0 and ckpt.training["closer_look_examples"]
    assert ckpt.training["negatives_kept"] == 0.8
    assert ckpt.training["config"]["augment"] == "handwriting"
    assert ckpt.spec == READER_SPEC and "eleventh class" in ckpt.training["not_a_digit"]
    assert cli.main(args) == 1  # exists: needs --force
    assert "--force" in capsys.readouterr().err
