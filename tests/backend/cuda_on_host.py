"""CuPy's kernel classes emulated on the host: the CUDA C of xpnet's kernels compiled by g++.

``ElementwiseKernel`` and ``ReductionKernel`` here take the same arguments as CuPy's
and generate the loop CuPy generates around the kernel's code (one iteration per
element, ``i`` its index; ``raw`` parameters as pointers indexed by hand; other inputs
as values of their element, scalars as they are; outputs as references), with NumPy
arrays for device arrays. So the kernel bodies of ``xpnet/backend/_cupy_kernels.py``
and the Python around them run, and give values, on a machine without a GPU. What
this cannot show: NVRTC's own diagnostics, CUDA's math library (glibc's here),
fused multiply-adds, and the order of a parallel reduction (a sequential sum here).
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import shutil
import subprocess
import tempfile
import types
from pathlib import Path
from typing import Any

import numpy as np

_CTYPES = {
    "float32": "float",
    "float64": "double",
    "int64": "long long",
    "int32": "int",
    "int16": "short",
    "int8": "signed char",
    "uint8": "unsigned char",
    "uint32": "unsigned int",
    "uint64": "unsigned long long",
    "bool": "bool",
}
_PRELUDE = """
#include <algorithm>
#include <cmath>
#include <cstddef>
using std::exp; using std::fabs; using std::log; using std::max; using std::min;
using std::sqrt;
#define __device__
"""
_DIR = Path(tempfile.mkdtemp(prefix="xpnet_cuda_on_host_"))
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)
_LIBS: dict[str, Any] = {}


class CompileError(Exception):
    """What ``cupy.cuda.compiler.CompileException`` is to CuPy."""


def _params(spec: str) -> list[tuple[bool, str, str]]:
    """'raw T x, int64 C' -> [(True, 'T', 'x'), (False, 'int64', 'C')]."""
    out = []
    for part in spec.split(","):
        words = part.split()
        raw = words[0] == "raw"
        _, type_, name = words if raw else ["", *words]
        out.append((raw, type_, name))
    return out


def _build(source: str) -> Any:
    key = hashlib.sha256(source.encode()).hexdigest()[:16]
    lib = _LIBS.get(key)
    if lib is None:
        src, so = _DIR / f"k{key}.cpp", _DIR / f"k{key}.so"
        src.write_text(source)
        done = subprocess.run(
            ["g++", "-std=c++14", "-O1", "-shared", "-fPIC", "-Werror=return-type",
             "-o", str(so), str(src)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise CompileError(done.stderr)
        lib = _LIBS[key] = ctypes.CDLL(str(so))
    return lib


class _Kernel:
    reduction = False

    def __init__(self, in_params: str, out_params: str, name: str, preamble: str) -> None:
        self.ins, self.outs = _params(in_params), _params(out_params)
        self.name, self.preamble = name, preamble

    def _bind(self, args: list[Any]) -> dict[str, str]:
        """Type placeholders (T, U, I...) -> NumPy dtype names, from the first argument of each."""
        types_: dict[str, str] = {}
        for (_, type_, _), a in zip(self.ins + self.outs, args, strict=False):
            if type_ not in _CTYPES and type_ not in types_ and a is not None:
                types_[type_] = np.asarray(a).dtype.name
        return types_

    def __call__(self, *args: Any, size: int | None = None) -> Any:
        ins = list(args[: len(self.ins)])
        outs: list[Any] = list(args[len(self.ins) :]) + [None] * (
            len(self.outs) + len(self.ins) - len(args)
        )
        binding = self._bind(ins + outs)

        def dtype(type_: str) -> str:
            return binding.get(type_, type_)

        scalar = [not r and np.ndim(a) == 0 for (r, _, _), a in zip(self.ins, ins, strict=True)]
        shapes = [np.shape(a) for (r, _, _), a, s in zip(self.ins, ins, scalar, strict=True)
                  if not r and not s]  # fmt: skip
        shapes += [o.shape for o, (r, _, _) in zip(outs, self.outs, strict=True)
                   if o is not None and not r]  # fmt: skip
        if size is not None:  # CuPy's rule: only where every array argument is raw
            if shapes:
                raise AssertionError(f"{self.name}: size= with a non-raw array argument")
            shapes = [(size,)]
        shape = () if self.reduction else np.broadcast_shapes(*shapes) if shapes else ()
        full = np.broadcast_shapes(*shapes) if shapes else ()
        n = int(np.prod(full))
        ptrs, keep = [], []
        for (raw, type_, _), a, s in zip(self.ins, ins, scalar, strict=True):
            arr = np.asarray(a, dtype=dtype(type_))
            arr = np.ascontiguousarray(arr if raw or s else np.broadcast_to(arr, full))
            keep.append(arr)
            ptrs.append(arr.ctypes.data)
        results = []
        for j, (_, type_, _) in enumerate(self.outs):
            o = outs[j]
            if o is None:
                o = np.empty(shape, dtype=dtype(type_))
            if not o.flags.c_contiguous:
                raise AssertionError(f"{self.name}: a strided output")
            results.append(o)
            ptrs.append(o.ctypes.data)
        source = self._source(binding, scalar)
        fn = _build(source).run
        fn.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_longlong]
        fn(( ctypes.c_void_p * len(ptrs))(*ptrs), n)  # fmt: skip
        del keep
        return results[0] if len(results) == 1 else tuple(results)

    def _typedefs(self, binding: dict[str, str]) -> str:
        return "".join(f"typedef {_CTYPES[d]} {p};\n" for p, d in binding.items())

    def _declare(self, k: int, raw: bool, type_: str, name: str, index: str, out: bool) -> str:
        c = _CTYPES.get(type_, type_)
        if raw:
            return f"{'' if out else 'const '}{c}* {name} = ({c}*)_args[{k}];\n"
        if out:
            return f"{c}& {name} = (({c}*)_args[{k}])[{index}];\n"
        return f"const {c} {name} = ((const {c}*)_args[{k}])[{index}];\n"


class ElementwiseKernel(_Kernel):
    def __init__(self, in_params: str, out_params: str, operation: str, name: str,
                 preamble: str = "", **_: Any) -> None:  # fmt: skip
        super().__init__(in_params, out_params, name, preamble)
        self.operation = operation

    def _source(self, binding: dict[str, str], scalar: list[bool]) -> str:
        head = self._typedefs(binding)
        loop = ""
        for k, ((raw, type_, name), s) in enumerate(zip(self.ins, scalar, strict=True)):
            if raw:
                head += self._declare(k, True, type_, name, "", False)
            else:
                loop += self._declare(k, False, type_, name, "0" if s else "i", False)
        for j, (raw, type_, name) in enumerate(self.outs):
            decl = self._declare(len(self.ins) + j, raw, type_, name, "i", True)
            head, loop = (head + decl, loop) if raw else (head, loop + decl)
        return (
            f"{_PRELUDE}\n{self.preamble}\n"
            f'extern "C" void run(void** _args, long long _n) {{\n{head}'
            f"for (ptrdiff_t i = 0; i < _n; ++i) {{\n{loop}{{\n{self.operation};\n}}\n}}\n}}\n"
        )


class ReductionKernel(_Kernel):
    reduction = True

    def __init__(self, in_params: str, out_params: str, map_expr: str, reduce_expr: str,
                 post_map_expr: str, identity: str, name: str, preamble: str = "",
                 **_: Any) -> None:  # fmt: skip
        super().__init__(in_params, out_params, name, preamble)
        self.map_expr, self.reduce_expr = map_expr, reduce_expr
        self.post_map_expr, self.identity = post_map_expr, identity

    def _source(self, binding: dict[str, str], scalar: list[bool]) -> str:
        ((_, out_type, _),) = self.outs
        acc = _CTYPES.get(binding.get(out_type, out_type), out_type)
        loop, post = "", ""
        for k, ((_, type_, name), s) in enumerate(zip(self.ins, scalar, strict=True)):
            loop += self._declare(k, False, type_, name, "0" if s else "i", False)
            if s:
                post += self._declare(k, False, type_, name, "0", False)
        post += self._declare(len(self.ins), False, out_type, self.outs[0][2], "0", True)
        return (
            f"{_PRELUDE}\n{self.preamble}\n#define REDUCE(a, b) ({self.reduce_expr})\n"
            f'extern "C" void run(void** _args, long long _n) {{\n{self._typedefs(binding)}'
            f"typedef {acc} _type_reduce;\n_type_reduce _acc = (_type_reduce)({self.identity});\n"
            f"for (ptrdiff_t i = 0; i < _n; ++i) {{\n{loop}"
            f"_type_reduce _v = (_type_reduce)({self.map_expr});\n_acc = REDUCE(_acc, _v);\n}}\n"
            f"{{\n{post}_type_reduce a = _acc;\n{self.post_map_expr};\n}}\n}}\n"
        )


def fake_cupy() -> dict[str, types.ModuleType]:
    """``sys.modules`` entries that make ``import cupy`` give the host emulation."""
    cupy = types.ModuleType("cupy")
    cuda = types.ModuleType("cupy.cuda")
    compiler = types.ModuleType("cupy.cuda.compiler")
    compiler.CompileException = CompileError  # type: ignore[attr-defined]
    cuda.compiler = compiler  # type: ignore[attr-defined]
    cupy.cuda = cuda  # type: ignore[attr-defined]
    # array_api_compat asks sys.modules["cupy"] whether an object is a CuPy array: none is
    cupy.ndarray = type("ndarray", (), {})  # type: ignore[attr-defined]
    cupy.ElementwiseKernel = ElementwiseKernel  # type: ignore[attr-defined]
    cupy.ReductionKernel = ReductionKernel  # type: ignore[attr-defined]
    cupy.sum = lambda x, dtype=None: np.asarray(np.sum(x, dtype=dtype))  # type: ignore[attr-defined]
    cupy.ascontiguousarray = np.ascontiguousarray  # type: ignore[attr-defined]
    cupy.asarray = np.asarray  # type: ignore[attr-defined]
    cupy.concatenate = np.concatenate  # type: ignore[attr-defined]
    cupy.matmul = np.matmul  # type: ignore[attr-defined]
    stream = types.SimpleNamespace(is_capturing=lambda: False)
    cuda.get_current_stream = lambda: stream  # type: ignore[attr-defined]
    cupy.empty = np.empty  # type: ignore[attr-defined]
    return {"cupy": cupy, "cupy.cuda": cuda, "cupy.cuda.compiler": compiler}


def have_compiler() -> str | None:
    """None when g++ builds a shared library here, else why not."""
    try:
        _build(_PRELUDE + 'extern "C" void run(void** a, long long n) {}\n')
    except (OSError, CompileError) as e:
        return f"no working g++: {e}".splitlines()[0]
    return None


__all__ = ["CompileError", "ElementwiseKernel", "ReductionKernel", "fake_cupy", "have_compiler"]
