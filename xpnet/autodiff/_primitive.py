"""Primitives: the closed set of differentiable operations, and how a call is recorded.

A primitive pairs a forward implementation ``impl(backend, *arrays, **params)``,
written against the backend's Array API namespace ``backend.xp``, with one VJP
rule per argument. Each primitive is declared in its ``xpnet/ops`` module with
its rules on the lines beside it; ``Primitive`` and ``defvjp`` are also the
public way to add a primitive of your own (see the class docstring).

A recorded call is a ``Node``. Its graph edges point at the *parents*: the node
that made each input, or the input itself when it is a leaf. The values a node
keeps for its rules are only those the primitive declares (``keep=``,
``keep_ans=``), so ``add`` keeps neither input alive and ``exp`` keeps only its
output (Chainer's retain_inputs/retain_outputs).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any

from .._capture import ACTIVE, recorder
from .._errors import (
    ArgumentError,
    ArgumentTypeError,
    BackendError,
    DeviceError,
    DTypeError,
    GraphError,
    OpError,
    OutOfRangeError,
    ShapeError,
    XpnetError,
)
from . import _tensor_base as _tb
from ._anomaly import _enabled as _anomaly
from ._anomaly import check_forward
from ._mode import _enabled
from ._tensor_base import VERSION, TensorBase, _new, cell

if TYPE_CHECKING:
    from ..tensor import Tensor

VjpRule = Callable[..., Any]

# xpnet's own primitives by name (tests/ops/spec.py must cover each). Primitives
# defined outside the package are not registered: any number may share a name.
PRIMITIVES: dict[str, Primitive] = {}
_SCALARS = (int, float, bool, complex)  # and None, for an unused optional argument


class Meta:
    """What a VJP rule may ask of an input its node did not keep: shape, dtype, backend."""

    __slots__ = ("backend", "dtype", "shape")
    requires_grad = False

    def __init__(self, shape: tuple[int, ...], dtype: Any, backend: Any) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype
        self.backend = backend

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def data(self) -> Any:
        raise GraphError(
            "a VJP rule used the value of an input that its primitive does not keep; "
            "add the argument's position to defvjp(..., keep=...)"
        )


class Node:
    """One recorded call.

    ``parents[i]`` is the graph vertex of argument ``i`` (the Node that made it, or
    the leaf Tensor itself) or None when no gradient flows there; ``inputs[i]`` is
    what the rules get: the kept Tensor, None for an input rebuilt as a ``Meta``
    from its parent at backward time, a ``Meta`` for a dropped constant, or a
    Python scalar. ``shape``/``dtype``/``backend`` describe the output; ``ans``
    is the output's array when a rule needs it. ``inputs`` becomes None once
    backward has used and freed the node.
    """

    __slots__ = (
        "ans",
        "ans_vc",
        "backend",
        "dtype",
        "hooks",
        "inputs",
        "params",
        "parents",
        "prim",
        "shape",
        "stack",
        "stamp",
    )

    prim: Primitive
    inputs: tuple[Any, ...] | None
    parents: tuple[Any, ...]
    params: dict[str, Any]
    shape: tuple[int, ...]
    dtype: Any
    backend: Any
    ans: Any
    ans_vc: list[int] | None
    stamp: int
    stack: str | None
    hooks: list[Any] | None

    def __repr__(self) -> str:
        return f"<Node {self.prim.name} {list(self.shape)}>"

    def name(self) -> str:
        """The operation's name (PyTorch's ``grad_fn.name()``)."""
        return self.prim.name

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """PyTorch's walk down the graph: per argument, ``(node, 0)`` for a computed one,
        ``(AccumulateGrad, 0)`` for a leaf that requires grad (its ``.variable``), ``(None,
        0)`` where no gradient flows."""
        return tuple(
            (AccumulateGrad(p) if isinstance(p, TensorBase) else p, 0) for p in self.parents
        )


class AccumulateGrad:
    """Where a leaf's gradient lands, as ``next_functions`` shows it: ``.variable`` is the leaf."""

    __slots__ = ("variable",)

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad {list(self.variable.shape)}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    @property
    def next_functions(self) -> tuple[()]:
        return ()


class Primitive:
    """An operation: ``impl(backend, *arrays, **params) -> array`` plus VJP rules.

    Positional arguments are Tensors or Python scalars (constants); keyword
    parameters are static (axes, shapes, dtypes). Each VJP rule has the signature
    ``rule(g, ans, *args, **params) -> Tensor``: the cotangent of the output, the
    output itself, and the call's own arguments. Rules are written with xpnet ops,
    so gradients of gradients work. Example::

        cube = xn.Primitive("cube", lambda b, x: x * x * x)
        cube.defvjp(lambda g, ans, x: g * 3.0 * x * x)
        xn.grad(lambda x: cube(x).sum())(xn.tensor([2.0]))  # Tensor([12.])

    The engine sums a rule's result down to the argument's shape (broadcasting)
    and casts it to the argument's dtype, so rules need not.

    ``differentiable=False`` makes an operation that is never recorded
    (comparisons, argmax). ``mutates=(i, j, ...)`` makes an in-place update (the
    optimizers' steps): the implementation returns the new arrays of those
    arguments (the same array objects where it updated them in place, new ones
    on immutable libraries), the call stores them in the argument tensors, moving
    their version counters, and returns None. ``view=True`` says the output may share memory with
    the first argument (reshape, slicing): the two then share a version counter,
    so an in-place change through either is seen by the graph.
    """

    __slots__ = (
        "differentiable",
        "impl",
        "keep",
        "keep_ans",
        "moves",
        "mutates",
        "name",
        "reads",
        "special",
        "view",
        "vjp_argnum",
        "vjps",
    )

    def __init__(
        self,
        name: str,
        impl: Callable[..., Any],
        *,
        differentiable: bool = True,
        view: bool = False,
        moves: bool = False,
        mutates: tuple[int, ...] = (),
    ) -> None:
        self.name = name
        self.impl = impl
        self.mutates = mutates
        self.differentiable = differentiable and not mutates
        self.view = view
        self.moves = moves  # the output lives on params["dst"] (transfers between backends)
        self.vjps: tuple[VjpRule | None, ...] = ()
        self.vjp_argnum: VjpRule | None = None
        self.keep: Container[int] | None = None  # None: keep every input
        self.keep_ans = True
        self.reads: tuple[tuple[int, ...], ...] | None = None  # per rule: the inputs it reads
        self.special = bool(mutates) or moves  # the rare paths __call__ takes after impl
        module = sys._getframe(1).f_globals.get("__name__", "")
        if self.differentiable and module.startswith("xpnet."):
            if name in PRIMITIVES:
                raise ArgumentError(f"xpnet declares two primitives named {name!r}")
            PRIMITIVES[name] = self

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"

    def defvjp(
        self,
        *rules: VjpRule | None,
        keep: Container[int] | None = None,
        keep_ans: bool = True,
        reads: tuple[tuple[int, ...], ...] | None = None,
    ) -> Primitive:
        """Set one VJP rule per positional argument (None: not differentiable there).

        ``keep``: the positions of the arguments whose values the rules use (default:
        all); the others reach the rules as a ``Meta`` (shape, dtype, backend only).
        ``keep_ans=False`` says no rule uses the output. ``reads``: per rule, the
        positions of the kept arguments it reads (``multiply``: ``((1,), (0,))``, each
        factor's rule reads the other); an argument changed in place after the call is then
        an error only when the rule of an argument that needs a gradient reads it, as in
        PyTorch (``v * 0.5`` and then ``v[0] = 0`` is fine: no rule reads ``v``).
        """
        self.vjps = rules
        self.reads = reads
        self._keep(keep, keep_ans)
        return self

    def defvjp_argnum(
        self, rule: VjpRule, *, keep: Container[int] | None = None, keep_ans: bool = True
    ) -> Primitive:
        """One rule for every argument: ``rule(argnum, g, ans, *args, **params)``.

        For primitives with a variable number of arguments (concat, stack).
        """
        self.vjp_argnum = rule
        self._keep(keep, keep_ans)
        return self

    def _keep(self, keep: Container[int] | None, keep_ans: bool) -> None:
        if isinstance(keep, (list, tuple, set, range)):
            keep = frozenset(keep)
        self.keep = keep
        self.keep_ans = keep_ans

    def vjp(
        self, argnum: int, g: Tensor, ans: Any, args: tuple[Any, ...], params: dict[str, Any]
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
            if isinstance(a, TensorBase):
                b = a.backend
                if backend is None:
                    backend = b
                elif b is not backend:
                    raise mismatch_error(self.name, args)
                arrays.append(a._data)
                if a._rg:
                    needs_grad = True
            elif type(a) in _SCALARS or a is None:
                arrays.append(a)
            else:
                raise _foreign(self.name, a, args)
        if backend is None:
            raise ArgumentTypeError(
                f"{self.name}: expected at least one Tensor argument, got {args!r}"
            )
        kernels = backend.kernels
        impl = kernels.get(self.name, self.impl) if kernels and self.name in kernels else self.impl
        try:
            if backend.needs_context:
                with backend.current():
                    out = impl(backend, *arrays, **params)
            else:
                out = impl(backend, *arrays, **params)
            if out is NotImplemented:  # a kernel declined these values: the generic path
                # (a recording keeps the kernel: its replay falls back the same way)
                with backend.current():
                    out = self.impl(backend, *arrays, **params)
        except XpnetError:
            raise
        except Exception as e:
            raise op_error(self.name, args, params, e) from e
        if self.special and self.mutates:
            if _enabled.get() and any(args[i] is not None and args[i]._rg for i in self.mutates):
                raise GraphError(
                    f"{self.name} updates tensors that require grad in place; run it under "
                    "xn.no_grad() (optimizers do)"
                )
            rec = ACTIVE[0] and recorder()
            # what the arguments were before the update (on JAX it swaps in new arrays)
            refs = rec.refs(args) if rec is not None else None
            for i, new in zip(self.mutates, out, strict=True):
                if args[i] is not None:  # an unused state slot
                    args[i]._set_data(new)
            if rec is not None:
                rec.op(self, impl, backend, args, params, out, refs)
            return None  # type: ignore[return-value]
        if self.special and self.moves:
            backend = params["dst"]
        t: Tensor = _new(_tb.TENSOR_CLASS)
        t._data = out
        t.backend = backend
        t._grad = None
        t._vc = cell(args[0]) if self.view else None
        if _anomaly.get():
            stack = check_forward(self.name, out, backend, ", ".join(describe(a) for a in args))
        else:
            stack = None
        if (
            needs_grad
            and _enabled.get()
            and self.differentiable
            and out.dtype in backend.inexact_dtypes
        ):
            t._rg = True
            t._node = _record(self, t, args, params, stack)
        else:
            t._rg = False
            t._node = None
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.op(self, impl, args[0].backend if self.moves else backend, args, params, t)
        return t


def _record(
    prim: Primitive, t: Tensor, args: tuple[Any, ...], params: dict[str, Any], stack: str | None
) -> Node:
    keep = prim.keep
    parents = []
    if keep is None:
        inputs: Any = args
        for a in args:
            parents.append((a._node or a) if isinstance(a, TensorBase) and a._rg else None)
    else:
        inputs = []
        for i, a in enumerate(args):
            if isinstance(a, TensorBase):
                if a._rg:
                    parents.append(a._node or a)
                    inputs.append(a if i in keep else None)
                else:
                    parents.append(None)
                    inputs.append(a if i in keep else Meta(a._data.shape, a._data.dtype, a.backend))
            else:
                parents.append(None)
                inputs.append(a)
        inputs = tuple(inputs)
    node = _new(Node)
    node.prim = prim
    node.params = params
    node.inputs = inputs
    node.parents = tuple(parents)
    out = t._data
    node.shape = out.shape
    node.dtype = out.dtype
    node.backend = t.backend
    node.stamp = VERSION[0]
    node.stack = stack
    node.hooks = None  # the output tensor's gradient hooks (Tensor.register_hook)
    if prim.keep_ans:
        node.ans = out
        node.ans_vc = cell(t)
    else:
        node.ans = None
        node.ans_vc = None
    return node


def describe(t: Any) -> str:
    """``float32[3, 4] on numpy:cpu`` for a tensor; ``repr`` for anything else."""
    if isinstance(t, TensorBase):
        b = t.backend
        return f"{b.dtype_name(t.dtype)}{list(t.shape)} on {b.name}:{b.device_str}"
    return repr(t)


def mismatch_error(name: str, args: Sequence[Any]) -> XpnetError:
    tensors = [a for a in args if isinstance(a, TensorBase)]
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


def _foreign(name: str, a: Any, args: Sequence[Any]) -> XpnetError:
    kind = f"{type(a).__module__}.{type(a).__name__}"
    others = [describe(x) for x in args if isinstance(x, TensorBase)]
    where = f" beside {', '.join(others)}" if others else ""
    return BackendError(
        f"{name}: got a {kind}{where}; operations take xpnet Tensors and Python scalars. "
        "Convert arrays first with xn.tensor(array, backend=...) (a copy) or xn.asarray(...)"
    )


_SHAPE_WORDS = ("shape", "broadcast", "dimension", "align", "size", "axis", "axes")


def op_error(name: str, args: Sequence[Any], params: dict[str, Any], e: Exception) -> Exception:
    """The library's exception as an XpnetError naming the op, its inputs and parameters.

    An IndexError is an ``OutOfRangeError``; then the message decides (libraries
    disagree on types: JAX reports a broadcast failure as a TypeError): shape words
    make a ``ShapeError``, a TypeError or dtype words a ``DTypeError``. A failure
    that fits no class is an ``OpError``, never a guessed ShapeError.
    """
    inputs = ", ".join(describe(a) for a in args)
    shown = {k: v for k, v in params.items() if k != "how"}
    extra = f" with {shown}" if shown else ""
    msg = f"{name}({inputs}){extra} failed: {type(e).__name__}: {e}"
    text = str(e).lower()
    if isinstance(e, IndexError):
        return OutOfRangeError(msg)
    if any(w in text for w in _SHAPE_WORDS):
        return ShapeError(msg)
    if isinstance(e, TypeError) or "dtype" in text:
        return DTypeError(msg)
    return OpError(msg)
