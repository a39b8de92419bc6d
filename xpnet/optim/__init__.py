"""Optimizers (``xn.optim``) and learning-rate schedules (``xn.optim.lr_scheduler``)."""

from . import lr_scheduler as lr_scheduler
from . import swa_utils as swa_utils
from ._adadelta import Adadelta as Adadelta
from ._adagrad import Adagrad as Adagrad
from ._adam import Adam as Adam
from ._adam import AdamW as AdamW
from ._adamax import Adamax as Adamax
from ._lbfgs import LBFGS as LBFGS
from ._nadam import NAdam as NAdam
from ._nadam import RAdam as RAdam
from ._optimizer import Optimizer as Optimizer
from ._rmsprop import RMSprop as RMSprop
from ._rprop import Rprop as Rprop
from ._sgd import SGD as SGD

__all__ = [
    "lr_scheduler",
    "swa_utils",
    "Adam",
    "AdamW",
    "Optimizer",
    "Adagrad",
    "LBFGS",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "RMSprop",
    "Rprop",
    "SGD",
]
