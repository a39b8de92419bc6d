"""L-BFGS (Nocedal), PyTorch's port of minFunc: quasi-Newton steps from the last
``history_size`` gradient differences, with a fixed step or a strong-Wolfe line search.

The parameters are treated as one flat vector (their gradients concatenated); the
closure re-evaluates the loss (and its gradients) as often as the line search needs.
Scalars (dot products, step lengths) are Python floats read back from the device: the
algorithm branches on them every iteration, as PyTorch's does.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from .._errors import ArgumentError, NotSupportedError
from ..autodiff import enable_grad, no_grad
from ..ops import abs as abs_
from ..ops import concat, reshape, vecdot, zeros_like
from ..ops import max as max_
from ..ops import sum as sum_
from ..tensor import Tensor
from ._optimizer import Optimizer


def _dot(a: Tensor, b: Tensor) -> float:
    return float(vecdot(a, b).item())


def _amax(a: Tensor) -> float:
    return float(max_(abs_(a)).item())


def _cubic_interpolate(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:  # fmt: skip
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), within ``bounds``."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, lo), hi)


def _strong_wolfe(
    obj: Callable[[float], tuple[float, Tensor]], t: float, d: Tensor, f: float, g: Tensor,
    gtd: float, c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Tensor, float, int]:  # fmt: skip
    """A step ``t`` along ``d`` meeting the strong Wolfe conditions (bracketing, then
    zooming by cubic interpolation): (loss, flat gradient, t, evaluations)."""
    d_norm = _amax(d)
    f_new, g_new = obj(t)
    evals, gtd_new = 1, _dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done, ls_iter = False, 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[Tensor] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                          bounds=(min_step, max_step))  # fmt: skip
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj(t)
        evals, gtd_new = evals + 1, _dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
        bracket_gtd = [gtd, gtd_new]
    insuf_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1],
                               bracket_f[1], bracket_gtd[1])  # fmt: skip
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = (
                    max(bracket) - eps
                    if abs(t - max(bracket)) < abs(t - min(bracket))
                    else min(bracket) + eps
                )
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj(t)
        evals, gtd_new = evals + 1, _dot(g_new, d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = (
                t,
                f_new,
                g_new,
                gtd_new,
            )
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = (
                t,
                f_new,
                g_new,
                gtd_new,
            )
    return bracket_f[low], bracket_g[low], bracket[low], evals


class LBFGS(Optimizer):
    """PyTorch's L-BFGS: ``step(closure)`` runs up to ``max_iter`` iterations (``max_eval``
    closure calls), each a quasi-Newton direction from the last ``history_size`` steps,
    moved by ``lr`` or by a ``line_search_fn="strong_wolfe"`` step; one parameter group."""

    _live = ("lr",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if line_search_fn not in (None, "strong_wolfe"):
            raise ArgumentError(
                f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}"
            )
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval if max_eval is not None else max_iter * 5 // 4,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)  # fmt: skip
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ArgumentError("LBFGS: one parameter group only (no per-group options)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    def add_param_group(self, group: dict[str, Any]) -> None:
        if self.param_groups:
            raise ArgumentError("LBFGS: one parameter group only (no per-group options)")
        super().add_param_group(group)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the hyperparameters and the flat-vector history (on this optimizer's
        device), checked before anything changes."""
        groups = state_dict.get("param_groups")
        if not isinstance(groups, list) or len(groups) != 1:
            raise ArgumentError("LBFGS.load_state_dict: one parameter group expected")
        numel = sum(p.size for p in self._params)
        saved = dict(state_dict.get("state", {}).get(0, {}))
        where = self._params[0].backend

        def restore(v: Any) -> Any:
            if isinstance(v, list):
                return [restore(x) for x in v]
            if isinstance(v, Tensor):
                if v.shape not in ((numel,), ()):
                    raise ArgumentError(
                        f"LBFGS.load_state_dict: a saved vector of shape {v.shape} for {numel} parameters"
                    )
                return v.detach().to(backend=where).clone()
            return v

        restored = {k: restore(v) for k, v in saved.items()}
        self.param_groups[0].update({k: v for k, v in groups[0].items() if k != "params"})
        self.state = defaultdict(dict, {self._params[0]: restored} if restored else {})

    def _flat_grad(self) -> Tensor:
        return concat([reshape(p.grad if p.grad is not None else zeros_like(p), (-1,))
                       for p in self._params])  # fmt: skip

    def _add(self, step: float, update: Tensor) -> None:
        offset = 0
        for p in self._params:
            n = p.size
            p += reshape(update[offset : offset + n], p.shape) * step
            offset += n

    def _evaluate(self, closure: Callable[[], Any]) -> float:
        with enable_grad():
            return float(closure())

    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """One L-BFGS step: ``closure`` (required) zeroes the gradients, computes the loss,
        calls ``backward()`` and returns the loss; returns the first loss."""
        if closure is None:
            raise NotSupportedError("LBFGS.step needs a closure that re-evaluates the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        with no_grad():
            flat_grad = self._flat_grad()
            if _amax(flat_grad) <= tol_grad:
                return orig_loss
            d: Any = state.get("d")
            t: Any = state.get("t")
            old_dirs: Any = state.get("old_dirs")
            old_stps: Any = state.get("old_stps")
            ro: Any = state.get("ro")
            h_diag: Any = state.get("H_diag")
            prev_flat_grad: Any = state.get("prev_flat_grad")
            prev_loss: Any = state.get("prev_loss")
            n_iter = 0
            while n_iter < max_iter:
                n_iter += 1
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d, old_dirs, old_stps, ro, h_diag = -flat_grad, [], [], [], 1.0
                else:
                    y = flat_grad - prev_flat_grad
                    s = d * t
                    ys = _dot(y, s)
                    if ys > 1e-10:
                        if len(old_dirs) == history:
                            old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                        old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                        h_diag = ys / _dot(y, y)
                    al = [0.0] * len(old_dirs)
                    q = -flat_grad
                    for i in range(len(old_dirs) - 1, -1, -1):
                        al[i] = _dot(old_stps[i], q) * ro[i]
                        q = q - old_dirs[i] * al[i]
                    d = r = q * h_diag
                    for i in range(len(old_dirs)):
                        be_i = _dot(old_dirs[i], r) * ro[i]
                        r = r + old_stps[i] * (al[i] - be_i)
                    d = r
                prev_flat_grad, prev_loss = flat_grad, loss
                t = (
                    min(1.0, 1.0 / float(sum_(abs_(flat_grad)).item())) * lr
                    if state["n_iter"] == 1
                    else lr
                )
                gtd = _dot(flat_grad, d)
                if gtd > -tol_change:
                    break
                ls_evals = 0
                if group["line_search_fn"] == "strong_wolfe":
                    start = [p.clone() for p in self._params]

                    def obj(
                        step: float, start: list[Tensor] = start, d: Tensor = d
                    ) -> tuple[float, Tensor]:
                        self._add(step, d)
                        f = self._evaluate(closure)
                        g = self._flat_grad()
                        for p, p0 in zip(self._params, start, strict=True):
                            p[...] = p0
                        return f, g

                    loss, flat_grad, t, ls_evals = _strong_wolfe(obj, t, d, loss, flat_grad, gtd,
                                                                 max_ls=max_eval - current_evals)  # fmt: skip
                    self._add(t, d)
                    opt_cond = _amax(flat_grad) <= tol_grad
                else:
                    self._add(t, d)
                    opt_cond = False
                    if n_iter != max_iter:
                        loss = self._evaluate(closure)
                        flat_grad = self._flat_grad()
                        opt_cond = _amax(flat_grad) <= tol_grad
                        ls_evals = 1
                current_evals += ls_evals
                state["func_evals"] += ls_evals
                if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                    break
                if _amax(d * t) <= tol_change or abs(loss - prev_loss) < tol_change:
                    break
            state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                         prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)  # fmt: skip
        return orig_loss
