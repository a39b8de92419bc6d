"""The Philox4x32-10 reference that CUDA draws are checked against."""

from __future__ import annotations

import numpy as np

from xpnet.backend import _philox as philox


def test_known_answer_vector():
    # Random123's kat_vectors: philox4x32 10 with counter 0 and key 0.
    w0, w1 = philox.words((0, 0), 0, 1)
    assert (int(w0[0]), int(w1[0])) == (0x6627E8D5, 0xE169C58D)


def test_counter_offsets_continue_the_stream():
    a0, a1 = philox.words((7, 9), 0, 10)
    b0, b1 = philox.words((7, 9), 4, 6)
    assert np.array_equal(a0[4:], b0) and np.array_equal(a1[4:], b1)


def test_each_device_gets_its_own_key():
    assert philox.key_for(0, 0) != philox.key_for(0, 1)
    assert philox.key_for(0, 0) == philox.key_for(0, 0)


def test_uniform_numbers_look_uniform():
    w0, w1 = philox.words(philox.key_for(3, 0), 0, 200_000)
    for wide in (False, True):
        u = philox.uniform_from(w0, w1, wide)
        assert u.dtype == (np.float64 if wide else np.float32)
        assert u.min() >= 0.0 and u.max() < 1.0
        hist = np.histogram(u, bins=20, range=(0, 1))[0]
        assert abs(u.mean() - 0.5) < 3e-3 and hist.min() > 9_500 and hist.max() < 10_500
