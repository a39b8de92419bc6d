"""Training workflow (``xn.train``): fit, evaluate, metrics, callbacks, history."""

from ._callbacks import Callback as Callback
from ._callbacks import EarlyStopping as EarlyStopping
from ._callbacks import ModelCheckpoint as ModelCheckpoint
from ._evaluate import evaluate as evaluate
from ._fit import fit as fit
from ._history import History as History
from ._metrics import accuracy as accuracy
from ._metrics import confusion_matrix as confusion_matrix

__all__ = [
    "Callback",
    "EarlyStopping",
    "ModelCheckpoint",
    "evaluate",
    "fit",
    "History",
    "accuracy",
    "confusion_matrix",
]
