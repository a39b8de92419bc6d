"""Primitives: the closed set of differentiable operations, and how a call is recorded.

A primitive pairs a forward implementation written against the Array API
namespace ``xp`` with one VJP rule per argument. The rules live in one table
(``xpnet/autodiff/rules.py``); ``Primitive.defvjp`` is also the public way to
add a primitive of your own (see its docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._errors import BackendError, DeviceError, DTypeError, ShapeError, XpnetError
from .._tensor import Tensor, _new
from ._anomaly import _enabled as _anomaly
from ._anomaly import check_forward
from ._mode import _enabled

VjpRule = Callable[..., Tensor]

PRIMITIVES: dict[str, Primitive] = {}
# Bumped by every in-place change of any tensor, which then records the new count
# as its ``_version``. A node remembers the count when it was recorded: an input
# whose ``_version`` is larger was changed in place afterwards.
inplace_count = [0]


class Node:
    """One recorded call: the primitive, its inputs and parameters.

    The output tensor owns its node (``tensor._node``); the engine passes that
    tensor to the rules as ``ans``, so nodes need no reference back to it.
    ``inputs`` becomes None once backward has used and freed the node.
    """

    __slots__ = ("inputs", "params", "prim", "stack", "stamp")

    def __init__(self, prim: Primitive, inputs: tuple[Any, ...], params: dict[str, Any]) -> None:
        self.prim = prim
        self.inputs: tuple[Any, ...] | None = inputs
        self.params = params
        self.stack: str | None = None  # the creating source line, kept in anomaly mode
        self.stamp = inplace_count[0]  # see inplace_count


class Primitive:
    """A differentiable operation: ``impl(xp, *arrays, **params) -> array`` plus VJP rules.

    Positional arguments are tensors or Python scalars (constants); keyword
    parameters are static (axes, shapes, dtypes). Each VJP rule has the signature
    ``rule(g, ans, *args, **params) -> Tensor``: the cotangent of the output, the
    output itself, and the call's own arguments. Rules are written with xpnet ops,
    so gradients of gradients work. Example::

        cube = xn.Primitive("cube", lambda xp, x: x * x * x)
        cube.defvjp(lambda g, ans, x: g * 3.0 * x * x)
        xn.grad(lambda x: cube(x).sum())(xn.tensor([2.0]))  # Tensor([12.])

    The engine sums a rule's result down to the argument's shape (broadcasting)
    and casts it to the argument's dtype, so rules need not.
    """

    __slots__ = ("impl", "name", "vjp_argnum", "vjps")

    def __init__(self, name: str, impl: Callable[..., Any], *, register: bool = True) -> None:
        self.name = name
        self.impl = impl
        self.vjps: tuple[VjpRule | None, ...] = ()
        self.vjp_argnum: Callable[..., Tensor] | None = None
        if register:
            if name in PRIMITIVES:
                raise ValueError(f"a primitive named {name!r} exists already")
            PRIMITIVES[name] = self

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"

    def defvjp(self, *rules: VjpRule | None) -> Primitive:
        """Set one VJP rule per positional argument (None: not differentiable there)."""
        self.vjps = rules
        return self

    def defvjp_argnum(self, rule: Callable[..., Tensor]) -> Primitive:
        """One rule for every argument: ``rule(argnum, g, ans, *args, **params)``.

        For primitives with a variable number of arguments (concat, stack).
        """
        self.vjp_argnum = rule
        return self

    def vjp(
        self, argnum: int, g: Tensor, ans: Tensor, args: tuple[Any, ...], params: dict[str, Any]
    ) -> Tensor:
        if self.vjp_argnum is not None:
            return self.vjp_argnum(argnum, g, ans, *args, **params)
        rule = self.vjps[argnum] if argnum < len(self.vjps) else None
        if rule is None:
            raise XpnetError(f"{self.name} has no gradient with respect to argument {argnum}")
        return rule(g, ans, *args, **params)

    def __call__(self, *args: Any, **params: Any) -> Tensor:
        # The hot path of every op: kept flat on purpose (no helper calls, one pass).
        backend = None
        arrays = []
        needs_grad = False
        for a in args:
            if type(a) is Tensor or isinstance(a, Tensor):
                b = a.backend
                if backend is None:
                    backend = b
                elif b is not backend:
                    raise _mismatch(self.name, args)
                arrays.append(a.data)
                if a.requires_grad:
                    needs_grad = True
            else:
                arrays.append(a)
        if backend is None:
            raise TypeError(f"{self.name}: expected at least one Tensor argument, got {args!r}")
        try:
            out = self.impl(backend.xp, *arrays, **params)
        except XpnetError:
            raise
        except Exception as e:
            raise _explain(self.name, args, params, e) from e
        t = _new(Tensor)
        t.data = out
        t.backend = backend
        t.grad = None
        t._version = 0
        if _anomaly.get():
            stack = check_forward(self.name, out, backend, ", ".join(describe(a) for a in args))
        else:
            stack = None
        if needs_grad and _enabled.get() and out.dtype in backend._float_dtypes:
            t.requires_grad = True
            t._node = node = Node(self, args, params)
            node.stack = stack
        else:
            t.requires_grad = False
            t._node = None
        return t


def record(prim: Primitive, out: Tensor, args: tuple[Any, ...], params: dict[str, Any]) -> Tensor:
    """Attach a node to ``out`` when an argument requires grad (for hand-made calls)."""
    if _enabled.get() and any(isinstance(a, Tensor) and a.requires_grad for a in args):
        out.requires_grad = True
        out._node = Node(prim, args, params)
    return out


def describe(t: Any) -> str:
    """``float32[3, 4] on numpy:cpu`` for a tensor; ``repr`` for anything else."""
    if isinstance(t, Tensor):
        b = t.backend
        return f"{b.dtype_name(t.dtype)}{list(t.shape)} on {b.name}:{b.device_str}"
    return repr(t)


def _mismatch(name: str, args: tuple[Any, ...]) -> XpnetError:
    tensors = [a for a in args if isinstance(a, Tensor)]
    listed = ", ".join(describe(a) for a in tensors)
    if len({a.backend.name for a in tensors}) > 1:
        return BackendError(
            f"{name}: tensors of different backends in one operation ({listed}); "
            "move them to one backend with .to(backend=...)"
        )
    return DeviceError(
        f"{name}: tensors on different devices in one operation ({listed}); "
        "move them to one device with .to(device=...)"
    )


def _explain(name: str, args: tuple[Any, ...], params: dict[str, Any], e: Exception) -> Exception:
    inputs = ", ".join(describe(a) for a in args)
    shown = {k: v for k, v in params.items() if k != "how"}
    extra = f" with {shown}" if shown else ""
    msg = f"{name}({inputs}){extra} failed: {type(e).__name__}: {e}"
    text = str(e).lower()
    if any(w in text for w in ("shape", "broadcast", "dimension", "align", "size")):
        return ShapeError(msg)
    if isinstance(e, IndexError):
        return IndexError(msg)
    if isinstance(e, TypeError) or "dtype" in text:
        return DTypeError(msg)
    return ShapeError(msg)
