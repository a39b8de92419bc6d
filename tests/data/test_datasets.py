"""MNIST loading (local files, download from a local HTTP server, damaged files) and generators."""

from __future__ import annotations

import functools
import gzip
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

import xpnet as xn
from xpnet.datasets import DatasetError, load_mnist

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"
needs_mnist = pytest.mark.skipif(
    not (SHARED / "train-images-idx3-ubyte.gz").exists(), reason="no ../shared/data/mnist"
)


@needs_mnist
def test_load_full_mnist_gzip():
    (xt, yt), (xs, _ys) = load_mnist(SHARED)
    assert xt.shape == (60000, 28, 28) and xs.shape == (10000, 28, 28) and xt.dtype == np.uint8
    assert np.bincount(yt).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert abs(xt.mean() / 255 - 0.1307) < 1e-3


@needs_mnist
def test_load_raw_idx_and_environment_root(tmp_path, monkeypatch):
    for f in SHARED.glob("*.gz"):
        (tmp_path / f.name[:-3]).write_bytes(gzip.decompress(f.read_bytes()))
    monkeypatch.setenv("XPNET_DATA", str(tmp_path))
    (xt, _), _ = load_mnist()
    assert xt.shape == (60000, 28, 28)


@needs_mnist
def test_truncated_and_corrupt_files(tmp_path):
    for f in SHARED.glob("*.gz"):
        shutil.copy(f, tmp_path / f.name)
    labels = tmp_path / "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(labels.read_bytes())
    labels.write_bytes(gzip.compress(raw[:-10]))  # truncated but valid gzip
    with pytest.raises(DatasetError, match=r"9990 of 10000 data bytes .*truncated"):
        load_mnist(tmp_path)
    labels.write_bytes(labels.read_bytes()[:100])  # truncated gzip stream
    with pytest.raises(DatasetError, match="cannot be read"):
        load_mnist(tmp_path)
    flipped = bytearray(raw)
    flipped[500] ^= 1
    labels.write_bytes(gzip.compress(bytes(flipped)))
    with pytest.raises(DatasetError, match="corrupt"):
        load_mnist(tmp_path)


def test_missing_files_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=True"):
        load_mnist(tmp_path)


def test_idx_parser_rejects_bad_headers():
    import io

    from xpnet.datasets._mnist import _read_idx

    with pytest.raises(DatasetError, match="not an IDX"):
        _read_idx(io.BytesIO(b"\x00\x00\x0d\x01"), "x", "")
    with pytest.raises(DatasetError, match="truncated"):
        _read_idx(io.BytesIO(b"\x00\x00\x08\x01\x00\x00\x00\x05abc"), "x", "")
    with pytest.raises(DatasetError, match="more than any MNIST file"):
        _read_idx(io.BytesIO(b"\x00\x00\x08\x02" + (10**5).to_bytes(4, "big") * 2), "x", "")


@pytest.fixture
def mnist_server():
    """An HTTP server on 127.0.0.1 serving ../shared/data/mnist, and a flag to break it."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SHARED))

    class Quiet(handler.func):  # type: ignore[name-defined]
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(SHARED))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@needs_mnist
def test_download_from_a_local_server(tmp_path, mnist_server):
    target = tmp_path / "mnist"
    (xt, _yt), (_xs, ys) = load_mnist(target, download=True, url=mnist_server)
    assert xt.shape == (60000, 28, 28) and ys.shape == (10000,)
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in SHARED.glob("*.gz"))
    (xt2, _), _ = load_mnist(target)  # now found locally, no network
    np.testing.assert_array_equal(xt, xt2)


@needs_mnist
def test_download_of_a_bad_file_stores_nothing(tmp_path, mnist_server):
    with pytest.raises(DatasetError, match="failed"):
        load_mnist(tmp_path, download=True, url=mnist_server + "missing/")
    assert not any(tmp_path.iterdir())


def test_shipped_subset():
    (xt, yt), (xs, _ys) = xn.datasets.load_mnist_subset()
    assert xt.shape == (10000, 28, 28) and xs.shape == (2000, 28, 28) and yt.dtype == np.uint8
    assert set(np.unique(yt)) == set(range(10))
    licence = Path(xn.datasets._mnist.SUBSET).with_name("MNIST_LICENSE.txt").read_text()
    assert "CC BY-SA 3.0" in licence and "LeCun" in licence


def test_generators_are_reproducible():
    x, y = xn.datasets.two_moons(50, seed=2)
    assert x.shape == (50, 2) and x.dtype == np.float32 and set(np.unique(y)) == {0, 1}
    assert y.dtype == np.int64  # class labels, as make_moons (cross_entropy takes them as they are)
    np.testing.assert_array_equal(x, xn.datasets.two_moons(50, seed=2)[0])
    xs, ys = xn.datasets.spirals(90, classes=3)
    assert xs.shape == (90, 2) and np.bincount(ys).tolist() == [30, 30, 30]
    for n, classes, counts in ((10, 2, [5, 5]), (10, 3, [4, 3, 3]), (7, 3, [3, 2, 2])):
        xs, ys = xn.datasets.spirals(n, classes=classes)
        assert len(xs) == n and np.bincount(ys).tolist() == counts  # n points, not n - n % classes
    x, y, w, b = xn.datasets.linear_regression(100, features=3, outputs=2, noise=0.0)
    np.testing.assert_allclose(x @ w + b, y, rtol=1e-5, atol=1e-5)
    assert xn.datasets.xor()[1].tolist() == [0.0, 1.0, 1.0, 0.0]


def test_tensor_dataset_is_pytorchs_name_for_array_dataset():
    import xpnet as xn

    ds = xn.data.TensorDataset(xn.arange(6.0), xn.arange(6))
    train, val = xn.data.random_split(ds, [0.5, 0.5], seed=0)
    assert isinstance(ds, xn.data.ArrayDataset) and len(train) == len(val) == 3
    x, y = next(iter(xn.data.DataLoader(ds, batch_size=4)))
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0] and y.tolist() == [0, 1, 2, 3]


def test_subset_and_random_split_of_any_map_style_dataset():
    """A Dataset subclass of PyTorch's kind (its names tutorial splits one with fractions
    and a Generator): a Subset indexes into it lazily, with .dataset and .indices."""
    import xpnet as xn

    class Names(xn.data.Dataset):
        def __init__(self):
            self.items = [(xn.tensor([i]), f"name{i}") for i in range(10)]

        def __len__(self):
            return len(self.items)

        def __getitem__(self, i):
            return self.items[i]

    ds = Names()
    train, test = xn.utils.data.random_split(
        ds, [0.8, 0.2], generator=xn.Generator().manual_seed(3)
    )
    assert (len(train), len(test)) == (8, 2) and train.dataset is ds
    assert sorted(train.indices.tolist() + test.indices.tolist()) == list(range(10))
    i = int(test.indices[1])
    assert test[1][1] == f"name{i}" and test[np.int64(1)][0].tolist() == [i]
    assert not isinstance(train, xn.data.ArrayDataset)
    names = [n for _, batch in xn.data.DataLoader(train, batch_size=3) for n in batch]
    assert names == [f"name{j}" for j in train.indices.tolist()]
    arrays = xn.data.Subset(xn.data.TensorDataset(xn.arange(5.0)), [4, 0])
    assert isinstance(arrays, xn.data.ArrayDataset) and arrays.arrays[0].tolist() == [4.0, 0.0]
    assert isinstance(arrays, xn.data.Subset) and arrays.indices.tolist() == [4, 0]
