"""Read IDX files (the MNIST format), checking everything before trusting it.

An IDX file is a 4-byte magic number ``00 00 TT DD`` (TT the element type, DD the
number of dimensions), DD big-endian uint32 sizes, then the elements in C order.
MNIST and Fashion-MNIST use type 0x08 (unsigned byte): images have 3 dimensions
(N, 28, 28) and labels 1 (N,).

Files may be gzip-compressed (told apart by the gzip signature ``1f 8b``, not by
the name). A gzip stream is always read to its end so that its CRC and length are
checked, and never decompressed past a size limit, so a decompression bomb cannot
exhaust memory.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from digitnet.errors import DigitnetError

GZIP_MAGIC = b"\x1f\x8b"
UBYTE = 0x08

#: Largest decompressed file accepted (Fashion-MNIST's train images are 47 MB).
MAX_BYTES = 256 * 1024 * 1024
#: Largest image side accepted.
MAX_SIDE = 1024


def read_capped(stream: BinaryIO, max_bytes: int, chunk: int = 1 << 20) -> bytearray:
    """Read a stream to its end into one buffer, stopping once it passes ``max_bytes``."""
    data = bytearray()
    while len(data) <= max_bytes:
        block = stream.read(chunk)
        if not block:
            break
        data += block
    return data


def read_bytes(path: str | Path, max_bytes: int = MAX_BYTES) -> bytearray:
    """Return the decompressed content of ``path`` (gzip or raw), at most ``max_bytes``.

    Raises DigitnetError naming the file for a missing, unreadable, corrupt,
    truncated or oversized file.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(2)
            f.seek(0)
            if head == GZIP_MAGIC:
                with gzip.GzipFile(fileobj=f, mode="rb") as gz:
                    data = read_capped(gz, max_bytes)  # to the end: the CRC is checked
            else:
                data = read_capped(f, max_bytes)
    except FileNotFoundError:
        raise DigitnetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DigitnetError(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise DigitnetError(f"{path}: permission denied") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise DigitnetError(f"{path}: corrupt or truncated gzip data ({e})") from None
    except OSError as e:
        raise DigitnetError(f"{path}: cannot read ({e.strerror or e})") from None
    if len(data) > max_bytes:
        raise DigitnetError(f"{path}: larger than {max_bytes} bytes when decompressed")
    return data


def sha256_of(data: bytes | bytearray) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def parse_idx(data: bytes | bytearray, name: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes into a uint8 array (a view of ``data``), after checking the header.

    Returns an array of shape (N,) for labels or (N, rows, cols) for images.
    The declared size must equal the bytes present exactly (no more, no less).
    """
    if len(data) < 4:
        raise DigitnetError(f"{name}: too short for an IDX header ({len(data)} bytes)")
    zero0, zero1, dtype_code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0:
        raise DigitnetError(f"{name}: not an IDX file (bad magic {data[:4].hex()})")
    if dtype_code != UBYTE:
        raise DigitnetError(f"{name}: IDX element type 0x{dtype_code:02x}, expected 0x08 (uint8)")
    if ndim not in (1, 3):
        raise DigitnetError(f"{name}: IDX has {ndim} dimensions, expected 1 (labels) or 3 (images)")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise DigitnetError(f"{name}: truncated IDX header")
    dims = struct.unpack(f">{ndim}I", data[4:header_len])
    if ndim == 3 and not all(1 <= d <= MAX_SIDE for d in dims[1:]):
        raise DigitnetError(f"{name}: image size {dims[1]}x{dims[2]} out of range")
    declared = 1
    for d in dims:  # Python ints: no overflow, and nothing is allocated yet
        declared *= d
    present = len(data) - header_len
    if declared != present:
        what = "truncated" if present < declared else "has trailing data"
        raise DigitnetError(
            f"{name}: {what}: header declares {declared} bytes of data, file has {present}"
        )
    arr = np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(dims)
    return arr


def read_idx(path: str | Path) -> np.ndarray:
    """Read and check an IDX file (gzip or raw); see :func:`parse_idx`."""
    return parse_idx(read_bytes(path), name=str(path))


def check_pair(images: np.ndarray, labels: np.ndarray, name: str = "dataset") -> None:
    """Check that images (N, H, W) and labels (N,) belong together and labels are digits 0-9."""
    if images.ndim != 3:
        raise DigitnetError(f"{name}: images must have 3 dimensions, got {images.ndim}")
    if labels.ndim != 1:
        raise DigitnetError(f"{name}: labels must have 1 dimension, got {labels.ndim}")
    if images.shape[0] != labels.shape[0]:
        raise DigitnetError(f"{name}: {images.shape[0]} images but {labels.shape[0]} labels")
    if labels.size and int(labels.max()) > 9:
        raise DigitnetError(f"{name}: label {int(labels.max())} outside 0-9")
