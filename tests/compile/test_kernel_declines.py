"""A backend kernel may decline the values of one call (NumPy's cross-entropy kernels take
batches whose labels are all classes; a padded batch with ignored labels goes to the
generic path). A replayed program must fall back the same way, and such batches must not
make xn.compile record the step again and again."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn

from .steps import train_mlp


@pytest.mark.parametrize("first", ["plain", "padded"])
def test_replays_fall_back_where_a_kernel_declines_and_do_not_record_again(first, rng):
    assert "softmax_cross_entropy_mean" in xn.get_backend("numpy").kernels
    x = rng.standard_normal((6, 5)).astype(np.float32)
    plain = rng.integers(0, 3, 6)
    padded = plain.copy()
    padded[[1, 4]] = -100  # ignored: the kernel declines, the generic path's masks run
    order = [plain, padded] if first == "plain" else [padded, plain]
    batches = [(x, order[i % 2] if i < 6 else order[(i // 3) % 2]) for i in range(12)]
    eager_losses, eager_params, _ = train_mlp(False, batches, (5, 8, 3))
    losses, params, f = train_mlp(True, batches, (5, 8, 3))
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-6)
    for p, q in zip(params, eager_params, strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-7)
    assert f.replays >= 8 and f.recordings <= 3, (f.replays, f.recordings)
    assert "_generic" in f.source() and "is NotImplemented" in f.source()
