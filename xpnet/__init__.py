"""xpnet: backpropagation written once against the Python Array API standard.

import xpnet as xn
x = xn.tensor([1.0, 2.0], requires_grad=True)
(x * x).sum().backward()
x.grad  # Tensor([2., 4.])
"""

# isort: off
# First: xpnet.Tensor registers itself as the class the engine and the ops build.
from .tensor import Tensor as Tensor

# isort: on
from . import amp as amp
from . import autodiff as autodiff
from . import backend as backend
from . import data as data
from . import datasets as datasets
from . import learning_rules as learning_rules
from . import nn as nn
from . import ops as ops
from . import optim as optim
from . import testing as testing
from . import train as train
from . import viz as viz
from ._checkpoint import load as load
from ._checkpoint import save as save
from ._compile import CompileWarning as CompileWarning
from ._compile import compile as compile
from ._errors import ArgumentError as ArgumentError
from ._errors import ArgumentTypeError as ArgumentTypeError
from ._errors import BackendError as BackendError
from ._errors import BackendUnavailableError as BackendUnavailableError
from ._errors import CheckpointError as CheckpointError
from ._errors import DataNotFoundError as DataNotFoundError
from ._errors import DeviceError as DeviceError
from ._errors import DistributedError as DistributedError
from ._errors import DTypeError as DTypeError
from ._errors import GradcheckError as GradcheckError
from ._errors import GraphError as GraphError
from ._errors import KeyMismatchError as KeyMismatchError
from ._errors import MissingDependencyError as MissingDependencyError
from ._errors import MissingFunctionError as MissingFunctionError
from ._errors import NonFiniteError as NonFiniteError
from ._errors import NotSupportedError as NotSupportedError
from ._errors import OpError as OpError
from ._errors import OutOfRangeError as OutOfRangeError
from ._errors import PerformanceWarning as PerformanceWarning
from ._errors import ShapeError as ShapeError
from ._errors import XpnetError as XpnetError
from ._printing import get_printoptions as get_printoptions
from ._printing import set_printoptions as set_printoptions
from ._safetensors import load_safetensors as load_safetensors
from ._safetensors import safetensors_metadata as safetensors_metadata
from ._safetensors import save_safetensors as save_safetensors
from .amp import autocast as autocast
from .autodiff import AnomalyError as AnomalyError
from .autodiff import Primitive as Primitive
from .autodiff import detect_anomaly as detect_anomaly
from .autodiff import enable_grad as enable_grad
from .autodiff import grad as grad
from .autodiff import hessian as hessian
from .autodiff import is_grad_enabled as is_grad_enabled
from .autodiff import jacfwd as jacfwd
from .autodiff import jacobian as jacobian
from .autodiff import jvp as jvp
from .autodiff import no_grad as no_grad
from .autodiff import set_grad_enabled as set_grad_enabled
from .autodiff import value_and_grad as value_and_grad
from .autodiff import vjp as vjp
from .autodiff import vmap as vmap
from .backend import Backend as Backend
from .backend import Generator as Generator
from .backend import available_backends as available_backends
from .backend import get_backend as get_backend
from .backend import get_num_threads as get_num_threads
from .backend import initial_seed as initial_seed
from .backend import manual_seed as manual_seed
from .backend import seed as seed
from .backend import set_backend as set_backend
from .backend import set_num_threads as set_num_threads
from .backend import use_backend as use_backend
from .ops import *  # noqa: F403  (the op functions: xn.exp, xn.sum, xn.concat...)
from .ops import fft as fft
from .ops import linalg as linalg
from .testing import check_grad as check_grad

# dtype names (accepted wherever a dtype is: xn.zeros(3, dtype=xn.float64), t.astype(xn.int64))
bool_ = "bool"
int8, int16, int32, int64 = "int8", "int16", "int32", "int64"
uint8, uint16, uint32, uint64 = "uint8", "uint16", "uint32", "uint64"
float16, bfloat16, float32, float64 = "float16", "bfloat16", "float32", "float64"
complex64, complex128 = "complex64", "complex128"
# and PyTorch's aliases of them (xn.tensor(labels, dtype=xn.long)); last, as ``float`` and
# ``int`` shadow the builtins in this module from here on
half, double, long, short = "float16", "float64", "int64", "int16"
cfloat, cdouble = "complex64", "complex128"
# PyTorch's spellings (cat/concat/stack with dim=, isclose, rand_like...): after the ops
from . import accelerator as accelerator  # noqa: E402
from . import autograd as autograd  # noqa: E402
from . import backends as backends  # noqa: E402
from . import cuda as cuda  # noqa: E402
from . import distributions as distributions  # noqa: E402
from . import func as func  # noqa: E402
from . import sparse as sparse  # noqa: E402
from . import special as special  # noqa: E402
from . import utils as utils  # noqa: E402
from ._torch_functions import *  # noqa: E402, F403
from ._torch_math import MinMax as MinMax  # noqa: E402
from ._torch_out import *  # noqa: E402, F403  (last: out= and PyTorch's method forms)

float, int, bool = "float32", "int32", "bool"  # PyTorch's torch.float, torch.int, torch.bool

__version__ = "0.1.0"
