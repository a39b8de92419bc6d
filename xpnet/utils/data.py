"""``torch.utils.data`` under xpnet: the datasets, samplers and loader of ``xn.data``
(the same objects, so ``xn.utils.data.DataLoader is xn.data.DataLoader``)."""

from ..data import ArrayDataset as ArrayDataset
from ..data import BatchSampler as BatchSampler
from ..data import ConcatDataset as ConcatDataset
from ..data import DataLoader as DataLoader
from ..data import Dataset as Dataset
from ..data import DistributedSampler as DistributedSampler
from ..data import IterableDataset as IterableDataset
from ..data import RandomSampler as RandomSampler
from ..data import SequentialSampler as SequentialSampler
from ..data import Subset as Subset
from ..data import SubsetRandomSampler as SubsetRandomSampler
from ..data import TensorDataset as TensorDataset
from ..data import WeightedRandomSampler as WeightedRandomSampler
from ..data import default_collate as default_collate
from ..data import get_worker_info as get_worker_info
from ..data import random_split as random_split

__all__ = [
    "ArrayDataset",
    "BatchSampler",
    "SubsetRandomSampler",
    "get_worker_info",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "SequentialSampler",
    "Subset",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "random_split",
]
