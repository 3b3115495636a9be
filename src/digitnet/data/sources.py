"""Where the dataset files come from: the table, finding, downloading, verifying.

Each dataset has four IDX files with the standard names. A file is looked for, in
order, in: the data directory (``--data-dir`` or ``DIGITNET_DATA``), the user cache
directory, system copies (Debian's ``dataset-fashion-mnist`` package), and finally
downloaded from the public mirrors, one after another, into the cache.

Every candidate is checked against the SHA-256 of its *decompressed* content (so a
re-compressed ``.gz`` is fine); a file that does not match is never used. A download
goes to a temporary file beside its destination, is verified, and only then renamed
into place: an interrupted or wrong download leaves nothing behind.
"""

from __future__ import annotations

import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from digitnet.data.idx import read_bytes, sha256_of
from digitnet.errors import DigitnetError, lookup
from digitnet.progress import Bar

ENV_DATA_DIR = "DIGITNET_DATA"
ENV_CACHE_DIR = "DIGITNET_CACHE"
ENV_MIRRORS = "DIGITNET_MIRRORS"
DOWNLOAD_TIMEOUT_S = 30
CHUNK = 1 << 16


@dataclass(frozen=True)
class DataFile:
    """One IDX file: its standard name and the SHA-256 of its decompressed content."""

    name: str
    sha256: str


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset: its files (by role), download mirrors, system folders and class names.

    ``layout`` says how its files hold the data: "idx" (four IDX files, roles
    train-images, train-labels, test-images, test-labels) or "usps" (one text file per
    part, roles train and test: a label and 256 grey values a line, see
    :mod:`digitnet.data.usps`). ``validation`` is how many of the training file's last
    images the book's split holds out for validation.
    """

    name: str
    files: dict[str, DataFile]
    mirrors: tuple[str, ...]
    system_dirs: tuple[str, ...]
    classes: tuple[str, ...]
    layout: str = "idx"
    validation: int = 10_000


DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo(
        name="mnist",
        files={
            "train-images": DataFile(
                "train-images-idx3-ubyte",
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            ),
            "train-labels": DataFile(
                "train-labels-idx1-ubyte",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            ),
            "test-images": DataFile(
                "t10k-images-idx3-ubyte",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            ),
            "test-labels": DataFile(
                "t10k-labels-idx1-ubyte",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            ),
        },
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://yann.lecun.com/exdb/mnist/",
        ),
        system_dirs=("/usr/share/datasets/mnist",),
        classes=tuple(str(d) for d in range(10)),
    ),
    "fashion-mnist": DatasetInfo(
        name="fashion-mnist",
        files={
            "train-images": DataFile(
                "train-images-idx3-ubyte",
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            ),
            "train-labels": DataFile(
                "train-labels-idx1-ubyte",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            ),
            "test-images": DataFile(
                "t10k-images-idx3-ubyte",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            ),
            "test-labels": DataFile(
                "t10k-labels-idx1-ubyte",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            ),
        },
        mirrors=(
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        system_dirs=("/usr/share/datasets/fashion-mnist",),
        classes=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
    ),
    # Real digits scanned from US mail (Le Cun et al. 1990), as distributed with The
    # Elements of Statistical Learning: 7,291 training and 2,007 test digits, 16x16.
    "usps": DatasetInfo(
        name="usps",
        files={
            "train": DataFile(
                "zip.train", "abc9f5c75b997cabe66b5d01727d5a681c69298e1641a8d37b55433a52129dc0"
            ),
            "test": DataFile(
                "zip.test", "6bde17b4f1cd68e0630cd2751d6495b5795d9165ab2dc4a0be8b7002b732f4cc"
            ),
        },
        mirrors=(
            "https://hastie.su.domains/ElemStatLearn/datasets/",
            "https://web.stanford.edu/~hastie/ElemStatLearn/datasets/",
        ),
        system_dirs=(),
        classes=tuple(str(d) for d in range(10)),
        layout="usps",
        validation=1_000,
    ),
}


def dataset_info(name: str) -> DatasetInfo:
    """The table entry for ``name``; a clear error for an unknown dataset."""
    return lookup(DATASETS, name, "dataset")


def cache_dir() -> Path:
    """The user cache directory for downloads (``DIGITNET_CACHE`` overrides it)."""
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("digitnet"))


def mirrors(info: DatasetInfo) -> tuple[str, ...]:
    """Base URLs to download from: ``DIGITNET_MIRRORS`` if set, else the table's.

    ``DIGITNET_MIRRORS`` holds space-separated URLs in which ``{dataset}`` stands for
    the dataset's name, e.g. ``https://example.org/data/{dataset}/``.
    """
    env = os.environ.get(ENV_MIRRORS, "").split()
    return tuple(m.replace("{dataset}", info.name) for m in env) if env else info.mirrors


def search_dirs(info: DatasetInfo, data_dir: str | Path | None = None) -> list[Path]:
    """Folders to look in, in order: data dir, user cache, system copies.

    A data dir may hold the files directly or in a sub-folder named after the dataset
    (``DIR/mnist/``), so one ``DIGITNET_DATA`` can serve both datasets.
    """
    dirs: list[Path] = []
    explicit = data_dir if data_dir is not None else os.environ.get(ENV_DATA_DIR)
    if explicit:
        base = Path(explicit).expanduser()
        dirs += [base / info.name, base]
    dirs.append(cache_dir() / info.name)
    dirs += [Path(d) for d in info.system_dirs]
    return dirs


def candidates(folder: Path, f: DataFile) -> Iterator[Path]:
    """The raw and gzip forms of ``f`` present in ``folder``."""
    for fname in (f.name, f.name + ".gz"):
        p = folder / fname
        if p.is_file():
            yield p


def verify(path: Path, f: DataFile) -> bytearray:
    """Return the decompressed content of ``path`` if its SHA-256 matches ``f``; else raise."""
    data = read_bytes(path)
    digest = sha256_of(data)
    if digest != f.sha256:
        raise DigitnetError(
            f"{path}: checksum mismatch (sha256 {digest[:12]}..., expected {f.sha256[:12]}...)"
        )
    return data


def warn(message: str) -> None:
    """One line on stderr."""
    print(f"digitnet: warning: {message}", file=sys.stderr)


def find_local(
    info: DatasetInfo, role: str, data_dir: str | Path | None = None
) -> tuple[Path, bytearray] | None:
    """The first local copy of a file that verifies, with its content; None if none does."""
    f = info.files[role]
    for folder in search_dirs(info, data_dir):
        for path in candidates(folder, f):
            try:
                return path, verify(path, f)
            except DigitnetError as e:
                warn(f"skipping {e}")
    return None


def download(
    f: DataFile,
    mirrors: tuple[str, ...] | list[str],
    dest_dir: Path,
    show_progress: bool | None = None,
) -> tuple[Path, bytes]:
    """Download ``f`` (as ``NAME.gz``) from the first mirror that serves verified bytes.

    The file is written to a temporary file in ``dest_dir``, verified, then renamed
    to ``dest_dir/NAME.gz``. On any failure or interruption the temporary file is
    removed. Returns the final path and the decompressed content.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / (f.name + ".gz")
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + f.name + ".gz"
        fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{f.name}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                fetch(url, out, Bar(f"{f.name}.gz", None, " B", show_progress))
                out.flush()
                os.fsync(out.fileno())
            data = verify(tmp, f)
            os.replace(tmp, dest)
            return dest, data
        except (urllib.error.URLError, OSError, DigitnetError) as e:
            failures.append(f"{url}: {describe(e)}")
        finally:
            tmp.unlink(missing_ok=True)
    raise DigitnetError(f"could not download {f.name}.gz: " + "; ".join(failures))


def describe(e: BaseException) -> str:
    """A short description of a download error."""
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code}"
    if isinstance(e, urllib.error.URLError):
        return str(e.reason)
    return str(e)


def fetch(url: str, out: BinaryIO, bar: Bar) -> None:
    """Stream ``url`` into the binary file ``out``; raise if the transfer is cut short."""
    req = urllib.request.Request(url, headers={"User-Agent": "digitnet"})
    with urllib.request.urlopen(req, timeout=DOWNLOAD_TIMEOUT_S) as resp:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar.total = total
        done = 0
        while True:
            chunk = resp.read(CHUNK)
            if not chunk:
                break
            out.write(chunk)
            done += len(chunk)
            bar.update(done)
        bar.close()
        if total is not None and done != total:
            raise OSError(f"transfer cut short: {done} of {total} bytes")


def not_found_message(
    info: DatasetInfo, missing: list[str], data_dir: str | Path | None, why: str = ""
) -> str:
    """One line naming the missing files, their checksums and where to put them."""
    where = search_dirs(info, data_dir)[0]
    parts = [
        f"{info.files[r].name}[.gz] (sha256 of decompressed content {info.files[r].sha256})"
        for r in missing
    ]
    because = f" ({why})" if why else ""
    return (
        f"{info.name}: not found and could not be downloaded{because}: "
        + ", ".join(parts)
        + f"; put them in {where} or point {ENV_DATA_DIR} or --data-dir at their folder"
    )


def obtain(
    name: str,
    roles: list[str] | None = None,
    data_dir: str | Path | None = None,
    allow_download: bool = True,
) -> dict[str, tuple[Path, bytes]]:
    """Find (or download) verified files of dataset ``name``: role -> (path, content).

    ``roles`` defaults to all four. If any cannot be had, one error names every
    file of the dataset that is not present locally.
    """
    info = dataset_info(name)
    roles = list(info.files) if roles is None else roles
    found: dict[str, tuple[Path, bytes]] = {}
    why = ""
    for role in roles:
        local = find_local(info, role, data_dir)
        if local is None and allow_download:
            try:
                local = download(info.files[role], mirrors(info), cache_dir() / info.name)
            except DigitnetError as e:
                why = str(e)
        if local is None:
            absent = [
                r
                for r in info.files
                if r not in found
                and not any(any(candidates(d, info.files[r])) for d in search_dirs(info, data_dir))
            ]
            missing = absent if role in absent else [role, *absent]
            raise DigitnetError(not_found_message(info, missing, data_dir, why))
        found[role] = local
    return found
