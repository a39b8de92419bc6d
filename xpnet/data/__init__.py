"""Datasets and minibatch loading (``xn.data``)."""

from ._dataset import ArrayDataset as ArrayDataset
from ._dataset import Dataset as Dataset
from ._dataset import Subset as Subset
from ._dataset import TensorDataset as TensorDataset
from ._dataset import random_split as random_split
from ._loader import DataLoader as DataLoader
from ._sampler import DistributedSampler as DistributedSampler

__all__ = [
    "ArrayDataset",
    "Dataset",
    "Subset",
    "TensorDataset",
    "random_split",
    "DataLoader",
    "DistributedSampler",
]
