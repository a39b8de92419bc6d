"""What a recorded program assumes about the world, checked before every replay.

A recording bakes in everything the step read from Python objects: which parameter
and buffer tensors a module holds, whether they require gradients, a module's
train/eval mode and scalar attributes (``Dropout.p``), an optimizer's parameter
groups, hyperparameters and state tensors, which leaves had a ``.grad`` when the
step started. ``Guards`` notes them while recording and says on each call whether
they still hold; when one does not, the step is recorded again.

Checks come in two speeds. The fast ones run on every call: gradient presence
(``zero_grad`` outside the step changes it) and optimizer hyperparameters (plain
dict entries a user may edit at any time). The slow ones (module and optimizer
fingerprints, ``requires_grad`` and backends of external tensors) run only after
``_capture.EPOCH`` moved: every assignment to a module attribute, ``train()``/
``eval()``, ``requires_grad_``, ``.data =``, ``Module.to``, hooks,
``Optimizer.load_state_dict`` and ``add_param_group`` move it.
"""

from __future__ import annotations

from typing import Any

from .._capture import EPOCH
from ..tensor import Tensor

_PLAIN = (bool, int, float, str, bytes, complex, type(None))
_HOOKS = ("_forward_pre_hooks", "_forward_hooks")


def _value(v: Any) -> Any:
    """A comparable stand-in: plain values (and tuples of them) as they are, objects by id."""
    if isinstance(v, _PLAIN):
        return v
    if isinstance(v, tuple) and all(isinstance(x, _PLAIN) for x in v):
        return v
    return ("id", id(v))


def module_state(m: Any) -> tuple[Any, ...]:
    """Everything of one module a recording may have read: its attributes (plain values by
    value, objects by identity), its parameters and buffers by identity with their
    ``requires_grad``, its submodules and hooks. A class lists in ``_live_attributes`` those
    that reach a program only as refreshed inputs (a GradScaler's scale)."""
    out: list[Any] = []
    live = getattr(type(m), "_live_attributes", ())
    for k, v in m.__dict__.items():
        if k in live:
            continue
        if k in ("_parameters", "_buffers"):
            out.append((k, tuple((n, id(t), t is not None and t._rg) for n, t in v.items())))
        elif k == "_modules":
            out.append((k, tuple((n, id(s)) for n, s in v.items())))
        elif k in _HOOKS:
            out.append((k, tuple((i, id(h)) for i, h in v.items())))
        else:
            out.append((k, _value(v)))
    return tuple(out)


def optimizer_structure(opt: Any) -> tuple[Any, ...]:
    """The optimizer's groups (which parameters) and state tensors, by identity."""
    groups = tuple(tuple(id(p) for p in g["params"]) for g in opt.param_groups)
    state = tuple(
        (id(p), tuple((k, id(v)) for k, v in s.items() if isinstance(v, Tensor)))
        for p, s in opt.state.items()
    )
    return (id(opt.state), groups, state)


def _zero(v: Any) -> Any:
    """Which parts of a live hyperparameter are zero (that selects the code a step runs)."""
    if isinstance(v, tuple):
        return tuple(_zero(x) for x in v)
    return v == 0 if isinstance(v, (int, float)) else _value(v)


def hyperparameters(opt: Any) -> tuple[Any, ...]:
    """What a replay assumes of the hyperparameters: the values of those it takes as
    constants (flags: ``nesterov``, ``amsgrad``...); of those it takes as refreshed inputs
    (``Optimizer._live``: lr, momentum, eps...) nothing, except whether the ones in
    ``Optimizer._switches`` (momentum, weight decay) are zero: that selects the code."""
    live, switches = opt._live, opt._switches
    groups = []
    for g in opt.param_groups:  # plain loops: this runs before every replay
        kept = []
        for k, v in g.items():
            if k in switches:
                kept.append((k, _zero(v)))
            elif k not in live and k != "params":
                kept.append((k, _value(v)))
        groups.append(tuple(kept))
    return (*groups, *opt._replay_key())


def external_state(ts: list[Tensor]) -> tuple[Any, ...]:
    return tuple((t._rg, id(t.backend), t._data.dtype) for t in ts)


class Guards:
    """The assumptions of one recording (see the module docstring)."""

    __slots__ = ("epoch", "externals", "grads", "modules", "objects", "optimizers")

    def __init__(self, rec: Any, externals: list[Tensor]) -> None:
        self.modules = [(m, module_state(m)) for m in rec.modules.values()]
        self.optimizers = [
            (o, optimizer_structure(o), hyperparameters(o)) for o in rec.optimizers.values()
        ]
        self.objects = [(o, module_state(o)) for o in rec.watched.values()]
        self.grads = [(t, had) for t, had in rec.grads_read.values()]
        self.externals = (externals, external_state(externals))
        self.epoch = EPOCH[0]

    def hold(self) -> bool:
        for t, had in self.grads:
            if (t._grad is not None) is not had:
                return False
        for o, _, hyper in self.optimizers:
            if hyperparameters(o) != hyper:
                return False
        if self.epoch == EPOCH[0]:
            return True
        why = self.broken()
        if why is None:
            self.epoch = EPOCH[0]  # nothing this program reads changed: no need to look again
            return True
        return False

    def broken(self) -> str | None:
        """The first assumption that no longer holds, in words (None: all hold)."""
        for m, state in self.modules:
            if module_state(m) != state:
                return f"{type(m).__name__} changed (an attribute, parameter, buffer or mode)"
        for o, struct, hyper in self.optimizers:
            if optimizer_structure(o) != struct:
                return f"{type(o).__name__}'s parameter groups or state changed"
            if hyperparameters(o) != hyper:
                return f"{type(o).__name__}'s hyperparameters changed"
        for o, state in self.objects:
            if module_state(o) != state:
                return f"{type(o).__name__} changed"
        ts, state = self.externals
        if external_state(ts) != state:
            return "a tensor's requires_grad or backend changed"
        for t, had in self.grads:
            if (t._grad is not None) is not had:
                return "a gradient was set or cleared outside the step"
        return None
