"""``xn.compile(model)``: a module that calls the model through a compiled forward, as
PyTorch's ``torch.compile(model)`` returns one (its ``OptimizedModule``)."""

from __future__ import annotations

from typing import Any

from ..nn import Module


class OptimizedModule(Module):
    """``model`` with its calls captured by ``xn.compile``. It is a Module holding the
    model as ``_orig_mod`` (so its state dict's keys start with ``_orig_mod.``, as
    PyTorch's do and as scripts that strip that prefix expect); ``train()``, ``eval()``,
    ``parameters()`` and ``to()`` reach the model, and any other attribute is the
    model's own (``compiled.generate(...)`` runs the model's method, not compiled), then the
    capture's (``compiled``, ``recordings``, ``replays``).

    A call whose result carries a graph for a later ``backward()`` runs eagerly (a replay
    cannot rebuild that graph; ``xn.compile`` warns once): compile the whole step,
    forward, backward and update, to replay training. Calls under ``xn.no_grad()``
    (evaluation, sampling) replay."""

    def __init__(self, mod: Module, compiled: Any) -> None:
        super().__init__()
        self._orig_mod = mod
        object.__setattr__(self, "_compiled", compiled)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self._compiled(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # only names the wrapper does not have itself get here: the model's, else the
        # capture's (``compiled``, ``recordings``, ``replays``, ``eager_reason``)
        d = self.__dict__
        if "_orig_mod" not in d or name.startswith("__"):
            return object.__getattribute__(self, name)  # (the usual AttributeError)
        mod = d["_orig_mod"]
        if not hasattr(mod, name) and hasattr(d["_compiled"], name):
            return getattr(d["_compiled"], name)
        return getattr(mod, name)

    def __repr__(self) -> str:
        return f"OptimizedModule({self._orig_mod!r})"
