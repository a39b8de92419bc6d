"""The op functions, with the Array API's names and signatures.

Each primitive is declared, with its VJP rules, in the module of its kind: ``_cast``
(astype), ``_views`` (reshape, permute, broadcast and their dual, sum), ``_elementwise``
(arithmetic, comparisons, the common unary functions), ``_transcendental``
(trigonometric, hyperbolic, other logs), ``_rounding`` (rounding, remainder, bits),
``_special`` (erf, softplus), ``_gamma`` (lgamma, digamma, polygamma), ``_shape``
(indexing, concat, pad, transfers), ``_reduce``,
``_scan``, ``_sorting``, ``_matmul``, ``_conv``, ``_fused_losses``, ``_inplace``;
creation in ``_creation`` and, composed from other ops, ``_manipulation``; composites
(softmax, logsumexp) in ``_composite``, ``einsum`` in ``_einsum``; ``linalg`` the standard's extension. Each module
lists its public ops in ``__all__``: adding an op is one module (plus a spec row).
Loading this package hands the engine the ops it needs (``install_ops``); the
Tensor class (``xpnet/tensor.py``) sits above this layer and imports it.
"""

from ..autodiff import install_ops as _install_ops
from . import (
    _cast,
    _composite,
    _creation,
    _einsum,
    _elementwise,
    _gamma,
    _manipulation,
    _matmul,
    _reduce,
    _rounding,
    _scan,
    _shape,
    _sorting,
    _special,
    _transcendental,
    _views,
)
from . import fft as fft
from . import linalg as linalg
from ._cast import *  # noqa: F403
from ._composite import *  # noqa: F403
from ._creation import *  # noqa: F403
from ._einsum import *  # noqa: F403
from ._elementwise import *  # noqa: F403
from ._gamma import *  # noqa: F403
from ._manipulation import *  # noqa: F403
from ._matmul import *  # noqa: F403
from ._reduce import *  # noqa: F403
from ._rounding import *  # noqa: F403
from ._scan import *  # noqa: F403
from ._shape import *  # noqa: F403
from ._sorting import *  # noqa: F403
from ._special import *  # noqa: F403
from ._transcendental import *  # noqa: F403

__all__ = [
    *_cast.__all__,
    *_composite.__all__,
    *_creation.__all__,
    *_einsum.__all__,
    *_elementwise.__all__,
    *_gamma.__all__,
    *_matmul.__all__,
    *_manipulation.__all__,
    *_rounding.__all__,
    *_transcendental.__all__,
    *_reduce.__all__,
    *_scan.__all__,
    *_shape.__all__,
    *_sorting.__all__,
    *_special.__all__,
]

_install_ops(
    sum_to=_views.sum_to,
    cast=_cast.cast_cotangent,
    add=_elementwise.add,
    as_tensor=_creation.tensor,
    stack=lambda ts, axis: _shape.stack(ts, axis=axis),
    reshape=_shape.reshape,
    slice_prim=_shape.slice_p,
    accumulate_slice=_shape.accumulate_slice,
)
