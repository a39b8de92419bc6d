"""Data-parallel training across processes (``import xpnet.distributed as dist``).

PyTorch's names: ``init_process_group``, ``get_rank``, ``get_world_size``,
``all_reduce``, ``broadcast``, ``all_gather``, ``barrier``... over MPI (mpi4py),
NCCL (``cupy.cuda.nccl``) or ``torch.distributed``. The model wrapper is
``xn.nn.parallel.DistributedDataParallel``; the sampler
``xn.data.DistributedSampler``. Launch with ``mpiexec -n N python3 script.py``.
"""

from ._group import all_gather as all_gather
from ._group import all_gather_object as all_gather_object
from ._group import all_reduce as all_reduce
from ._group import all_reduce_host as all_reduce_host
from ._group import barrier as barrier
from ._group import broadcast as broadcast
from ._group import destroy_process_group as destroy_process_group
from ._group import get_backend_name as get_backend_name
from ._group import get_rank as get_rank
from ._group import get_world_size as get_world_size
from ._group import group as group
from ._group import init_process_group as init_process_group
from ._group import is_initialized as is_initialized

__all__ = [
    "all_gather",
    "all_gather_object",
    "all_reduce",
    "all_reduce_host",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "get_backend_name",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "is_initialized",
]
