"""The IDX reader on synthetic good and bad files."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from digitnet.data.idx import check_pair, parse_idx, read_bytes, read_idx
from digitnet.errors import DigitnetError


def idx_bytes(arr: np.ndarray, type_code: int = 0x08) -> bytes:
    header = bytes([0, 0, type_code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(np.uint8).tobytes()


IMAGES = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
LABELS = np.array([3, 9], dtype=np.uint8)


@pytest.mark.parametrize("compress", [False, True])
def test_reads_raw_and_gzip(tmp_path, compress):
    for name, arr in (("img", IMAGES), ("lab", LABELS)):
        data = idx_bytes(arr)
        path = tmp_path / name
        path.write_bytes(gzip.compress(data) if compress else data)
        out = read_idx(path)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, arr)


def test_gzip_told_by_signature_not_name(tmp_path):
    path = tmp_path / "labels.raw"  # gzip content under a name without .gz
    path.write_bytes(gzip.compress(idx_bytes(LABELS)))
    np.testing.assert_array_equal(read_idx(path), LABELS)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x00", "too short"),
        (b"\x01\x00\x08\x01" + struct.pack(">I", 2) + b"\x00\x01", "bad magic"),
        (b"\x00\x00\x0d\x01" + struct.pack(">I", 1) + b"\x00\x00\x00\x00", "element type"),
        (b"\x00\x00\x08\x02" + struct.pack(">II", 1, 1) + b"\x00", "dimensions"),
        (b"\x00\x00\x08\x03" + struct.pack(">I", 1), "truncated IDX header"),
        (idx_bytes(LABELS)[:-1], "truncated"),
        (idx_bytes(LABELS) + b"\x00", "trailing data"),
        (idx_bytes(IMAGES)[:-5], "truncated"),
    ],
)
def test_bad_headers_and_sizes(data, message):
    with pytest.raises(DigitnetError, match=message):
        parse_idx(data, "f")


def test_huge_declared_size_never_allocates():
    # 0xFFFFFFFF x 28 x 28 would be 3.4 TB: refused from the header alone.
    data = b"\x00\x00\x08\x03" + struct.pack(">III", 0xFFFFFFFF, 28, 28) + b"\x00" * 100
    with pytest.raises(DigitnetError, match="truncated"):
        parse_idx(data, "f")
    data = b"\x00\x00\x08\x03" + struct.pack(">III", 1, 0xFFFFFFFF, 0xFFFFFFFF)
    with pytest.raises(DigitnetError, match="out of range"):
        parse_idx(data, "f")


def test_labels_must_be_digits_and_match_images():
    with pytest.raises(DigitnetError, match="outside 0-9"):
        check_pair(IMAGES, np.array([1, 10], np.uint8))
    with pytest.raises(DigitnetError, match="2 images but 1 labels"):
        check_pair(IMAGES, LABELS[:1])
    with pytest.raises(DigitnetError, match="3 dimensions"):
        check_pair(LABELS, LABELS)


def test_one_bit_flip_inside_gzip_is_caught(tmp_path):
    blob = bytearray(gzip.compress(idx_bytes(IMAGES)))
    blob[len(blob) // 2] ^= 0x01
    path = tmp_path / "flipped.gz"
    path.write_bytes(bytes(blob))
    with pytest.raises(DigitnetError, match="corrupt or truncated gzip"):
        read_bytes(path)


def test_truncated_gzip_is_caught(tmp_path):
    blob = gzip.compress(idx_bytes(IMAGES))
    path = tmp_path / "cut.gz"
    path.write_bytes(blob[:-6])  # CRC/length trailer cut off
    with pytest.raises(DigitnetError, match="corrupt or truncated gzip"):
        read_bytes(path)


def test_gzip_bomb_is_capped(tmp_path):
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(b"\x00" * (2 << 20)))
    with pytest.raises(DigitnetError, match="larger than"):
        read_bytes(path, max_bytes=1 << 20)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DigitnetError, match="no such file"):
        read_bytes(tmp_path / "nope")
    with pytest.raises(DigitnetError, match="directory"):
        read_bytes(tmp_path)
