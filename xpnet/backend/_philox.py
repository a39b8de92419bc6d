"""Philox4x32-10 (Salmon, Moraes, Dror, Shaw, SC 2011): the counter-based generator of xpnet on CUDA.

A counter-based generator is a keyed hash of a counter: element ``i`` of a draw
whose first counter is ``c`` is ``philox(key, c + i)``, computed independently on
every GPU thread. Its whole state is ``(key, counter)``, two plain integers, so it
saves in a checkpoint and resumes exactly, and each device gets its own key
(PyTorch's and JAX's GPU generators work the same way).

``words`` below is the reference in NumPy (the tests check the CUDA kernel
against it bit for bit); ``CUDA_SOURCE`` is the same function for CuPy.
"""

from __future__ import annotations

import numpy as np

M0, M1 = 0xD2511F53, 0xCD9E8D57  # the multipliers
W0, W1 = 0x9E3779B9, 0xBB67AE85  # the key increments (golden ratio, sqrt(3) - 1)
ROUNDS = 10
_MASK = np.uint64(0xFFFFFFFF)


def words(key: tuple[int, int], counter: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first two 32-bit output words of philox(key, counter + i) for i < n (uint32 arrays)."""
    idx = np.arange(n, dtype=np.uint64) + np.uint64(counter)
    c0, c1 = idx & _MASK, idx >> np.uint64(32)
    c2 = np.zeros(n, dtype=np.uint64)
    c3 = np.zeros(n, dtype=np.uint64)
    k0, k1 = key[0] & 0xFFFFFFFF, key[1] & 0xFFFFFFFF
    for r in range(ROUNDS):
        if r:
            k0, k1 = (k0 + W0) & 0xFFFFFFFF, (k1 + W1) & 0xFFFFFFFF
        p0 = np.uint64(M0) * c0
        p1 = np.uint64(M1) * c2
        hi0, lo0 = p0 >> np.uint64(32), p0 & _MASK
        hi1, lo1 = p1 >> np.uint64(32), p1 & _MASK
        c0, c1, c2, c3 = hi1 ^ c1 ^ np.uint64(k0), lo1, hi0 ^ c3 ^ np.uint64(k1), lo0
    return c0.astype(np.uint32), c1.astype(np.uint32)


CUDA_SOURCE = f"""
unsigned long long ctr = base + (unsigned long long)i;
unsigned int c0 = (unsigned int)ctr, c1 = (unsigned int)(ctr >> 32), c2 = 0u, c3 = 0u;
unsigned int a = k0, b = k1;
for (int r = 0; r < {ROUNDS}; ++r) {{
    if (r) {{ a += {W0}u; b += {W1}u; }}
    unsigned long long p0 = (unsigned long long){M0}u * c0;
    unsigned long long p1 = (unsigned long long){M1}u * c2;
    unsigned int hi0 = (unsigned int)(p0 >> 32), lo0 = (unsigned int)p0;
    unsigned int hi1 = (unsigned int)(p1 >> 32), lo1 = (unsigned int)p1;
    unsigned int n0 = hi1 ^ c1 ^ a, n2 = hi0 ^ c3 ^ b;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
}}
w0 = c0; w1 = c1;
"""


def key_for(seed: int | None, device: int) -> tuple[int, int]:
    """A 64-bit key from a seed and a device index: each device its own stream."""
    seq = np.random.SeedSequence(None if seed is None else [seed, device])
    k = seq.generate_state(2, dtype=np.uint32)
    return int(k[0]), int(k[1])


def uniform_from(w0: np.ndarray, w1: np.ndarray, float64: bool) -> np.ndarray:
    """Uniform numbers in [0, 1) from the words: 24 bits for float32, 53 for float64."""
    if float64:
        bits = (w0.astype(np.uint64) << np.uint64(21)) ^ (w1.astype(np.uint64) >> np.uint64(11))
        return bits.astype(np.float64) * 2.0**-53
    return (w0 >> np.uint32(8)).astype(np.float32) * np.float32(2.0**-24)
