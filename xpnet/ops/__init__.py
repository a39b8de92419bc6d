"""The op functions, with the Array API's names and signatures.

Each primitive is declared, with its VJP rules, in the module of its kind
(``_elementwise``, ``_shape``, ``_reduce``, ``_linalg``, ``_conv``,
``_fused_losses``); composites are built from them in ``_composite``.
"""

import sys as _sys

from .._tensor import bind_ops as _bind_ops
from ..autodiff import install_ops as _install_ops
from . import _elementwise, _inplace
from ._composite import log_softmax as log_softmax
from ._composite import logsumexp as logsumexp
from ._composite import softmax as softmax
from ._creation import arange as arange
from ._creation import asarray as asarray
from ._creation import eye as eye
from ._creation import from_dlpack as from_dlpack
from ._creation import full as full
from ._creation import full_like as full_like
from ._creation import linspace as linspace
from ._creation import ones as ones
from ._creation import ones_like as ones_like
from ._creation import rand as rand
from ._creation import randint as randint
from ._creation import randn as randn
from ._creation import randperm as randperm
from ._creation import tensor as tensor
from ._creation import zeros as zeros
from ._creation import zeros_like as zeros_like
from ._elementwise import abs as abs
from ._elementwise import add as add
from ._elementwise import astype as astype
from ._elementwise import astype_p as _astype_p
from ._elementwise import clip as clip
from ._elementwise import divide as divide
from ._elementwise import equal as equal
from ._elementwise import exp as exp
from ._elementwise import greater as greater
from ._elementwise import greater_equal as greater_equal
from ._elementwise import isfinite as isfinite
from ._elementwise import isnan as isnan
from ._elementwise import less as less
from ._elementwise import less_equal as less_equal
from ._elementwise import log as log
from ._elementwise import log1p as log1p
from ._elementwise import logical_and as logical_and
from ._elementwise import logical_not as logical_not
from ._elementwise import logical_or as logical_or
from ._elementwise import maximum as maximum
from ._elementwise import minimum as minimum
from ._elementwise import multiply as multiply
from ._elementwise import negative as negative
from ._elementwise import not_equal as not_equal
from ._elementwise import pow as pow
from ._elementwise import relu as relu
from ._elementwise import sigmoid as sigmoid
from ._elementwise import sign as sign
from ._elementwise import sqrt as sqrt
from ._elementwise import square as square
from ._elementwise import subtract as subtract
from ._elementwise import tanh as tanh
from ._elementwise import where as where
from ._linalg import matmul as matmul
from ._reduce import all as all
from ._reduce import any as any
from ._reduce import argmax as argmax
from ._reduce import argmin as argmin
from ._reduce import max as max
from ._reduce import mean as mean
from ._reduce import min as min
from ._reduce import std as std
from ._reduce import sum as sum
from ._reduce import sum_to as _sum_to
from ._reduce import var as var
from ._shape import broadcast_to as broadcast_to
from ._shape import concat as concat
from ._shape import expand_dims as expand_dims
from ._shape import flatten as flatten
from ._shape import getitem as getitem
from ._shape import matrix_transpose as matrix_transpose
from ._shape import permute_dims as permute_dims
from ._shape import reshape as reshape
from ._shape import scatter_add as scatter_add
from ._shape import setitem as setitem
from ._shape import squeeze as squeeze
from ._shape import stack as stack
from ._shape import swapaxes as swapaxes
from ._shape import take as take
from ._shape import take_along_axis as take_along_axis
from ._shape import to as to
from ._special import erf as erf

_install_ops(
    sum_to=_sum_to,
    cast=lambda g, dtype: _astype_p(g, dtype=dtype),
    add=add,
    as_tensor=tensor,
    stack=lambda ts, axis: stack(ts, axis=axis),
    reshape=reshape,
)
_bind_ops(_sys.modules[__name__], _elementwise, _inplace)
