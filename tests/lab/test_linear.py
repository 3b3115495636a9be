"""The CS231n linear classifier demo: scores, three losses, and updates."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from digitnet.lab import linear
from digitnet.lab.linear import B0, LOSSES, POINTS, W0, loss, scores


def test_scores_of_the_nine_points():
    s = scores(POINTS, W0, B0)
    assert s.shape == (9, 3)
    assert np.allclose(s[0], [1.3, -0.1, 0.6])  # (0.5, 0.4): 0.5+0.8, 1-1.6+0.5, 1.5-0.4-0.5
    assert np.allclose(s[8], [-1.4, 1.7, -1.2])
    assert np.allclose(s, POINTS @ W0.T + B0)


def test_the_slides_numbers_are_the_softmax_loss():
    result, _, _ = loss(linear.softmax, W0, B0)
    assert round(result.data, 2) == 1.84
    assert round(result.reg, 2) == 3.50
    assert round(result.total, 2) == 5.34


def test_the_svm_losses_give_other_numbers():
    ww, _, _ = loss(linear.svm_ww, W0, B0)
    ova, _, _ = loss(linear.svm_ova, W0, B0)
    assert round(ww.data, 2) == 2.77 and round(ova.data, 2) == 4.02
    # by hand: point (0.5, 0.4), class 0, scores 1.3, -0.1, 0.6
    assert ww.per_point[0] == pytest.approx(max(0, -0.1 - 1.3 + 1) + max(0, 0.6 - 1.3 + 1))
    assert ova.per_point[0] == pytest.approx(max(0, 1 - 1.3) + max(0, 1 - 0.1) + max(0, 1 + 0.6))


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradients_match_finite_differences(name):
    fn = LOSSES[name]
    rng = np.random.default_rng(1)
    w, b = W0 + rng.normal(0, 0.05, W0.shape), B0 + rng.normal(0, 0.05, 3)
    _, dw, db = loss(fn, w, b)
    h = 1e-6
    for params, grad in ((w, dw), (b, db)):
        for i in np.ndindex(params.shape):
            old = params[i]
            params[i] = old + h
            up = loss(fn, w, b)[0].total
            params[i] = old - h
            down = loss(fn, w, b)[0].total
            params[i] = old
            assert (up - down) / (2 * h) == pytest.approx(grad[i], abs=1e-5)


@pytest.mark.parametrize("name", list(LOSSES))
def test_updates_lower_the_loss(name):
    totals, w, b = linear.descend(LOSSES[name], 100)
    assert totals[1] < totals[0]  # one update
    rises = [b - a for a, b in itertools.pairwise(totals) if b > a]
    if name == "softmax":  # smooth: every small enough step goes down
        assert not rises
    else:  # a hinge's kinks: near the bottom a step can overshoot a little
        assert all(r < 0.01 for r in rises)
        assert all(b < a for a, b in itertools.pairwise(totals[:50]))
    assert totals[-1] < totals[0] / 3
    assert (scores(POINTS, w, b).argmax(axis=1) == linear.LABELS).sum() >= 8


def test_report_names_the_loss_of_the_slide():
    text = linear.report(10)
    assert "softmax loss's: 1.84, 3.50, 5.34" in text
