"""``xn.save`` and ``xn.load``: checkpoints without pickle, written atomically.

The format is a ZIP archive (stored, not compressed) holding

- ``meta.json``: ``{"format": "xpnet-checkpoint", "version": 3, "tree": ...,
  "arrays": {name: {"dtype", "shape", "sha256"}}, "manifest_sha256": ...}``, where
  ``manifest_sha256`` covers everything else in the file's manifest (the format,
  version, tree and array table, as canonical JSON) and ``tree`` is the saved
  object in JSON with tensors replaced by ``{"__tensor__": name, "dtype": ...}``
  (NumPy arrays by ``{"__ndarray__": name}``), dicts by ``{"__dict__": [[key,
  value], ...]}`` (keys may be ints), tuples by ``{"__tuple__": [...]}`` and
  non-finite floats by ``{"__float__": "nan" | "inf" | "-inf"}``; version 3 adds
  shared tensors, sets and whole objects (a Module saved as ``torch.save(model)``
  is), described in ``_checkpoint_tree``, and a file without them is written as
  version 2, which older xpnet reads;
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
from ._checkpoint_tree import Bad, Decoder, Encoder, objects_named
from ._errors import CheckpointError
from .backend import get_backend, placement

FORMAT = "xpnet-checkpoint"
VERSION = 3  # 2 when the tree holds no node of the object graph


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


def save(obj: Any, path: str | os.PathLike[str] | BinaryIO) -> None:
    """Write ``obj`` (nested dicts/lists of tensors and plain values, or whole objects such
    as a Module: see ``_checkpoint_tree``) to ``path`` atomically.

    ``path`` may also be a binary file open for writing (PyTorch's ``torch.save(obj, f)``):
    the whole checkpoint is built in memory first and written with one ``write``, so
    nothing is written when ``obj`` cannot be saved."""
    encode = Encoder()
    try:
        tree = encode(obj, "obj")
    except RecursionError:
        raise CheckpointError(
            "save: obj is nested too deeply (or holds a list or dict that contains itself)"
        ) from None
    arrays = encode.arrays
    meta: dict[str, Any] = {
        "format": FORMAT,
        "version": encode.version,
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


_ITEMSIZE_LIMIT = 16  # complex128: the widest dtype a checkpoint holds


def _members(z: zipfile.ZipFile, size: int) -> dict[str, zipfile.ZipInfo]:
    """The archive's members, refused unless the format allows them: stored (the format
    never compresses, so nothing inflates beyond the file), unencrypted, within the file."""
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in z.infolist():
        if info.compress_type != zipfile.ZIP_STORED:
            raise Bad(
                f"member {info.filename!r} is compressed (method {info.compress_type}); "
                "checkpoints store every member uncompressed"
            )
        if info.flag_bits & 0x1:
            raise Bad(f"member {info.filename!r} is encrypted")
        if info.file_size != info.compress_size or info.file_size > size:
            raise Bad(
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
        raise Bad("the array table is not a mapping")
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
            raise Bad(f"array {name!r} has a malformed entry {info!r}")
        member = infos.get(f"{name}.npy")
        if member is None:
            raise Bad(f"array {name!r} is in the manifest but not in the archive")
        with z.open(member) as entry:
            version = np.lib.format.read_magic(entry)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(entry)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(entry)
            else:
                raise Bad(f"array {name!r} has .npy version {version}")
            if dtype.hasobject or dtype.itemsize > _ITEMSIZE_LIMIT or fortran:
                raise Bad(f"array {name!r} has a .npy header for {dtype} (fortran={fortran})")
            if dtype.str != info["dtype"] or list(shape) != info["shape"]:
                raise Bad(
                    f"array {name!r}: its .npy header says {dtype.str} {list(shape)}, the manifest "
                    f"{info['dtype']} {info['shape']} (the file is corrupt)"
                )
            nbytes = math.prod(shape) * dtype.itemsize
            if entry.tell() + nbytes != member.file_size:
                raise Bad(
                    f"array {name!r} declares {nbytes} bytes of data in a member of "
                    f"{member.file_size} (truncated or corrupt)"
                )
            a = np.empty(shape, dtype)
            if not _read_into(entry, a):
                raise Bad(f"array {name!r} is truncated")
        if _digest(a) != info["sha256"]:
            raise Bad(f"array {name} fails its checksum (the file is corrupt)")
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
    tensors, "cuda" CuPy ones, as ``to(device)``) places them too. A file holding
    objects saved whole (``xn.save(model)``) names their classes; rebuilding them imports
    those modules, so it loads only with ``weights_only=False``, as in PyTorch (the file
    holds no pickle: no other code runs). Tensors, arrays and plain values load either way.

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
                raise Bad("meta.json is missing: this ZIP archive is no xpnet checkpoint")
            try:
                meta = json.loads(z.read(meta_info))
            except ValueError as e:
                raise Bad(f"meta.json is not JSON ({e})") from e
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise CheckpointError(f"load: {source} is not an xpnet checkpoint")
            version = meta.get("version")
            if type(version) is not int or version not in (1, 2, VERSION):
                raise CheckpointError(
                    f"load: {source} has format version {version!r}; this xpnet reads 1 to "
                    f"{VERSION} (a newer xpnet wrote it? upgrade xpnet to read it)"
                )
            if version >= 2 and meta.get("manifest_sha256") != _manifest_digest(meta):
                raise Bad("its manifest (meta.json) fails its checksum: it was edited or corrupted")
            arrays = _read_arrays(z, infos, meta.get("arrays"))
        tree = meta.get("tree")
        named = objects_named(tree)
        if named and weights_only is not False:
            shown = ", ".join(n.replace(":", ".") for n in named[:3])
            more = f" and {len(named) - 3} more" if len(named) > 3 else ""
            raise CheckpointError(
                f"load: {source} holds objects saved whole ({shown}{more}): rebuilding them "
                "imports the modules they name, so, as in PyTorch, it takes "
                "weights_only=False; pass it if you trust the file (or save and load a "
                "state_dict())"
            )
        tree = Decoder(arrays, backend, device)(tree, "obj")
    except CheckpointError:
        raise
    except Bad as e:
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
