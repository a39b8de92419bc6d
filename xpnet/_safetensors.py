"""Weights in and out as safetensors files (the format PyTorch and the Hugging Face hub read).

``xn.save`` keeps full training state (optimizer, RNG, history) in xpnet's own
format; these two functions move *weights* to and from other tools. A file is an
8-byte little-endian header length, a JSON header naming each tensor's dtype,
shape and byte range, then the bytes. Writing and reading go through the
``safetensors`` package's NumPy API (``pip install 'xpnet[interop]'``); the header
is also checked here first, so a truncated or inconsistent file, or a dtype the
chosen backend cannot hold, is a ``CheckpointError`` that names the tensor, and
nothing is loaded.
"""

from __future__ import annotations

import itertools
import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_write
from ._errors import ArgumentTypeError, CheckpointError, DTypeError, MissingDependencyError
from ._tensor import Tensor
from .backend import backend_of, get_backend

# safetensors dtype -> NumPy dtype name (BF16 and the float8 types have no NumPy dtype).
DTYPES = {
    "F64": "float64",
    "F32": "float32",
    "F16": "float16",
    "I64": "int64",
    "I32": "int32",
    "I16": "int16",
    "I8": "int8",
    "U8": "uint8",
    "U16": "uint16",
    "U32": "uint32",
    "U64": "uint64",
    "BOOL": "bool",
}
_SIZES = {k: np.dtype(v).itemsize for k, v in DTYPES.items()}
_MAX_HEADER = 100_000_000  # the reference implementation's limit


def _numpy_api() -> Any:
    try:
        import safetensors.numpy as st
    except ImportError as e:
        raise MissingDependencyError(
            "safetensors files need the safetensors package: pip install 'xpnet[interop]'"
        ) from e
    return st


def _host(name: str, value: Any) -> np.ndarray:
    """``value`` (an xpnet Tensor, a NumPy array or another library's array) on the host."""
    if isinstance(value, Tensor):
        if value.backend.dtype_name(value.dtype) == "bfloat16":  # before any copy to the host
            raise DTypeError(
                f"save_safetensors: {name!r} is bfloat16, which the safetensors NumPy API cannot "
                "write; cast it first (t.float())"
            )
        arr = value.backend.to_numpy(value.data)
    elif isinstance(value, np.ndarray):
        arr = value
    else:
        b = backend_of(value)
        if b is None:
            raise ArgumentTypeError(
                f"save_safetensors: {name!r} is a {type(value).__module__}.{type(value).__name__}; "
                "values must be xpnet tensors or arrays"
            )
        arr = b.to_numpy(value)
    if arr.dtype.name not in DTYPES.values():
        raise DTypeError(f"save_safetensors: {name!r} has dtype {arr.dtype}, which safetensors "
                         f"cannot hold (it holds {sorted(set(DTYPES.values()))})")  # fmt: skip
    return np.ascontiguousarray(arr)


def save_safetensors(
    obj: Any, path: str | os.PathLike[str], metadata: dict[str, str] | None = None
) -> Path:
    """Write a model's ``state_dict()`` (or a dict of name -> tensor/array) as a safetensors file.

    Keys are the dotted names ``state_dict`` gives (PyTorch's names and layouts, so
    ``safetensors.torch.load_file`` feeds ``torch_model.load_state_dict``). The file
    is written atomically: a crash leaves the previous file whole. ``metadata``:
    string pairs stored in the header. Returns the path.
    """
    st = _numpy_api()
    state = obj.state_dict() if hasattr(obj, "state_dict") and callable(obj.state_dict) else obj
    if not isinstance(state, dict):
        raise ArgumentTypeError(
            f"save_safetensors: expected a Module or a dict of tensors, got {type(obj).__name__}"
        )
    if metadata is not None and not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise ArgumentTypeError("save_safetensors: metadata must map strings to strings")
    arrays = {}
    for k, v in state.items():
        if not isinstance(k, str):
            raise ArgumentTypeError(f"save_safetensors: keys must be strings, got {k!r}")
        arrays[k] = _host(k, v)
    data = st.save(arrays, metadata=metadata)
    target = Path(path)
    atomic_write(target, lambda f: f.write(data))
    return target


def _header(raw: bytes, where: str) -> dict[str, Any]:
    """The parsed and checked header: every tensor's byte range inside the file, no overlaps."""
    if len(raw) < 8:
        raise CheckpointError(f"{where}: {len(raw)} bytes is too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > _MAX_HEADER or 8 + n > len(raw):
        raise CheckpointError(
            f"{where}: the header claims {n} bytes but the file has {len(raw) - 8} after the "
            "length field (truncated, or not a safetensors file)"
        )
    try:
        header = json.loads(raw[8 : 8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{where}: the header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{where}: the header is not a JSON object")
    body = len(raw) - 8 - n
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
            raise CheckpointError(f"{where}: tensor {name!r} has a malformed header entry {info!r}")
        dt, shape, (lo, hi) = info["dtype"], info["shape"], info["data_offsets"]
        if dt not in DTYPES:
            raise CheckpointError(
                f"{where}: tensor {name!r} has dtype {dt}, which xpnet cannot represent "
                f"(it reads {sorted(DTYPES)}); convert it where it was written (e.g. bf16 -> f32)"
            )
        size = int(np.prod(shape)) * _SIZES[dt]
        if hi - lo != size or not 0 <= lo <= hi <= body:
            raise CheckpointError(
                f"{where}: tensor {name!r} ({dt}, shape {shape}) needs {size} bytes but its "
                f"offsets are [{lo}, {hi}) in a data section of {body} bytes (a mismatched header "
                "or a truncated file)"
            )
        spans.append((lo, hi, name))
    spans.sort()
    for (_, hi, a), (lo, _, b) in itertools.pairwise(spans):
        if lo < hi:
            raise CheckpointError(f"{where}: tensors {a!r} and {b!r} overlap in the file")
    return header


def load_safetensors(
    path: str | os.PathLike[str], backend: Any = None, device: Any = None
) -> dict[str, Tensor]:
    """Read a safetensors file as a dict of name -> Tensor on ``backend``/``device``.

    The header is checked (length, JSON, dtypes, byte ranges) and every tensor is
    converted before anything is returned; an error names the file and the tensor.
    Feed the result to ``model.load_state_dict``, which checks keys and shapes.
    """
    st = _numpy_api()
    where = f"load_safetensors({os.fspath(path)!r})"
    raw = Path(path).read_bytes()
    header = _header(raw, where)
    b = get_backend(backend, device)
    for name, info in header.items():
        if name != "__metadata__":
            try:
                b.dtype(DTYPES[info["dtype"]])
            except DTypeError as e:
                raise CheckpointError(
                    f"{where}: tensor {name!r} is {DTYPES[info['dtype']]}, which {b} cannot hold "
                    f"({e})"
                ) from None
    try:
        arrays = st.load(raw)
    except Exception as e:  # the package's own checks (SafetensorError and friends)
        raise CheckpointError(f"{where}: {type(e).__name__}: {e}") from None
    from .ops import tensor

    return {k: tensor(v, backend=b) for k, v in arrays.items()}


def safetensors_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``__metadata__`` string pairs of a safetensors file (empty when it has none)."""
    where = f"safetensors_metadata({os.fspath(path)!r})"
    return dict(_header(Path(path).read_bytes(), where).get("__metadata__", {}) or {})
