"""The Optimizer base class: parameter groups, per-parameter state, state dicts.

Updates work on the native arrays through ``optim/_update.py``, in place where
the library allows it and by swapping in new arrays where it does not (JAX):
one code path either way. State tensors are created
with ``zeros_like(param)``, so they live on the parameter's backend and device;
nothing goes through the host during a step.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from types import MappingProxyType
from typing import Any

from .._capture import ACTIVE, EPOCH, changed, recorder
from .._errors import ArgumentError, ArgumentTypeError, NotSupportedError, ShapeError
from .._slots import Slots
from ..autodiff import enable_grad, no_grad
from ..autodiff.internal import wrap
from ..ops import zeros, zeros_like
from ..ops.internal import converted
from ..tensor import Tensor
from ._update import same_pattern

_NO_STATE: Any = MappingProxyType({})  # the state of a parameter not yet updated (read-only)


def torch_flags(owner: str, differentiable: bool = False, **flags: Any) -> None:
    """PyTorch's implementation switches (``foreach``, ``fused``, ``capturable``): accepted
    so its optimizers build unchanged. xpnet picks its own multi-tensor path, and a
    compiled step keeps scalars on the device already; ``differentiable=True`` (gradients
    through the update) is not supported."""
    if differentiable:
        raise NotSupportedError(f"{owner}: differentiable=True is not supported")
    for name, v in flags.items():
        if v is not None and not isinstance(v, bool):
            raise ArgumentTypeError(f"{owner}: {name} must be a bool or None, got {v!r}")


class Optimizer:
    """Base class: subclasses implement ``_update(p, grad, state, group)``."""

    # Hyperparameters that reach the update only through ``_scalars`` (refreshed before
    # every replay of a compiled step); xn.compile re-records when any other one changes.
    _live: tuple[str, ...] = ("lr", "initial_lr")
    # Live hyperparameters whose being zero or not selects the code of the update.
    _switches: tuple[str, ...] = ("momentum", "weight_decay")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """An optimizer written against PyTorch's base class (its own ``step``, reading
        ``group["lr"]`` as a number) works under ``xn.compile`` too: its ``step`` tells a
        recording which optimizer it updates, and a class with its own update code (``step``,
        ``_update`` or ``_update_group``) that does not list ``_live`` hyperparameters has
        every hyperparameter checked by value before each replay (a changed ``lr`` records
        again) instead of refreshed: such code reads them as Python numbers, which a
        recording fixes."""
        super().__init_subclass__(**kwargs)
        own_code = any(k in cls.__dict__ for k in ("step", "_update", "_update_group"))
        if own_code and "_live" not in cls.__dict__:
            cls._live = cls._switches = ()
        own_step = cls.__dict__.get("step")
        if own_step is not None and not getattr(own_step, "_tells_recorder", False):

            @functools.wraps(own_step)
            def step(self: Any, *args: Any, **kw: Any) -> Any:
                rec = ACTIVE[0] and recorder()
                if rec is not None:
                    rec.optimizer(self)
                return own_step(self, *args, **kw)

            step._tells_recorder = True  # type: ignore[attr-defined]
            cls.step = step  # type: ignore[method-assign]

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        # PyTorch's: ``self.state[p]`` is a parameter's dict, empty until a step fills it
        # (an optimizer written against PyTorch's base class reads it so).
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self._slots: dict[int, Slots] = {}  # per parameter: its 0-d scalar slots (xn.compile)
        self._epoch = -1  # _capture.EPOCH at the last step: state follows moved parameters
        items = list(params) if not isinstance(params, Tensor) else [params]
        if not items:
            raise ArgumentError(f"{type(self).__name__} got an empty parameter list")
        groups: list[Any] = items if isinstance(items[0], dict) else [{"params": items}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones take the defaults)."""
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ArgumentError(f"{type(self).__name__}: a parameter group has no parameters")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Tensor):
                raise ArgumentTypeError(
                    f"{type(self).__name__} can only optimize Tensors, got {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ArgumentError(
                    f"{type(self).__name__} can only optimize leaf tensors (parameters), not results"
                )
            if id(p) in seen:
                raise ArgumentError(
                    f"{type(self).__name__}: a parameter of shape {p.shape} appears twice (in one group or "
                    "in two); pass each parameter once"
                )
            seen.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ArgumentError(f"{type(self).__name__}: unknown hyperparameters {sorted(unknown)}")
        full = {**self.defaults, **group, "params": params}
        self._check_hyperparameters(full)
        self.param_groups.append(full)
        changed()

    def __repr__(self) -> str:
        """PyTorch's layout: each group's hyperparameters, sorted by name."""
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {g[k]}" for k in sorted(g) if k != "params"]
        return "\n".join([*lines, ")"])

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        if group["lr"] < 0:
            raise ArgumentError(f"{type(self).__name__}: invalid learning rate {group['lr']}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (``set_to_none``: drop them; else fill them with zeros)."""
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.zero_()  # zeros, also where the gradient held NaN or inf

    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a gradient; returns ``closure()`` when given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        rec = ACTIVE[0] and recorder()
        if rec is not None:
            rec.optimizer(self)
        moved = EPOCH[0] != self._epoch  # parameters may have moved since (Module.to, .data =)
        with no_grad():
            for group in self.param_groups:
                todo = []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state.setdefault(p, {})
                    if moved and state:
                        _follow(p, state)
                    todo.append((p, state))
                if todo:
                    self._update_group(todo, group)
        self._epoch = EPOCH[0]
        return loss

    def _update_group(
        self, todo: list[tuple[Tensor, dict[str, Any]]], group: dict[str, Any]
    ) -> None:
        """Update the parameters of one group that have a gradient, with their state.

        One ``_update`` per parameter here; Adam and SGD override it to update the
        parameters that share the step's scalars with one multi-tensor call.
        """
        for p, state in todo:
            self._update(p, self._grad(p, group), state, group)

    @staticmethod
    def _grad(p: Tensor, group: dict[str, Any]) -> Tensor:
        """The gradient the update follows: ``p.grad``, negated for ``maximize=True`` (the
        update then ascends, as PyTorch's ``maximize``)."""
        g = p.grad
        assert g is not None
        return -g if group.get("maximize") else g

    def _shares(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> Any:
        """What parameters updated by one multi-tensor call must have in common besides
        backend and dtype (Adam: the step count behind the bias corrections)."""
        return None

    def _buckets(
        self, todo: list[tuple[Tensor, dict[str, Any]]], group: dict[str, Any]
    ) -> list[tuple[Any, list[tuple[Tensor, dict[str, Any]]]]]:
        """``todo`` split into the parameter lists one multi-tensor call may update together:
        the same ``_shares``, backend and dtype. Each with its ``_shares`` value."""
        buckets: dict[Any, list[tuple[Tensor, dict[str, Any]]]] = {}
        for p, state in todo:
            key = (self._shares(p, state, group), id(p.backend), p.dtype)
            buckets.setdefault(key, []).append((p, state))
        return [(key[0], bucket) for key, bucket in buckets.items()]

    def _replay_key(self) -> tuple[Any, ...]:
        """What a recorded step assumes of the state beyond its tensors (checked before each
        replay): which parameters ``_buckets`` puts together, by their ``_shares``."""
        if type(self)._shares is Optimizer._shares:
            return ()
        shares, state, none = self._shares, self.state.get, _NO_STATE
        return tuple(
            same_pattern([shares(p, state(p, none), g) for p in g["params"]])
            for g in self.param_groups
        )

    def _update(
        self, p: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        raise NotSupportedError(f"{type(self).__name__} must define _update(p, grad, state, group)")

    def _scalars(self, p: Tensor, compute: Callable[[], tuple[float, ...]]) -> tuple[Any, ...]:
        """The numeric hyperparameters of this step, as ``compute()`` gives them.

        ``compute`` runs once per step (it may advance the step count). In eager mode
        the values are Python floats. While ``xn.compile`` records a step they are
        0-d tensors on ``p``'s device ("slots", the same objects every step) that the
        recorded program refills from ``compute()`` before each replay, so a replay
        sees the current learning rate, bias corrections, momentum, eps... (PyTorch's capturable
        optimizers keep such values on the device for the same reason).
        """
        values = compute()
        rec = ACTIVE[0] and recorder()
        if rec is None:
            return values
        slots = self._slots.get(id(p))
        if slots is None or not slots.fits(p, len(values)):
            slots = self._slots[id(p)] = Slots(p.backend, p.dtype, len(values))
        slots.fill(values)
        rec.before_replay(lambda: slots.fill(compute()))
        return tuple(slots.tensors)

    # -- state -----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Hyperparameters by group and state by parameter index (in group order)."""
        index: dict[int, int] = {}
        groups = []
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": ids})
        state = {
            index[id(p)]: {k: (v.detach() if isinstance(v, Tensor) else v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state; every group and shape is checked before anything changes."""
        groups = state_dict.get("param_groups")
        if not isinstance(groups, list) or len(groups) != len(self.param_groups):
            raise ArgumentError(
                f"{type(self).__name__}.load_state_dict: {len(groups) if isinstance(groups, list) else 'no'} "
                f"parameter groups saved, {len(self.param_groups)} here"
            )
        params = [p for g in self.param_groups for p in g["params"]]
        for saved, g in zip(groups, self.param_groups, strict=True):
            if len(saved["params"]) != len(g["params"]):
                raise ArgumentError(
                    f"{type(self).__name__}.load_state_dict: a group has {len(saved['params'])} parameters "
                    f"saved and {len(g['params'])} here"
                )
        by_index = {int(k): v for k, v in state_dict.get("state", {}).items()}
        for k, s in by_index.items():
            if not 0 <= k < len(params):
                raise ArgumentError(
                    f"{type(self).__name__}.load_state_dict: state for parameter {k} of {len(params)}"
                )
            for name, v in s.items():
                if isinstance(v, Tensor) and v.shape not in (params[k].shape, ()):
                    raise ShapeError(
                        f"{type(self).__name__}.load_state_dict: state {name!r} of parameter {k} has shape "
                        f"{v.shape}, the parameter {params[k].shape}"
                    )
        # Convert everything onto the parameters' devices first; change nothing until all is fine.
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for k, s in by_index.items():
            p = params[k]
            restored: dict[str, Any] = {}
            for name, v in s.items():
                if isinstance(v, Tensor):
                    like = zeros_like(p) if v.shape == p.shape else _scalar_like(p, v)
                    what = f"{type(self).__name__}.load_state_dict: state {name!r} of parameter {k}"
                    restored[name] = wrap(converted(like, v, what), p.backend)
                else:
                    restored[name] = v
            state[p] = restored
        for saved, g in zip(groups, self.param_groups, strict=True):
            g.update({k: v for k, v in saved.items() if k != "params"})
        self.state = state
        changed()


def _follow(p: Tensor, state: dict[str, Any]) -> None:
    """Move ``p``'s state tensors to where ``p`` is now (``Module.to`` after a step moved
    the parameters; PyTorch moves state like this in ``load_state_dict``): its backend and
    device, and its dtype for those of its shape."""
    for v in state.values():
        if isinstance(v, Tensor) and (
            v.backend is not p.backend or (v.shape == p.shape and v.dtype != p.dtype)
        ):
            dst, data = p.backend, p.backend.receive(v._data, v.backend)
            if v.shape == p.shape and data.dtype != p.dtype:
                data = dst.xp.astype(data, p.dtype)
            v.backend = dst
            v._set_data(data)
            changed()


def _scalar_like(p: Tensor, v: Tensor) -> Tensor:
    return zeros((), dtype=v.backend.dtype_name(v.dtype), backend=p.backend)
