"""Datasets (``xn.datasets``): MNIST and small generated problems."""

from ._mnist import DatasetError as DatasetError
from ._mnist import load_mnist as load_mnist
from ._mnist import load_mnist_or_subset as load_mnist_or_subset
from ._mnist import load_mnist_subset as load_mnist_subset
from ._synthetic import linear_regression as linear_regression
from ._synthetic import linearly_separable as linearly_separable
from ._synthetic import spirals as spirals
from ._synthetic import two_moons as two_moons
from ._synthetic import xor as xor

__all__ = [
    "DatasetError",
    "load_mnist",
    "load_mnist_or_subset",
    "load_mnist_subset",
    "linear_regression",
    "linearly_separable",
    "spirals",
    "two_moons",
    "xor",
]
