"""Functional forms of the layers, activations and losses (``xn.nn.functional``)."""

from ...ops import flatten as flatten
from ._activation import celu as celu
from ._activation import elu as elu
from ._activation import erf as erf
from ._activation import gelu as gelu
from ._activation import glu as glu
from ._activation import gumbel_softmax as gumbel_softmax
from ._activation import hardshrink as hardshrink
from ._activation import hardsigmoid as hardsigmoid
from ._activation import hardswish as hardswish
from ._activation import hardtanh as hardtanh
from ._activation import leaky_relu as leaky_relu
from ._activation import log_sigmoid as log_sigmoid
from ._activation import log_sigmoid as logsigmoid  # PyTorch's spelling
from ._activation import log_softmax as log_softmax
from ._activation import mish as mish
from ._activation import prelu as prelu
from ._activation import relu as relu
from ._activation import relu6 as relu6
from ._activation import selu as selu
from ._activation import sigmoid as sigmoid
from ._activation import silu as silu
from ._activation import softmax as softmax
from ._activation import softmin as softmin
from ._activation import softplus as softplus
from ._activation import softshrink as softshrink
from ._activation import softsign as softsign
from ._activation import tanh as tanh
from ._activation import tanhshrink as tanhshrink
from ._activation import threshold as threshold
from ._attention import scaled_dot_product_attention as scaled_dot_product_attention
from ._conv import adaptive_avg_pool1d as adaptive_avg_pool1d
from ._conv import adaptive_avg_pool2d as adaptive_avg_pool2d
from ._conv import adaptive_max_pool1d as adaptive_max_pool1d
from ._conv import adaptive_max_pool2d as adaptive_max_pool2d
from ._conv import avg_pool1d as avg_pool1d
from ._conv import avg_pool2d as avg_pool2d
from ._conv import conv1d as conv1d
from ._conv import conv2d as conv2d
from ._conv import conv_transpose1d as conv_transpose1d
from ._conv import conv_transpose2d as conv_transpose2d
from ._conv import fold as fold
from ._conv import max_pool1d as max_pool1d
from ._conv import max_pool2d as max_pool2d
from ._conv import max_unpool2d as max_unpool2d
from ._conv import pad as pad
from ._conv import pad2d as pad2d
from ._conv import pixel_shuffle as pixel_shuffle
from ._conv import pixel_unshuffle as pixel_unshuffle
from ._conv import unfold as unfold
from ._conv3d import adaptive_avg_pool3d as adaptive_avg_pool3d
from ._conv3d import adaptive_max_pool3d as adaptive_max_pool3d
from ._conv3d import avg_pool3d as avg_pool3d
from ._conv3d import conv3d as conv3d
from ._conv3d import max_pool3d as max_pool3d
from ._ctc import ctc_loss as ctc_loss
from ._dropout import alpha_dropout as alpha_dropout
from ._dropout import dropout as dropout
from ._dropout import dropout1d as dropout1d
from ._dropout import dropout2d as dropout2d
from ._embedding import embedding as embedding
from ._embedding import embedding_bag as embedding_bag
from ._embedding import one_hot as one_hot
from ._embedding_losses import cosine_embedding_loss as cosine_embedding_loss
from ._embedding_losses import gaussian_nll_loss as gaussian_nll_loss
from ._embedding_losses import hinge_embedding_loss as hinge_embedding_loss
from ._embedding_losses import margin_ranking_loss as margin_ranking_loss
from ._embedding_losses import multi_margin_loss as multi_margin_loss
from ._embedding_losses import multilabel_margin_loss as multilabel_margin_loss
from ._embedding_losses import multilabel_soft_margin_loss as multilabel_soft_margin_loss
from ._embedding_losses import poisson_nll_loss as poisson_nll_loss
from ._embedding_losses import soft_margin_loss as soft_margin_loss
from ._embedding_losses import triplet_margin_loss as triplet_margin_loss
from ._grid_sample import affine_grid as affine_grid
from ._grid_sample import grid_sample as grid_sample
from ._interpolate import interpolate as interpolate
from ._linear import bilinear as bilinear
from ._linear import linear as linear
from ._loss import binary_cross_entropy as binary_cross_entropy
from ._loss import binary_cross_entropy_with_logits as binary_cross_entropy_with_logits
from ._loss import cross_entropy as cross_entropy
from ._loss import huber_loss as huber_loss
from ._loss import kl_div as kl_div
from ._loss import l1_loss as l1_loss
from ._loss import mse_loss as mse_loss
from ._loss import nll_loss as nll_loss
from ._loss import smooth_l1_loss as smooth_l1_loss
from ._norm import batch_norm as batch_norm
from ._norm import cosine_similarity as cosine_similarity
from ._norm import group_norm as group_norm
from ._norm import instance_norm as instance_norm
from ._norm import layer_norm as layer_norm
from ._norm import local_response_norm as local_response_norm
from ._norm import normalize as normalize
from ._norm import pairwise_distance as pairwise_distance
from ._norm import rms_norm as rms_norm

__all__ = [
    "max_unpool2d",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "multilabel_soft_margin_loss",
    "triplet_margin_loss",
    "cosine_embedding_loss",
    "ctc_loss",
    "adaptive_avg_pool3d",
    "adaptive_max_pool3d",
    "avg_pool3d",
    "conv3d",
    "max_pool3d",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "embedding_bag",
    "gumbel_softmax",
    "alpha_dropout",
    "local_response_norm",
    "affine_grid",
    "grid_sample",
    "soft_margin_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "logsigmoid",
    "pairwise_distance",
    "rms_norm",
    "instance_norm",
    "dropout2d",
    "dropout1d",
    "pixel_unshuffle",
    "pixel_shuffle",
    "flatten",
    "erf",
    "gelu",
    "celu",
    "elu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "mish",
    "relu6",
    "selu",
    "softsign",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
    "prelu",
    "hardshrink",
    "softshrink",
    "tanhshrink",
    "threshold",
    "glu",
    "softmin",
    "scaled_dot_product_attention",
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_avg_pool1d",
    "avg_pool1d",
    "max_pool1d",
    "adaptive_max_pool2d",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "interpolate",
    "fold",
    "max_pool2d",
    "pad",
    "pad2d",
    "unfold",
    "dropout",
    "embedding",
    "one_hot",
    "bilinear",
    "linear",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
    "batch_norm",
    "layer_norm",
    "group_norm",
    "normalize",
    "cosine_similarity",
]
