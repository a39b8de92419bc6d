"""``xn.save`` and ``xn.load``: checkpoints without pickle, written atomically.

The format is a ZIP archive (stored, not compressed) holding

- ``meta.json``: ``{"format": "xpnet-checkpoint", "version": 2, "tree": ...,
  "arrays": {name: {"dtype", "shape", "sha256"}}, "manifest_sha256": ...}``, where
  ``manifest_sha256`` covers everything else in the file's manifest (the format,
  version, tree and array table, as canonical JSON) and ``tree`` is the saved
  object in JSON with tensors replaced by ``{"__tensor__": name, "dtype": ...}``
  (NumPy arrays by ``{"__ndarray__": name}``), dicts by ``{"__dict__": [[key,
  value], ...]}`` (keys may be ints), tuples by ``{"__tuple__": [...]}`` and
  non-finite floats by ``{"__float__": "nan" | "inf" | "-inf"}``;
- one ``NAME.npy`` per array (NumPy's format, read with ``allow_pickle=False``).

Every array's SHA-256 and the manifest's are checked on load, and every node
of the tree is validated, so a truncated, bit-flipped or edited file gives a
``CheckpointError`` that says what is wrong, never garbage weights or a raw
KeyError. (Version 1 files, which had no manifest digest, still load, validated.) A save writes a temporary
file beside the target, flushes and fsyncs it, then renames it over the target:
a crash mid-save leaves the previous file intact. Tensors are stored on the host
and load onto any backend and device.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ._atomic import atomic_write
from ._errors import CheckpointError, XpnetError
from .backend import DTYPE_NAMES, backend_of, get_backend, placement
from .ops import asarray
from .tensor import Tensor

FORMAT = "xpnet-checkpoint"
VERSION = 2
_DTYPES = DTYPE_NAMES
# NumPy has no bfloat16: such a tensor is stored as the uint16 of its bits (the upper half
# of the float32 of the same value), with "bfloat16" as its dtype in the tree.


def _bf16_bits(t: Tensor) -> np.ndarray:
    """The bfloat16 tensor ``t``'s bits as a host uint16 array (exact: through float32)."""
    f32 = t.backend.to_numpy(t.backend.xp.astype(t._data, t.backend.dtype("float32")))
    return (np.ascontiguousarray(f32, dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)


def _bf16_values(bits: np.ndarray) -> np.ndarray:
    """The float32 array holding exactly the bfloat16 values of ``bits``."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _manifest_digest(meta: dict[str, Any]) -> str:
    body = {k: meta.get(k) for k in ("format", "version", "tree", "arrays")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _contiguous(a: np.ndarray) -> np.ndarray:
    # Not np.ascontiguousarray: it turns 0-d arrays into shape (1,).
    return a if a.flags.c_contiguous else a.copy(order="C")


def _bytes(a: np.ndarray) -> memoryview:
    """The bytes of the C-contiguous ``a``, without copying them."""
    return a.reshape(-1).view(np.uint8).data if a.size else memoryview(b"")


def _digest(a: np.ndarray) -> str:
    return hashlib.sha256(_bytes(_contiguous(a))).hexdigest()  # no bytes copy: peak memory


_CHUNK = 4 << 20


def _read_into(f: Any, a: np.ndarray) -> bool:
    """Fill the C-contiguous ``a`` from the file ``f``; False when the file ends first."""
    view, got = _bytes(a), 0
    while got < len(view):
        # in pieces: a ZIP member's readinto reads into a temporary bytes object first
        n = f.readinto(view[got : got + _CHUNK])
        if not n:
            return False
        got += n
    return True


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    if isinstance(obj, Tensor):
        name = f"a{len(arrays)}"
        bf16 = obj.backend.dtype_name(obj.dtype) == "bfloat16"
        arrays[name] = _bf16_bits(obj.detach()) if bf16 else obj.numpy()
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
    foreign = _foreign_array(obj)
    if foreign is not None:  # an array of another library (torch, cupy, jax...): through xpnet
        return _encode(foreign, arrays, where)
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
    mod = type(obj).__module__
    kind = type(obj).__qualname__ if mod == "builtins" else f"{mod}.{type(obj).__qualname__}"
    raise CheckpointError(
        f"save: {where} is a {kind}, which a checkpoint cannot hold (xpnet tensors, arrays of "
        "NumPy or another Array API library, numbers, strings, None, lists, tuples and dicts only)"
    )


def _foreign_array(obj: Any) -> Any:
    """An xpnet Tensor for an array of another supported library, else None."""

    try:
        b = backend_of(obj)
    except XpnetError:  # an Array API array of a library xpnet has no backend for: DLPack
        if hasattr(obj, "__dlpack__"):
            return asarray(np.from_dlpack(obj), backend="numpy")
        return None
    if b is None or b.host_format:
        return None
    return asarray(obj)


def save(obj: Any, path: str | os.PathLike[str] | BinaryIO) -> None:
    """Write ``obj`` (nested dicts/lists of tensors and plain values) to ``path`` atomically.

    ``path`` may also be a binary file open for writing (PyTorch's ``torch.save(obj, f)``):
    the whole checkpoint is built in memory first and written with one ``write``, so
    nothing is written when ``obj`` cannot be saved."""
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, arrays, "obj")
    meta: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "tree": tree,
        "arrays": {
            n: {"dtype": a.dtype.str, "shape": list(a.shape), "sha256": _digest(a)}
            for n, a in arrays.items()
        },
    }
    meta["manifest_sha256"] = _manifest_digest(meta)

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
            z.writestr("meta.json", json.dumps(meta))
            for name, a in arrays.items():
                with z.open(f"{name}.npy", "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, _contiguous(a), allow_pickle=False)

    if _is_file(path, "write"):
        buffer = io.BytesIO()
        write(buffer)
        path.write(buffer.getbuffer())  # type: ignore[union-attr]
        return
    atomic_write(Path(path), write)  # type: ignore[arg-type]


def _is_file(obj: Any, method: str) -> bool:
    return hasattr(obj, method) and not isinstance(obj, (str, bytes, os.PathLike))


class _Bad(Exception):
    """A malformed node of the tree (turned into a CheckpointError naming the file)."""


def _decode(node: Any, arrays: dict[str, np.ndarray], backend: Any, device: Any, where: str) -> Any:

    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, backend, device, f"{where}[{i}]") for i, v in enumerate(node)]
    if not isinstance(node, dict) or len(node) == 0:
        raise _Bad(f"{where} is a {type(node).__name__}, not a checkpoint node")
    if "__tensor__" in node:
        if set(node) - {"__tensor__", "dtype", "requires_grad"}:
            raise _Bad(
                f"{where} has unknown fields {sorted(set(node) - {'__tensor__', 'dtype', 'requires_grad'})}"
            )
        a = _array(node["__tensor__"], arrays, where)
        dtype = node.get("dtype")
        if dtype == "bfloat16" and a.dtype == np.uint16:
            a = _bf16_values(a)  # exact: every bfloat16 is a float32
        elif dtype not in _DTYPES or dtype == "bfloat16" or np.dtype(dtype) != a.dtype:
            raise _Bad(
                f"{where} says dtype {dtype!r} but its array {node['__tensor__']!r} holds {a.dtype.name}"
            )
        rg = node.get("requires_grad", False)
        if not isinstance(rg, bool):
            raise _Bad(f"{where} has requires_grad {rg!r}, not true or false")
        # the array is this load's own (read from the file): the tensor may take it over
        # without a copy; on another device the host copy goes as soon as the tensor holds it
        t = asarray(a, dtype=dtype, backend=backend, device=device)
        del a
        arrays.pop(node["__tensor__"])
        return t.requires_grad_() if rg else t
    if "__ndarray__" in node:
        if len(node) != 1:
            raise _Bad(f"{where} has unknown fields beside __ndarray__")
        return _array(node["__ndarray__"], arrays, where)
    if "__tuple__" in node:
        items = node["__tuple__"]
        if len(node) != 1 or not isinstance(items, list):
            raise _Bad(f"{where} is a malformed tuple")
        return tuple(
            _decode(v, arrays, backend, device, f"{where}[{i}]") for i, v in enumerate(items)
        )
    if "__float__" in node:
        if len(node) != 1 or node["__float__"] not in ("nan", "inf", "-inf"):
            raise _Bad(f"{where} is a malformed non-finite float {node!r}")
        return float(node["__float__"])
    if "__dict__" in node:
        items = node["__dict__"]
        if len(node) != 1 or not isinstance(items, list):
            raise _Bad(f"{where} is a malformed dict")
        out = {}
        for item in items:
            if not (isinstance(item, list) and len(item) == 2):
                raise _Bad(f"{where} has a dict entry {item!r} that is not a [key, value] pair")
            k, v = item
            if not (k is None or isinstance(k, (str, int, float, bool))):
                raise _Bad(f"{where} has a dict key of type {type(k).__name__}")
            out[k] = _decode(v, arrays, backend, device, f"{where}[{k!r}]")
        return out
    raise _Bad(f"{where} is an unknown node with fields {sorted(node)}")


def _array(name: Any, arrays: dict[str, np.ndarray], where: str) -> np.ndarray:
    if not isinstance(name, str) or name not in arrays:
        raise _Bad(f"{where} refers to array {name!r}, which the file does not hold")
    return arrays[name]


_ITEMSIZE_LIMIT = 16  # complex128: the widest dtype a checkpoint holds


def _members(z: zipfile.ZipFile, size: int) -> dict[str, zipfile.ZipInfo]:
    """The archive's members, refused unless the format allows them: stored (the format
    never compresses, so nothing inflates beyond the file), unencrypted, within the file."""
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in z.infolist():
        if info.compress_type != zipfile.ZIP_STORED:
            raise _Bad(
                f"member {info.filename!r} is compressed (method {info.compress_type}); "
                "checkpoints store every member uncompressed"
            )
        if info.flag_bits & 0x1:
            raise _Bad(f"member {info.filename!r} is encrypted")
        if info.file_size != info.compress_size or info.file_size > size:
            raise _Bad(
                f"member {info.filename!r} declares {info.file_size} bytes in a file of {size}"
            )
        infos[info.filename] = info
    return infos


def _read_arrays(
    z: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], table: Any
) -> dict[str, np.ndarray]:
    """Each array of the manifest, checked against it before its memory is allocated: the
    .npy header must declare the manifest's dtype and shape, and its data must fill the
    member exactly; then the data is read in place and its SHA-256 checked."""
    if not isinstance(table, dict):
        raise _Bad("the array table is not a mapping")
    arrays = {}
    for name, info in table.items():
        if not (
            isinstance(name, str)
            and isinstance(info, dict)
            and isinstance(info.get("dtype"), str)
            and isinstance(info.get("shape"), list)
            and all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in info["shape"]
            )
            and isinstance(info.get("sha256"), str)
        ):
            raise _Bad(f"array {name!r} has a malformed entry {info!r}")
        member = infos.get(f"{name}.npy")
        if member is None:
            raise _Bad(f"array {name!r} is in the manifest but not in the archive")
        with z.open(member) as entry:
            version = np.lib.format.read_magic(entry)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(entry)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(entry)
            else:
                raise _Bad(f"array {name!r} has .npy version {version}")
            if dtype.hasobject or dtype.itemsize > _ITEMSIZE_LIMIT or fortran:
                raise _Bad(f"array {name!r} has a .npy header for {dtype} (fortran={fortran})")
            if dtype.str != info["dtype"] or list(shape) != info["shape"]:
                raise _Bad(
                    f"array {name!r}: its .npy header says {dtype.str} {list(shape)}, the manifest "
                    f"{info['dtype']} {info['shape']} (the file is corrupt)"
                )
            nbytes = math.prod(shape) * dtype.itemsize
            if entry.tell() + nbytes != member.file_size:
                raise _Bad(
                    f"array {name!r} declares {nbytes} bytes of data in a member of "
                    f"{member.file_size} (truncated or corrupt)"
                )
            a = np.empty(shape, dtype)
            if not _read_into(entry, a):
                raise _Bad(f"array {name!r} is truncated")
        if _digest(a) != info["sha256"]:
            raise _Bad(f"array {name} fails its checksum (the file is corrupt)")
        arrays[name] = a
    return arrays


def _foreign_format(infos: dict[str, zipfile.ZipInfo]) -> str | None:
    """What a ZIP that is no checkpoint is, when it is something well known."""
    names = list(infos)
    if any(n.endswith("data.pkl") for n in names):
        return (
            "a PyTorch file (torch.save); read it with torch.load(path, weights_only=True) and "
            "pass the state_dict to load_state_dict, which takes torch tensors"
        )
    if names and all(n.endswith(".npy") for n in names):
        return "a NumPy .npz archive; read it with numpy.load"
    return None


def load(
    path: str | os.PathLike[str] | BinaryIO,
    backend: Any = None,
    device: Any = None,
    *,
    map_location: Any = None,
    weights_only: bool | None = None,
) -> Any:
    """Read a checkpoint written by ``save``; tensors go to ``backend``/``device`` (default: current).

    PyTorch's ``map_location`` (a device string or ``xn.device``: "cpu" gives NumPy
    tensors, "cuda" CuPy ones, as ``to(device)``) places them too; ``weights_only`` is
    accepted: a checkpoint holds values only, never code (no pickle), whatever it says.

    Anything wrong with the file (not a checkpoint, truncated, a failed checksum,
    an edited manifest, a malformed tree, a member the format does not allow) raises
    ``CheckpointError`` naming the file and saying what, before any tensor is made and
    before memory is allocated for what the file only claims to hold. The file is read
    in place, one array at a time (no copy of the whole file in memory). ``path`` may also
    be a binary file open for reading (PyTorch's ``torch.load(f)``); it is left open.
    """
    if map_location is not None:
        if backend is not None or device is not None:
            raise CheckpointError("load: give map_location or backend/device, not both")
        if callable(map_location) or isinstance(map_location, dict):
            raise CheckpointError(
                "load: map_location must be a device (a string like 'cpu' or 'cuda:0', or "
                "xn.device); functions and dicts are not supported"
            )
        target = placement(get_backend(), device=map_location)
        backend, device = target.name, target.device
    f: Any
    if _is_file(path, "read"):
        source: Any = getattr(path, "name", type(path).__name__)
        try:
            f = path if path.seekable() else io.BytesIO(path.read())  # type: ignore[union-attr]
            start = f.tell()
            size = f.seek(0, os.SEEK_END) - start
            f.seek(start)
        except (OSError, ValueError) as e:
            raise CheckpointError(f"load: cannot read {source}: {e}") from e
        keep_open = True
    else:
        source = Path(path)  # type: ignore[arg-type]
        try:
            f = open(source, "rb")  # noqa: SIM115 (closed below, after the archive)
            size = os.fstat(f.fileno()).st_size
        except (OSError, ValueError) as e:  # ValueError: a NUL in the path
            raise CheckpointError(f"load: cannot read {source}: {e}") from e
        keep_open = False
    try:
        with contextlib.nullcontext() if keep_open else f, zipfile.ZipFile(f) as z:
            infos = _members(z, size)
            meta_info = infos.get("meta.json")
            if meta_info is None:
                foreign = _foreign_format(infos)
                if foreign is not None:
                    raise CheckpointError(f"load: {source} is {foreign}")
                raise _Bad("meta.json is missing: this ZIP archive is no xpnet checkpoint")
            try:
                meta = json.loads(z.read(meta_info))
            except ValueError as e:
                raise _Bad(f"meta.json is not JSON ({e})") from e
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise CheckpointError(f"load: {source} is not an xpnet checkpoint")
            version = meta.get("version")
            if type(version) is not int or version not in (1, VERSION):
                raise CheckpointError(
                    f"load: {source} has format version {version!r}; this xpnet reads 1 and "
                    f"{VERSION} (a newer xpnet wrote it? upgrade xpnet to read it)"
                )
            if version >= 2 and meta.get("manifest_sha256") != _manifest_digest(meta):
                raise _Bad(
                    "its manifest (meta.json) fails its checksum: it was edited or corrupted"
                )
            arrays = _read_arrays(z, infos, meta.get("arrays"))
        tree = _decode(meta.get("tree"), arrays, backend, device, "obj")
    except CheckpointError:
        raise
    except _Bad as e:
        raise CheckpointError(f"load: {source}: {e}") from None
    except RecursionError:
        raise CheckpointError(
            f"load: {source}: meta.json is nested too deeply for a checkpoint (corrupt or hostile)"
        ) from None
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        KeyError,
        ValueError,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
        struct.error,
        UnicodeDecodeError,
        TypeError,
        OverflowError,
    ) as e:
        raise CheckpointError(
            f"load: {source} is corrupt or truncated ({type(e).__name__}: {e})"
        ) from e
    return tree
