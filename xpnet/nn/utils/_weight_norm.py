"""PyTorch's original ``torch.nn.utils.weight_norm`` (deprecated there in favour of
``parametrizations.weight_norm``, and still in much published code): the module's
``weight`` becomes two parameters, ``weight_g`` and ``weight_v``, recombined as
``g * v / ||v||`` by a forward pre-hook before each call."""

from __future__ import annotations

import warnings
from typing import Any

from ..._errors import ArgumentError
from ...autodiff import no_grad
from .._module import Module
from .._parameter import Parameter
from .parametrizations import norm_except_dim


class _WeightNormHook:
    def __init__(self, name: str, dim: int | None) -> None:
        self.name, self.dim = name, dim
        self.handle: Any = None

    def compute(self, module: Module) -> Any:
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / norm_except_dim(v, self.dim))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Split ``module.<name>`` into ``<name>_g`` (its norm over every axis but ``dim``) and
    ``<name>_v`` (its direction), recombined before each call; returns ``module``."""
    warnings.warn(
        "torch.nn.utils.weight_norm is deprecated in favor of "
        "torch.nn.utils.parametrizations.weight_norm (xn.nn.utils.parametrizations.weight_norm).",
        FutureWarning,
        stacklevel=2,
    )
    if any(isinstance(h, _WeightNormHook) and h.name == name
           for h in module._forward_pre_hooks.values()):  # fmt: skip
        raise ArgumentError(f"weight_norm: {name!r} of this module is already weight-normed")
    weight = module._parameters.get(name)
    if weight is None:
        raise ArgumentError(f"weight_norm: {type(module).__name__} has no parameter {name!r}")
    hook = _WeightNormHook(name, dim)
    with no_grad():
        g = Parameter(norm_except_dim(weight, dim).detach().clone())
        v = Parameter(weight.detach().clone())
    delattr(module, name)
    module.register_parameter(name + "_g", g)
    module.register_parameter(name + "_v", v)
    setattr(module, name, hook.compute(module))
    hook.handle = module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Recombine ``<name>_g`` and ``<name>_v`` into one parameter ``<name>`` again."""
    for key, h in list(module._forward_pre_hooks.items()):
        if isinstance(h, _WeightNormHook) and h.name == name:
            with no_grad():
                weight = h.compute(module).detach()
            h.handle.remove()
            delattr(module, name + "_g")
            delattr(module, name + "_v")
            delattr(module, name)
            module.register_parameter(name, Parameter(weight))
            del key
            return module
    raise ArgumentError(f"remove_weight_norm: weight_norm of {name!r} not found in {module!r}")
