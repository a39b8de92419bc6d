"""MNIST: the four IDX files (gzip or raw), checksummed; an optional download; and a
small subset shipped inside the package for runs without a copy."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import io
import math
import os
import urllib.request
import zlib
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np

from .._atomic import atomic_write
from .._errors import DataNotFoundError, XpnetError

# MD5 of the uncompressed IDX bytes, as published with MNIST.
FILES = {
    "train_images": ("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb"),
    "train_labels": ("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624"),
    "test_images": ("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea"),
    "test_labels": ("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637"),
}
DEFAULT_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
SUBSET = Path(__file__).parent / "_files" / "mnist_subset.npz"
SUBSET_SHA256 = "1541ae7e489cd0e5335d3d9a7768245b29297e0b851104bfc571c813725e679b"

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class DatasetError(XpnetError, ValueError):
    """A dataset file that is missing, truncated, corrupt or of the wrong kind."""


def default_root() -> Path:
    """``$XPNET_DATA/mnist`` if set (or ``$XPNET_DATA`` itself when it holds the files), else ~/.cache/xpnet/mnist."""
    env = os.environ.get("XPNET_DATA")
    if env:
        base = Path(env).expanduser()
        return base if _find(base, FILES["train_images"][0]) else base / "mnist"
    return Path.home() / ".cache" / "xpnet" / "mnist"


def _find(root: Path, name: str) -> Path | None:
    for candidate in (root / f"{name}.gz", root / name):
        if candidate.is_file():
            return candidate
    return None


_MAX_IDX = 64 << 20  # the largest MNIST file (train images) is 47,040,016 bytes
_READ_ERRORS = (OSError, EOFError, zlib.error, gzip.BadGzipFile, ValueError)


def _read_idx(stream: BinaryIO, what: str, md5: str) -> np.ndarray:
    """Read one IDX file from ``stream`` (raw or a gzip reader), never more bytes than its
    header promises (at most ``_MAX_IDX``: a gzip bomb stops there), checked against MD5."""
    digest = hashlib.md5()
    head = stream.read(4)
    if len(head) < 4 or head[:3] != b"\0\0\x08":
        raise DatasetError(f"{what}: not an IDX file of unsigned bytes")
    dims_raw = stream.read(4 * head[3])
    if len(dims_raw) < 4 * head[3]:
        raise DatasetError(f"{what}: truncated IDX header")
    dims = [int.from_bytes(dims_raw[i : i + 4], "big") for i in range(0, len(dims_raw), 4)]
    n = math.prod(dims)
    if n + 4 + len(dims_raw) > _MAX_IDX:
        raise DatasetError(
            f"{what}: the IDX header declares shape {tuple(dims)} ({n} bytes), more than any "
            "MNIST file; the file is corrupt or not MNIST"
        )
    digest.update(head)
    digest.update(dims_raw)
    data = np.empty(n, np.uint8)
    view, got = data.data, 0
    while got < n:
        k = stream.readinto(view[got : got + (4 << 20)])  # type: ignore[attr-defined]
        if not k:
            raise DatasetError(
                f"{what}: {got} of {n} data bytes for shape {tuple(dims)} (truncated?)"
            )
        got += k
    if stream.read(1):
        raise DatasetError(f"{what}: more bytes than shape {tuple(dims)} holds (not MNIST?)")
    digest.update(view)
    if digest.hexdigest() != md5:
        raise DatasetError(
            f"{what}: checksum {digest.hexdigest()} does not match MNIST's {md5}; the file is "
            "corrupt or not MNIST"
        )
    return data.reshape(dims)


def _read(path: Path, md5: str) -> np.ndarray:
    kind = "gzip" if path.suffix == ".gz" else "IDX"
    try:
        with open(path, "rb") as f:
            if kind == "gzip":
                with gzip.GzipFile(fileobj=f) as g:
                    return _read_idx(cast(BinaryIO, g), str(path), md5)
            return _read_idx(f, str(path), md5)
    except DatasetError:
        raise
    except _READ_ERRORS as e:
        raise DatasetError(f"{path}: cannot be read as {kind} ({type(e).__name__}: {e})") from e


def _download(url: str, target: Path, md5: str) -> None:
    """Fetch ``url``, check it, and store it at ``target`` atomically."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except (OSError, http.client.HTTPException) as e:  # IncompleteRead: a download cut short
        raise DatasetError(f"download of {url} failed: {type(e).__name__}: {e}") from e
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as g:
            stream = cast(BinaryIO, g) if target.suffix == ".gz" else io.BytesIO(data)
            _read_idx(stream, f"download of {url}", md5)
    except DatasetError as e:
        raise DatasetError(f"{e}; nothing was stored") from None
    except _READ_ERRORS as e:
        raise DatasetError(f"download of {url}: not valid gzip ({e}); nothing was stored") from e
    atomic_write(target, lambda f: f.write(data))


def load_mnist(
    root: str | os.PathLike[str] | None = None, download: bool = False, url: str | None = None
) -> Arrays:
    """Full MNIST as ``((x_train, y_train), (x_test, y_test))`` of uint8 NumPy arrays.

    Looks in ``root`` (default: ``default_root()``) for the four IDX files,
    gzipped or raw, and verifies each against MNIST's published checksum. With
    ``download=True``, missing files are fetched from ``url`` (default
    ``$XPNET_MNIST_URL`` or a public mirror), verified and stored atomically.
    """
    base = Path(root).expanduser() if root is not None else default_root()
    mirror = url or os.environ.get("XPNET_MNIST_URL") or DEFAULT_URL
    out = {}
    for key, (name, md5) in FILES.items():
        path = _find(base, name)
        if path is None:
            if not download:
                raise DataNotFoundError(
                    f"MNIST file {name}(.gz) not found in {base}; pass download=True, set XPNET_DATA, "
                    "or use load_mnist_subset() for the small copy shipped with xpnet"
                )
            path = base / f"{name}.gz"
            _download(mirror.rstrip("/") + f"/{name}.gz", path, md5)
        out[key] = _read(path, md5)
    return (out["train_images"], out["train_labels"]), (out["test_images"], out["test_labels"])


def load_mnist_subset() -> Arrays:
    """The first 10,000 training and 2,000 test MNIST images shipped with xpnet (CC BY-SA 3.0)."""
    raw = SUBSET.read_bytes()
    if hashlib.sha256(raw).hexdigest() != SUBSET_SHA256:
        raise DatasetError(f"{SUBSET}: checksum mismatch (the installed file is damaged)")
    import io

    with np.load(io.BytesIO(raw), allow_pickle=False) as z:
        return (z["x_train"], z["y_train"]), (z["x_test"], z["y_test"])


def load_mnist_or_subset(root: str | os.PathLike[str] | None = None) -> tuple[Arrays, str]:
    """Full MNIST when found under ``root``/``default_root()``, else the shipped subset; says which."""
    try:
        return load_mnist(root), "full MNIST"
    except FileNotFoundError:
        return (
            load_mnist_subset(),
            "the MNIST subset shipped with xpnet (10,000 train / 2,000 test)",
        )
