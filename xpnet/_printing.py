"""How tensors print: summarised like NumPy and PyTorch, copying only what is shown.

A tensor with more than ``threshold`` elements prints its first and last
``edgeitems`` entries along each long axis with ``...`` between. Only those
entries are gathered on the device and read back, so printing a large GPU
tensor moves a few numbers, not the whole array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

OPTIONS: dict[str, Any] = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80}


def set_printoptions(
    precision: int | None = None,
    threshold: int | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
) -> None:
    """Set how tensors print (the defaults: precision 4, threshold 1000, edgeitems 3, linewidth 80)."""
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):  # fmt: skip
        if v is not None:
            OPTIONS[k] = int(v)


def get_printoptions() -> dict[str, Any]:
    return dict(OPTIONS)


def format_values(t: Any) -> str:
    """The values of tensor ``t`` as text (its shown part read back from the device)."""
    e, threshold = OPTIONS["edgeitems"], OPTIONS["threshold"]
    b = t.backend
    arr = t._data
    shape = tuple(arr.shape)
    summarise = t.size > threshold
    if summarise:
        # Keep the edge entries of each long axis, plus one middle entry that NumPy's
        # printer then replaces by "..." (an axis longer than 2*edgeitems).
        for axis, n in enumerate(shape):
            if n > 2 * e:
                idx = [*range(e), e, *range(n - e, n)]
                arr = b.xp.take(arr, b.asarray(np.asarray(idx)), axis=axis)
    host = b.to_numpy(arr)
    if b.dtype_name(t.dtype) == "bfloat16":
        host = host.astype(np.float32)
    return np.array2string(
        host,
        separator=", ",
        prefix="Tensor(",
        precision=OPTIONS["precision"],
        threshold=0 if summarise else max(host.size, 1),
        edgeitems=e,
        max_line_width=OPTIONS["linewidth"],
    )
