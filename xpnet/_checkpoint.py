"""``xn.save`` and ``xn.load``: checkpoints without pickle, written atomically.

The format is a ZIP archive (stored, not compressed) holding

- ``meta.json``: ``{"format": "xpnet-checkpoint", "version": 1, "tree": ...,
  "arrays": {name: {"dtype", "shape", "sha256"}}}``, where ``tree`` is the saved
  object in JSON with tensors replaced by ``{"__tensor__": name, "dtype": ...}``
  (NumPy arrays by ``{"__ndarray__": name}``), dicts by ``{"__dict__": [[key,
  value], ...]}`` (keys may be ints), tuples by ``{"__tuple__": [...]}`` and
  non-finite floats by ``{"__float__": "nan" | "inf" | "-inf"}``;
- one ``NAME.npy`` per array (NumPy's format, read with ``allow_pickle=False``).

Every array's SHA-256 is checked on load, so a truncated or bit-flipped file
gives a ``CheckpointError``, never garbage weights. A save writes a temporary
file beside the target, flushes and fsyncs it, then renames it over the target:
a crash mid-save leaves the previous file intact. Tensors are stored on the host
and load onto any backend and device.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ._atomic import atomic_write
from ._errors import CheckpointError
from ._tensor import Tensor

FORMAT = "xpnet-checkpoint"
VERSION = 1


def _contiguous(a: np.ndarray) -> np.ndarray:
    # Not np.ascontiguousarray: it turns 0-d arrays into shape (1,).
    return a if a.flags.c_contiguous else a.copy(order="C")


def _digest(a: np.ndarray) -> str:
    return hashlib.sha256(_contiguous(a).tobytes()).hexdigest()


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    if isinstance(obj, Tensor):
        name = f"a{len(arrays)}"
        arrays[name] = obj.numpy()
        return {
            "__tensor__": name,
            "dtype": obj.backend.dtype_name(obj.dtype),
            "requires_grad": obj.requires_grad,
        }
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise CheckpointError(
                f"save: {where} is a NumPy array of Python objects, which needs pickle"
            )
        name = f"a{len(arrays)}"
        arrays[name] = obj
        return {"__ndarray__": name}
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return _encode(obj.item(), arrays, where)
    if isinstance(obj, list):
        return [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not (k is None or isinstance(k, (str, int, float, bool))):
                raise CheckpointError(
                    f"save: {where} has a key of type {type(k).__name__}; use str or int keys"
                )
            items.append([k, _encode(v, arrays, f"{where}[{k!r}]")])
        return {"__dict__": items}
    raise CheckpointError(
        f"save: {where} is a {type(obj).__name__}, which a checkpoint cannot hold (tensors, arrays, "
        "numbers, strings, None, lists, tuples and dicts only)"
    )


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` (nested dicts/lists of tensors and plain values) to ``path`` atomically."""
    target = Path(path)
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, arrays, "obj")
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "tree": tree,
        "arrays": {
            n: {"dtype": a.dtype.str, "shape": list(a.shape), "sha256": _digest(a)}
            for n, a in arrays.items()
        },
    }

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
            z.writestr("meta.json", json.dumps(meta))
            for name, a in arrays.items():
                with z.open(f"{name}.npy", "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, _contiguous(a), allow_pickle=False)

    atomic_write(target, write)


def _decode(node: Any, arrays: dict[str, np.ndarray], backend: Any, device: Any) -> Any:
    from .ops._creation import tensor

    if isinstance(node, list):
        return [_decode(v, arrays, backend, device) for v in node]
    if not isinstance(node, dict):
        return node
    if "__tensor__" in node:
        t = tensor(arrays[node["__tensor__"]], dtype=node["dtype"], backend=backend, device=device)
        return t.requires_grad_() if node.get("requires_grad") else t
    if "__ndarray__" in node:
        return arrays[node["__ndarray__"]]
    if "__tuple__" in node:
        return tuple(_decode(v, arrays, backend, device) for v in node["__tuple__"])
    if "__float__" in node:
        return float(node["__float__"])
    if "__dict__" in node:
        return {k: _decode(v, arrays, backend, device) for k, v in node["__dict__"]}
    raise CheckpointError(f"load: unknown node {sorted(node)} in the checkpoint tree")


def load(path: str | os.PathLike[str], backend: Any = None, device: Any = None) -> Any:
    """Read a checkpoint written by ``save``; tensors go to ``backend``/``device`` (default: current)."""
    source = Path(path)
    try:
        raw = source.read_bytes()
    except OSError as e:
        raise CheckpointError(f"load: cannot read {source}: {e}") from e
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            meta = json.loads(z.read("meta.json"))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise CheckpointError(f"load: {source} is not an xpnet checkpoint")
            if meta.get("version") != VERSION:
                raise CheckpointError(
                    f"load: {source} has format version {meta.get('version')}, expected {VERSION}"
                )
            arrays = {}
            for name, info in meta["arrays"].items():
                with z.open(f"{name}.npy") as entry:
                    a = np.lib.format.read_array(entry, allow_pickle=False)
                if (
                    a.dtype.str != info["dtype"]
                    or list(a.shape) != info["shape"]
                    or _digest(a) != info["sha256"]
                ):
                    raise CheckpointError(
                        f"load: array {name} of {source} fails its checksum (the file is corrupt)"
                    )
                arrays[name] = a
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, EOFError, OSError) as e:
        raise CheckpointError(
            f"load: {source} is corrupt or truncated ({type(e).__name__}: {e})"
        ) from e
    return _decode(meta["tree"], arrays, backend, device)
