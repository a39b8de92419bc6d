"""Reverse-mode automatic differentiation: primitives, the engine and the functional API."""

from ._anomaly import AnomalyError as AnomalyError
from ._anomaly import detect_anomaly as detect_anomaly
from ._engine import backward as backward
from ._engine import install_ops as install_ops
from ._engine import register_post_backward_hook as register_post_backward_hook
from ._forward import jacfwd as jacfwd
from ._forward import jvp as jvp
from ._forward import vmap as vmap
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
from ._primitive import Meta as Meta
from ._primitive import Node as Node
from ._primitive import Primitive as Primitive
from ._primitive import describe as describe
from ._primitive import mismatch_error as mismatch_error
from ._primitive import op_error as op_error
from ._tensor_base import register_post_accumulate_grad_hook as register_post_accumulate_grad_hook

__all__ = [
    "AnomalyError",
    "detect_anomaly",
    "backward",
    "install_ops",
    "register_post_accumulate_grad_hook",
    "register_post_backward_hook",
    "jacfwd",
    "jvp",
    "vmap",
    "grad",
    "hessian",
    "jacobian",
    "value_and_grad",
    "vjp",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
    "PRIMITIVES",
    "Meta",
    "Node",
    "Primitive",
    "describe",
    "mismatch_error",
    "op_error",
]
