"""The op functions, with the Array API's names and signatures.

Each primitive is declared, with its VJP rules, in the module of its kind
(``_elementwise``, ``_special``, ``_shape``, ``_reduce``, ``_linalg``, ``_conv``,
``_fused_losses``); composites are built from them in ``_composite``. Each module
lists its public ops in ``__all__``: adding an op is one module (plus a spec row).
Loading this package hands the engine the ops it needs (``install_ops``); the
Tensor class (``xpnet/tensor.py``) sits above this layer and imports it.
"""

from ..autodiff import install_ops as _install_ops
from . import (
    _cast,
    _composite,
    _creation,
    _elementwise,
    _linalg,
    _manip,
    _math,
    _reduce,
    _scan,
    _shape,
    _sorting,
    _special,
    _views,
)
from . import linalg as linalg
from ._cast import *  # noqa: F403
from ._composite import *  # noqa: F403
from ._creation import *  # noqa: F403
from ._elementwise import *  # noqa: F403
from ._linalg import *  # noqa: F403
from ._manip import *  # noqa: F403
from ._math import *  # noqa: F403
from ._reduce import *  # noqa: F403
from ._scan import *  # noqa: F403
from ._shape import *  # noqa: F403
from ._sorting import *  # noqa: F403
from ._special import *  # noqa: F403

__all__ = [
    *_cast.__all__,
    *_composite.__all__,
    *_creation.__all__,
    *_elementwise.__all__,
    *_linalg.__all__,
    *_manip.__all__,
    *_math.__all__,
    *_reduce.__all__,
    *_scan.__all__,
    *_shape.__all__,
    *_sorting.__all__,
    *_special.__all__,
]

_install_ops(
    sum_to=_views.sum_to,
    cast=lambda g, dtype: _cast.astype_p(g, dtype=dtype),
    add=_elementwise.add,
    as_tensor=_creation.tensor,
    stack=lambda ts, axis: _shape.stack(ts, axis=axis),
    reshape=_shape.reshape,
)
