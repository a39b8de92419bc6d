"""History: the per-epoch record of a training run, and its plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._errors import MissingDependencyError


class History:
    """Per-epoch metrics: ``history["loss"]``, ``history["val_accuracy"]``, ...; one value per epoch."""

    def __init__(self, records: dict[str, list[Any]] | None = None) -> None:
        self.records: dict[str, list[Any]] = {k: list(v) for k, v in (records or {}).items()}

    def append(self, logs: dict[str, Any]) -> None:
        for k, v in logs.items():
            self.records.setdefault(k, []).append(v)

    def __getitem__(self, key: str) -> list[Any]:
        return self.records[key]

    def __contains__(self, key: str) -> bool:
        return key in self.records

    def __len__(self) -> int:
        return len(self.records.get("epoch", []))

    def state_dict(self) -> dict[str, list[Any]]:
        return {k: list(v) for k, v in self.records.items()}

    def plot(self, path: str | Path) -> Path:
        """Write a PNG with the loss curves and, when recorded, the accuracy curves (needs matplotlib)."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError as e:
            raise MissingDependencyError(
                "History.plot needs matplotlib: pip install 'xpnet[train]'"
            ) from e
        epochs = self.records.get("epoch", [])
        panels = [("loss", ["loss", "val_loss"])]
        if "accuracy" in self.records or "val_accuracy" in self.records:
            panels.append(("accuracy", ["accuracy", "val_accuracy"]))
        fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.6), squeeze=False)
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
        plt.close(fig)
        return out
