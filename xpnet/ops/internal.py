"""What the rest of xpnet uses of the op layer beyond the public op functions.

The declared internal interface of ``xpnet.ops``: primitives (for code that calls
one directly, such as the fused paths of ``nn.functional``) and helpers shared
with ``nn``, ``optim`` and ``train``. Other xpnet packages import from here or from
``xpnet.ops``, never from the private ``ops._*`` modules; users should not need it.
"""

from ._cast import astype_p as astype_p
from ._cast import view_as_dtype as view_as_dtype
from ._common import autocast_high as autocast_high
from ._common import autocast_low as autocast_low
from ._common import binary as binary
from ._common import check_low_dtype as check_low_dtype
from ._common import layer_dtypes as layer_dtypes
from ._composite import log_softmax as log_softmax
from ._composite import softmax as softmax
from ._conv import BATCHED_MAX as BATCHED_MAX
from ._conv import fold_p as fold_p
from ._conv import max_pool_grad_p as max_pool_grad_p
from ._conv import max_pool_p as max_pool_p
from ._conv import out_size as out_size
from ._conv import transposed_size as transposed_size
from ._conv import unfold_p as unfold_p
from ._elementwise import add_p as add_p
from ._elementwise import divide_p as divide_p
from ._elementwise import multiply_p as multiply_p
from ._elementwise import relu_grad_p as relu_grad_p
from ._elementwise import relu_p as relu_p
from ._elementwise import sigmoid_grad_p as sigmoid_grad_p
from ._elementwise import sigmoid_p as sigmoid_p
from ._elementwise import subtract_p as subtract_p
from ._elementwise import tanh_grad_p as tanh_grad_p
from ._elementwise import tanh_p as tanh_p
from ._fused_losses import binary_cross_entropy_mean_p as binary_cross_entropy_mean_p
from ._fused_losses import binary_cross_entropy_p as binary_cross_entropy_p
from ._fused_losses import softmax_cross_entropy_mean_p as softmax_cross_entropy_mean_p
from ._fused_losses import softmax_cross_entropy_p as softmax_cross_entropy_p
from ._inplace import apply_inplace as apply_inplace
from ._inplace import converted as converted
from ._inplace import copy_ as copy_
from ._inplace import fill_p as fill_p
from ._matmul import linear_p as linear_p
from ._matmul import matmul_p as matmul_p
from ._reduce import max_p as max_p
from ._reduce import outside_p as outside_p
from ._scatter_reduce import REDUCTIONS as REDUCTIONS
from ._scatter_reduce import scatter_reduce_p as scatter_reduce_p
from ._shape import check_indices as check_indices
from ._shape import gather_p as gather_p
from ._shape import rebase_or_write as rebase_or_write
from ._shape import scatter_along_axis as scatter_along_axis
from ._shape import slice_p as slice_p
from ._special import erf_p as erf_p
from ._special import softplus as softplus
from ._special import softplus_p as softplus_p
from ._views import sum_p as sum_p
from ._views import sum_to as sum_to
