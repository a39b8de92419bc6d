"""Reverse-mode automatic differentiation: primitives, the engine and the functional API."""

from . import rules as rules  # registers every VJP
from ._anomaly import AnomalyError as AnomalyError
from ._anomaly import detect_anomaly as detect_anomaly
from ._engine import backward as backward
from ._functional import grad as grad
from ._functional import hessian as hessian
from ._functional import jacobian as jacobian
from ._functional import value_and_grad as value_and_grad
from ._functional import vjp as vjp
from ._mode import enable_grad as enable_grad
from ._mode import is_grad_enabled as is_grad_enabled
from ._mode import no_grad as no_grad
from ._mode import set_grad_enabled as set_grad_enabled
from ._primitive import PRIMITIVES as PRIMITIVES
from ._primitive import Primitive as Primitive
