"""History: the per-epoch record of a training run, and its plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import distributed as dist
from .._errors import KeyMismatchError, MissingDependencyError, OutOfRangeError


class History:
    """Per-epoch metrics: ``history["loss"]``, ``history["val_accuracy"]``, ...; one value per epoch."""

    def __init__(self, records: dict[str, list[Any]] | None = None) -> None:
        self.records: dict[str, list[Any]] = {k: list(v) for k, v in (records or {}).items()}

    def append(self, logs: dict[str, Any]) -> None:
        for k, v in logs.items():
            self.records.setdefault(k, []).append(v)

    def __getitem__(self, key: str | int) -> Any:
        """``history["loss"]``: one value per epoch; ``history[-1]``: the logs of one epoch."""
        if isinstance(key, int):
            n = len(self)
            if not -n <= key < n:
                raise OutOfRangeError(f"History: epoch index {key} out of range for {n} epoch(s)")
            return {k: v[key] for k, v in self.records.items() if len(v) == n}
        if key not in self.records:
            raise KeyMismatchError(f"History has no {key!r}; it has {sorted(self.records)}")
        return self.records[key]

    def __repr__(self) -> str:
        last = self[-1] if len(self) else {}
        shown = ", ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in last.items()
        )
        return f"History({len(self)} epochs; last: {shown})"

    def to_dict(self) -> dict[str, list[Any]]:
        """The records as plain lists, by key."""
        return {k: list(v) for k, v in self.records.items()}

    def __contains__(self, key: str) -> bool:
        return key in self.records

    def __len__(self) -> int:
        return len(self.records.get("epoch", []))

    def state_dict(self) -> dict[str, list[Any]]:
        return {k: list(v) for k, v in self.records.items()}

    def plot(self, path: str | Path) -> Path:
        """Write a PNG with the loss curves and, when recorded, the accuracy curves (needs matplotlib).

        In a process group of several ranks only rank 0 writes; the others return the path.
        """

        if dist.is_initialized() and dist.get_rank() != 0:
            return Path(path)
        try:  # a Figure of its own: pyplot's state and backend stay as the user set them
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError as e:
            raise MissingDependencyError(
                "History.plot needs matplotlib: pip install 'xpnet[train]'"
            ) from e
        epochs = self.records.get("epoch", [])
        panels = [("loss", ["loss", "val_loss"])]
        if "accuracy" in self.records or "val_accuracy" in self.records:
            panels.append(("accuracy", ["accuracy", "val_accuracy"]))
        fig = Figure(figsize=(5 * len(panels), 3.6))
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, len(panels), squeeze=False)
        for ax, (title, keys) in zip(axes[0], panels, strict=True):
            for k in keys:
                if k in self.records:
                    ax.plot(epochs, self.records[k], marker="o", label=k.replace("_", " "))
            ax.set_xlabel("epoch")
            ax.set_title(title)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.tight_layout()
        out = Path(path)
        fig.savefig(out, dpi=100)
        return out
