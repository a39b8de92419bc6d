"""One line per elementwise op: the primitive, its VJP rules and the op function together.

``elementwise("sin", lambda g, ans, x: g * cos_p(x), keep_ans=False, autocast="high")``
gives the primitive ``sin`` (computed by the namespace's function of the same name
unless ``impl`` says otherwise) and the op function ``xn.sin``: unary ops call the
primitive, binary ops go through ``binary`` (Python scalars and promotion). The
``autocast`` class says what ``xn.autocast`` does to the inputs: "high" computes
float16/bfloat16 inputs in float32 (exp, log, trigonometry: the ops PyTorch lists as
float32 ops), None leaves their dtype. ``AUTOCAST`` keeps each op's class.

As in JAX's ``standard_unop``, the declaration is the only place an op is written;
the module still lists its public names in ``__all__`` (a test checks the two agree).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._errors import ArgumentError
from ..autodiff import Primitive
from ._common import autocast_high, binary

if TYPE_CHECKING:
    from ..tensor import Tensor

AUTOCAST: dict[str, str | None] = {}  # op name -> its autocast class


def native(name: str) -> Callable[..., Any]:
    """The implementation that calls the array namespace's function ``name``."""

    def impl(b: Any, *xs: Any) -> Any:
        return getattr(b.xp, name)(*xs)

    impl.__name__ = impl.__qualname__ = name
    return impl


def elementwise(
    name: str,
    *rules: Callable[..., Any] | None,
    arity: int | None = None,
    keep: tuple[int, ...] | None = None,
    keep_ans: bool = True,
    autocast: str | None = None,
    impl: Callable[..., Any] | None = None,
    doc: str | None = None,
) -> tuple[Primitive, Callable[..., Tensor]]:
    """Declare the elementwise op ``name``: ``(primitive, op function)``.

    ``rules``: one VJP rule per argument (none: not differentiable, and ``arity``
    says how many arguments it takes). ``keep``/``keep_ans`` as in ``Primitive.defvjp``.
    """
    n = arity if arity is not None else len(rules)
    if n not in (1, 2):
        raise ArgumentError(f"elementwise({name!r}): 1 or 2 arguments, got {n}")
    prim = Primitive(name, impl or native(name), differentiable=bool(rules))
    if rules:
        prim.defvjp(*rules, keep=keep, keep_ans=keep_ans)
    op: Callable[..., Tensor]
    if n == 2:

        def op(x1: Any, x2: Any, /) -> Tensor:
            return binary(prim, x1, x2)

    elif autocast == "high":

        def op(x: Tensor, /) -> Tensor:
            return prim(autocast_high(x))

    else:

        def op(x: Tensor, /) -> Tensor:
            return prim(x)

    op.__name__ = op.__qualname__ = name
    op.__module__ = sys._getframe(1).f_globals["__name__"]  # the declaring module
    op.__doc__ = doc or f"The Array API's ``{name}``, elementwise" + (
        " (no gradient: piecewise constant or boolean)." if not rules else "."
    )
    AUTOCAST[name] = autocast
    return prim, op
