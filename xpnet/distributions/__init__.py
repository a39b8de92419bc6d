"""Probability distributions (PyTorch's ``torch.distributions``): ``Normal``, ``Uniform``,
``Laplace``, ``Exponential``, ``LogNormal``, ``MultivariateNormal``, ``Gamma``, ``Beta``,
``Dirichlet``, ``Poisson``, ``Categorical``, ``Bernoulli``, ``Independent``, and
``kl_divergence``.

``sample`` draws without a graph, ``rsample`` with the reparameterisation trick;
``log_prob``, ``entropy`` and ``kl_divergence`` are differentiable in the parameters."""

from ._continuous import Exponential as Exponential
from ._continuous import Laplace as Laplace
from ._continuous import LogNormal as LogNormal
from ._continuous import Normal as Normal
from ._continuous import Uniform as Uniform
from ._discrete import Bernoulli as Bernoulli
from ._discrete import Categorical as Categorical
from ._distribution import Distribution as Distribution
from ._distribution import set_default_validate_args as set_default_validate_args
from ._gamma_family import Beta as Beta
from ._gamma_family import Dirichlet as Dirichlet
from ._gamma_family import Gamma as Gamma
from ._gamma_family import Poisson as Poisson
from ._independent import Independent as Independent
from ._kl import kl_divergence as kl_divergence
from ._kl import register_kl as register_kl
from ._multivariate import MultivariateNormal as MultivariateNormal

__all__ = [
    "Bernoulli",
    "Beta",
    "Dirichlet",
    "Gamma",
    "Poisson",
    "Categorical",
    "Distribution",
    "Independent",
    "Exponential",
    "Laplace",
    "LogNormal",
    "MultivariateNormal",
    "Normal",
    "Uniform",
    "kl_divergence",
    "register_kl",
    "set_default_validate_args",
]
