"""Datasets and minibatch loading (``xn.data``)."""

from ._collate import default_collate as default_collate
from ._dataset import ArrayDataset as ArrayDataset
from ._dataset import ConcatDataset as ConcatDataset
from ._dataset import Dataset as Dataset
from ._dataset import IterableDataset as IterableDataset
from ._dataset import Subset as Subset
from ._dataset import TensorDataset as TensorDataset
from ._dataset import random_split as random_split
from ._loader import DataLoader as DataLoader
from ._loader import get_worker_info as get_worker_info
from ._sampler import BatchSampler as BatchSampler
from ._sampler import DistributedSampler as DistributedSampler
from ._sampler import RandomSampler as RandomSampler
from ._sampler import SequentialSampler as SequentialSampler
from ._sampler import SubsetRandomSampler as SubsetRandomSampler
from ._sampler import WeightedRandomSampler as WeightedRandomSampler

__all__ = [
    "ArrayDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
    "DataLoader",
    "BatchSampler",
    "DistributedSampler",
    "SubsetRandomSampler",
    "get_worker_info",
    "RandomSampler",
    "SequentialSampler",
    "WeightedRandomSampler",
]
