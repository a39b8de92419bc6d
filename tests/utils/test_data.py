"""``xn.utils.data`` (PyTorch's ``torch.utils.data`` spelling of ``xn.data``) and
``default_collate``, with PyTorch's ``default_collate`` as the oracle; ``xn.backends``."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import xpnet as xn
import xpnet.utils.data as xdata

Pair = namedtuple("Pair", ["image", "label"])


def test_utils_data_is_xn_data():
    for name in xdata.__all__:
        assert getattr(xdata, name) is getattr(xn.data, name), name
    assert xn.utils.data.DataLoader is xn.data.DataLoader


SAMPLES = {
    "tuples": [(np.full((2, 3), i, np.float32), i) for i in range(4)],
    "dicts": [
        {"x": np.arange(3, dtype=np.float32) + i, "y": float(i), "id": f"s{i}"} for i in range(3)
    ],
    "lists of numbers": [[i, 2.5 * i] for i in range(3)],
    "named tuples": [Pair(np.ones(2, np.float32) * i, i) for i in range(3)],
}


@pytest.mark.parametrize("case", list(SAMPLES), ids=list(SAMPLES))
def test_default_collate_matches_torch(case):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as tcollate

    samples = SAMPLES[case]
    got, want = xn.utils.data.default_collate(samples), tcollate(samples)

    def check(a, t):
        if isinstance(t, torch.Tensor):
            assert isinstance(a, xn.Tensor) and a.backend is xn.get_backend()
            assert a.backend.dtype_name(a.dtype) == str(t.dtype).rsplit(".", 1)[-1]
            np.testing.assert_array_equal(a.numpy(), t.numpy())
        elif isinstance(t, dict):
            assert list(a) == list(t)
            for k in t:
                check(a[k], t[k])
        elif isinstance(t, (tuple, list)) and not isinstance(t[0], str):
            # PyTorch turns tuple samples into a list of batches; xpnet keeps a tuple
            assert isinstance(a, (tuple, list)) and len(a) == len(t)
            assert type(a) is type(t) or not hasattr(t, "_fields")
            for x, y in zip(a, t, strict=True):
                check(x, y)
        else:
            assert a == t

    check(got, want)


def test_custom_collate_fn_can_call_default_collate():
    data = [(np.float32(i), f"text {i}") for i in range(5)]

    def collate(batch):
        xs = xn.utils.data.default_collate([b[0] for b in batch])
        return xs * 2.0, [b[1] for b in batch]

    batches = list(xn.utils.data.DataLoader(data, batch_size=2, collate_fn=collate))
    assert [b[0].tolist() for b in batches] == [[0.0, 2.0], [4.0, 6.0], [8.0]]
    assert batches[2][1] == ["text 4"]


def test_backends_answers_for_a_pytorch_script():
    assert xn.backends.mps.is_available() is False and xn.backends.mps.is_built() is False
    assert xn.backends.cudnn.is_available() is False
    xn.backends.cudnn.benchmark = True  # kept as set; xpnet does not call cuDNN
    xn.backends.cuda.matmul.allow_tf32 = True
    try:
        assert xn.backends.cudnn.benchmark is True and xn.backends.cuda.matmul.allow_tf32
    finally:
        xn.backends.cudnn.benchmark = False
        xn.backends.cuda.matmul.allow_tf32 = False
