"""Weights in and out as safetensors files (the format PyTorch and the Hugging Face hub read).

``xn.save`` keeps full training state (optimizer, RNG, history) in xpnet's own
format; these functions move *weights* to and from other tools. A file is an
8-byte little-endian header length, a JSON header naming each tensor's dtype,
shape and byte range, then the bytes. xpnet reads and writes the format itself
(no extra package), tensor by tensor, so loading needs about the file's size in
memory, not several times it. Every header field is checked before anything is
allocated (length, JSON, types, dtypes, shapes, byte ranges that tile the data
exactly, string metadata), so a truncated, inconsistent or hostile file is a
``CheckpointError`` that names the file and the tensor, and nothing is loaded.
BF16 tensors (most published checkpoints) load on backends with bfloat16 (torch,
JAX), or cast with ``dtype="float32"`` on any backend; they are written as BF16.
"""

from __future__ import annotations

import json
import math
import os
import struct
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ._atomic import atomic_write
from ._checkpoint import _bytes, _contiguous, _read_into
from ._checkpoint_tree import bf16_bits, bf16_values
from ._errors import ArgumentTypeError, CheckpointError, DTypeError
from .backend import backend_of, get_backend
from .ops import asarray
from .tensor import Tensor

# safetensors dtype -> xpnet dtype name (BF16 is read as the bits of bfloat16 values;
# the float8 types have no xpnet dtype).
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
    "BF16": "bfloat16",
}
_CODES = {v: k for k, v in DTYPES.items()}
_LE = {k: np.dtype(v).newbyteorder("<") for k, v in DTYPES.items() if k != "BF16"}
_SIZES = {k: (2 if k == "BF16" else np.dtype(v).itemsize) for k, v in DTYPES.items()}
_FLOATS = ("float16", "bfloat16", "float32", "float64")
_MAX_HEADER = 100_000_000  # the reference implementation's limit


def _host(name: str, value: Any) -> tuple[str, np.ndarray]:
    """``value`` (an xpnet Tensor, a NumPy array or another library's array) on the host, with
    its safetensors dtype (BF16 as the uint16 of its bits). The shape is kept (also 0-d)."""
    if isinstance(value, Tensor):
        if value.backend.dtype_name(value.dtype) == "bfloat16":
            return "BF16", bf16_bits(value.detach())
        arr = value.backend.to_numpy(value._data)
    elif isinstance(value, np.ndarray):
        arr = value
    else:
        b = backend_of(value)
        if b is None:
            raise ArgumentTypeError(
                f"save_safetensors: {name!r} is a {type(value).__module__}.{type(value).__name__}; "
                "values must be xpnet tensors or arrays"
            )

        return _host(name, asarray(value))
    code = _CODES.get(arr.dtype.name)
    if code is None:
        raise DTypeError(f"save_safetensors: {name!r} has dtype {arr.dtype}, which safetensors "
                         f"cannot hold (it holds {sorted(set(DTYPES.values()))})")  # fmt: skip
    return code, _contiguous(arr)


def save_safetensors(
    obj: Any, path: str | os.PathLike[str], metadata: dict[str, str] | None = None
) -> Path:
    """Write a model's ``state_dict()`` (or a dict of name -> tensor/array) as a safetensors file.

    Keys are the dotted names ``state_dict`` gives (PyTorch's names and layouts, so
    ``safetensors.torch.load_file`` feeds ``torch_model.load_state_dict``). The file
    is written atomically: a crash leaves the previous file whole. ``metadata``:
    string pairs stored in the header. Returns the path.
    """
    state = obj.state_dict() if hasattr(obj, "state_dict") and callable(obj.state_dict) else obj
    if not isinstance(state, dict):
        raise ArgumentTypeError(
            f"save_safetensors: expected a Module or a dict of tensors, got {type(obj).__name__}"
        )
    if metadata is not None and not (
        isinstance(metadata, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    ):
        raise ArgumentTypeError("save_safetensors: metadata must map strings to strings")
    arrays: dict[str, tuple[str, np.ndarray]] = {}
    for k, v in state.items():
        if not isinstance(k, str) or k == "__metadata__":
            raise ArgumentTypeError(
                f"save_safetensors: keys must be strings (not __metadata__), got {k!r}"
            )
        arrays[k] = _host(k, v)
    header: dict[str, Any] = {"__metadata__": dict(metadata)} if metadata else {}
    offset = 0
    for k, (code, a) in arrays.items():
        header[k] = {
            "dtype": code,
            "shape": list(a.shape),
            "data_offsets": [offset, offset + a.nbytes],
        }
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as the reference writes it

    def write(f: Any) -> None:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, a in arrays.values():
            f.write(_bytes(a))

    target = Path(path)
    atomic_write(target, write)
    return target


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _BadHeader(f"the header names {k!r} twice")
        out[k] = v
    return out


class _BadHeader(Exception):
    pass


def _header(
    f: BinaryIO, size: int, where: str
) -> tuple[dict[str, str], dict[str, dict[str, Any]], int]:
    """The checked header of an open file: its metadata, its tensors' entries in file order,
    and where the data starts. Every entry well typed, a known dtype, a shape whose bytes
    are its byte range, the ranges tiling the data section exactly (the reference's
    rules), string metadata."""
    if size < 8:
        raise CheckpointError(f"{where}: {size} bytes is too short for a safetensors file")
    (n,) = struct.unpack("<Q", f.read(8))
    if n > _MAX_HEADER or 8 + n > size:
        raise CheckpointError(
            f"{where}: the header claims {n} bytes but the file has {size - 8} after the "
            "length field (truncated, or not a safetensors file)"
        )
    try:
        header = json.loads(f.read(n), object_pairs_hook=_no_duplicates)
    except _BadHeader as e:
        raise CheckpointError(f"{where}: {e}") from None
    except RecursionError:
        raise CheckpointError(f"{where}: the header is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise CheckpointError(f"{where}: the header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{where}: the header is not a JSON object")
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in meta.items()
    ):
        raise CheckpointError(f"{where}: __metadata__ must map strings to strings, got {meta!r}")
    body = size - 8 - n
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not (
            isinstance(info, dict)
            and set(info) == {"dtype", "shape", "data_offsets"}
            and isinstance(info["dtype"], str)
            and isinstance(info["shape"], list)
            and all(_int(d) for d in info["shape"])
            and isinstance(info["data_offsets"], list)
            and len(info["data_offsets"]) == 2
            and all(_int(o) for o in info["data_offsets"])
        ):
            raise CheckpointError(f"{where}: tensor {name!r} has a malformed header entry {info!r}")
        dt, shape, (lo, hi) = info["dtype"], info["shape"], info["data_offsets"]
        if dt not in _SIZES:
            raise CheckpointError(
                f"{where}: tensor {name!r} has dtype {dt}, which xpnet cannot represent "
                f"(it reads {sorted(_SIZES)}); convert it where it was written"
            )
        nbytes = math.prod(shape) * _SIZES[dt]
        if hi - lo != nbytes or not lo <= hi <= body:
            raise CheckpointError(
                f"{where}: tensor {name!r} ({dt}, shape {shape}) needs {nbytes} bytes but its "
                f"offsets are [{lo}, {hi}) in a data section of {body} bytes (a mismatched header "
                "or a truncated file)"
            )
        spans.append((lo, hi, name))
    spans.sort()
    end = 0
    for lo, hi, name in spans:
        if lo != end:
            what = "overlaps the tensor before it" if lo < end else f"leaves a gap at byte {end}"
            raise CheckpointError(
                f"{where}: tensor {name!r} {what} (the ranges must tile the data)"
            )
        end = hi
    if end != body:
        raise CheckpointError(
            f"{where}: the tensors cover {end} of the {body} data bytes (truncated or padded file)"
        )
    ordered = {name: header[name] for _, _, name in spans}  # file order: the same everywhere
    return meta, ordered, 8 + n


def _open(path: str | os.PathLike[str], where: str) -> tuple[BinaryIO, int]:
    try:
        f = open(path, "rb")  # noqa: SIM115 (the caller closes it)
        return f, os.fstat(f.fileno()).st_size
    except (OSError, ValueError) as e:  # ValueError: a NUL in the path
        raise CheckpointError(f"{where}: cannot read the file: {e}") from e


def load_safetensors(
    path: str | os.PathLike[str], backend: Any = None, device: Any = None, dtype: Any = None
) -> dict[str, Tensor]:
    """Read a safetensors file as a dict of name -> Tensor on ``backend``/``device``, in the
    order of the file.

    The header is checked (see the module docstring) and every dtype is checked against
    the backend before any tensor is read; an error names the file and the tensor.
    ``dtype``: cast every floating tensor to it (``"float32"`` loads a BF16 checkpoint on
    a backend without bfloat16, such as NumPy). Feed the result to
    ``model.load_state_dict``, which checks keys and shapes.
    """

    where = f"load_safetensors({os.fspath(path)!r})"
    f, size = _open(path, where)
    with f:
        _, tensors, start = _header(f, size, where)
        b = get_backend(backend, device)
        wanted = None if dtype is None else b.dtype_name(b.dtype(dtype))
        targets = {}  # name -> the dtype it loads as; all checked before anything is read
        for name, info in tensors.items():
            target = DTYPES[info["dtype"]]
            if wanted is not None and target in _FLOATS:
                target = wanted
            try:
                b.dtype(target)
            except DTypeError as e:
                hint = "; pass dtype='float32' to cast it" if target == "bfloat16" else ""
                raise CheckpointError(
                    f"{where}: tensor {name!r} is {target}, which {b} cannot hold ({e}){hint}"
                ) from None
            targets[name] = target
        out: dict[str, Tensor] = {}
        for name, info in tensors.items():
            code = info["dtype"]
            raw = np.empty(info["shape"], np.uint16 if code == "BF16" else _LE[code])
            f.seek(start + info["data_offsets"][0])
            if not _read_into(f, raw):
                raise CheckpointError(f"{where}: tensor {name!r} is truncated")
            values = bf16_values(raw) if code == "BF16" else raw
            out[name] = asarray(values, dtype=targets[name], backend=b)  # takes over the array
            del raw, values
    return out


def safetensors_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``__metadata__`` string pairs of a safetensors file (empty when it has none)."""
    where = f"safetensors_metadata({os.fspath(path)!r})"
    f, size = _open(path, where)
    with f:
        return dict(_header(f, size, where)[0])
