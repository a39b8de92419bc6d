"""Array libraries and devices: the only part of xpnet that knows them apart."""

from ._base import DTYPE_NAMES as DTYPE_NAMES
from ._base import HOST_READS as HOST_READS
from ._base import IDX as IDX
from ._base import Backend as Backend
from ._base import fill_key as fill_key
from ._base import is_basic_key as is_basic_key
from ._base import pool_windows as pool_windows
from ._base import reciprocal as reciprocal
from ._default_dtype import default_complex_name as default_complex_name
from ._default_dtype import default_float_name as default_float_name
from ._default_dtype import set_default_float as set_default_float
from ._determinism import deterministic as deterministic
from ._determinism import deterministic_warn_only as deterministic_warn_only
from ._determinism import set_deterministic as set_deterministic
from ._host_memory import host_memory_policy as host_memory_policy
from ._random import Generator as Generator
from ._random import default_generator as default_generator
from ._random import draw_seed as draw_seed
from ._random import host_generator as host_generator
from ._random import initial_seed as initial_seed
from ._random import manual_seed as manual_seed
from ._random import rng_states as rng_states
from ._random import seed as seed
from ._random import set_rng_states as set_rng_states
from ._registry import available_backends as available_backends
from ._registry import backend_names as backend_names
from ._registry import backend_of as backend_of
from ._registry import current_backend as current_backend
from ._registry import get_backend as get_backend
from ._registry import placement as placement
from ._registry import register_backend as register_backend
from ._registry import set_backend as set_backend
from ._registry import use_backend as use_backend
from ._threads import get_num_threads as get_num_threads
from ._threads import set_num_threads as set_num_threads

__all__ = [
    "DTYPE_NAMES",
    "HOST_READS",
    "IDX",
    "Backend",
    "fill_key",
    "is_basic_key",
    "host_memory_policy",
    "default_complex_name",
    "default_float_name",
    "set_default_float",
    "deterministic",
    "deterministic_warn_only",
    "set_deterministic",
    "Generator",
    "default_generator",
    "draw_seed",
    "host_generator",
    "get_num_threads",
    "initial_seed",
    "manual_seed",
    "rng_states",
    "seed",
    "set_num_threads",
    "set_rng_states",
    "available_backends",
    "backend_names",
    "backend_of",
    "current_backend",
    "get_backend",
    "register_backend",
    "set_backend",
    "use_backend",
]
