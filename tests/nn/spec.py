"""Spec table for layers (their functional twins) and losses.

Each entry: the xpnet function, the PyTorch function it must match (used when
PyTorch is installed), input shapes and domain. Parameters are inputs, so the
gradient check covers them too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import xpnet as xn
import xpnet.nn.functional as F

from ..ops.spec import Kink


@dataclass
class NNSpec:
    name: str
    fn: Callable[..., xn.Tensor]
    torch_fn: Callable[..., Any] | None
    shapes: list[tuple[int, ...]]
    domain: str = (
        "real"  # real | prob | prob_target | distinct (values >= 0.1 apart: no near-ties for max)
    )
    ints: dict[int, np.ndarray] = field(default_factory=dict)
    covers: tuple[str, ...] = ()  # layer/loss classes this entry checks


def _like(x: xn.Tensor, a: Any) -> xn.Tensor:
    return xn.tensor(np.asarray(a), dtype=x.backend.dtype_name(x.dtype), backend=x.backend)


def _tf():
    import torch.nn.functional as TF

    return TF


def _torch():
    import torch

    return torch


CTC_TARGETS = np.array([[1, 1], [2, 1]])
BAG_IDX, BAG_OFFSETS = np.array([1, 2, 4, 5, 4, 3, 2]), np.array([0, 2, 2, 5])


def _like_int(x: xn.Tensor, a: Any) -> xn.Tensor:
    return xn.tensor(np.asarray(a), backend=x.backend)


RM = np.array([0.1, -0.2, 0.3])
RV = np.array([1.5, 0.5, 2.0])
LABELS = np.array([0, 3, 1, 2, 3])
LABELS_IGN = np.array([0, -100, 1, 2, 3])
LABELS_2D = np.array([[0, 2, 1], [3, 3, 0]])
EMB_IDX = np.array([[0, 5, 2], [2, 2, 1]])
W_CLASS = np.array([1.0, 2.0, 0.5, 1.5])

NN_SPECS: list[NNSpec] = [
    NNSpec(
        "linear",
        F.linear,
        lambda x, w, b: _tf().linear(x, w, b),
        [(4, 3), (5, 3), (5,)],
        covers=("Linear",),
    ),
    NNSpec(
        "ctc_loss",
        lambda x: F.ctc_loss(F.log_softmax(x, dim=2), CTC_TARGETS, [4, 3], [2, 2]),
        lambda x: _tf().ctc_loss(
            _tf().log_softmax(x, 2),
            _torch().tensor(CTC_TARGETS),
            _torch().tensor([4, 3]),
            _torch().tensor([2, 2]),
        ),
        [(4, 2, 3)],
        covers=("CTCLoss",),
    ),
    NNSpec(
        "local_response_norm",
        lambda x: F.local_response_norm(x, 3, 0.1, 0.75, 1.0),
        lambda x: _tf().local_response_norm(x, 3, 0.1, 0.75, 1.0),
        [(2, 5, 3)],
        covers=("LocalResponseNorm",),
    ),
    NNSpec(
        "embedding_bag-max-offsets",
        lambda w: F.embedding_bag(_like_int(w, BAG_IDX), w, _like_int(w, BAG_OFFSETS), mode="max"),
        lambda w: _tf().embedding_bag(
            _torch().tensor(BAG_IDX), w, _torch().tensor(BAG_OFFSETS), mode="max"
        ),
        [(6, 3)],
        domain="distinct",
        covers=("EmbeddingBag",),
    ),
    NNSpec(
        "conv3d-stride-pad-groups",
        lambda x, w, b: F.conv3d(x, w, b, (2, 1, 1), (1, 0, 1), 1, 2),
        lambda x, w, b: _tf().conv3d(x, w, b, (2, 1, 1), (1, 0, 1), 1, 2),
        [(1, 2, 3, 2, 2), (2, 1, 2, 1, 2), (2,)],
        covers=("Conv3d",),
    ),
    NNSpec(
        "max_pool3d",
        lambda x: F.max_pool3d(x, 2, 1),
        lambda x: _tf().max_pool3d(x, 2, 1),
        [(1, 1, 3, 3, 3)],
        domain="distinct",
        covers=("MaxPool3d",),
    ),
    NNSpec(
        "avg_pool3d-padding",
        lambda x: F.avg_pool3d(x, 3, 2, 1),
        lambda x: _tf().avg_pool3d(x, 3, 2, 1),
        [(1, 1, 4, 3, 3)],
        covers=("AvgPool3d",),
    ),
    NNSpec(
        "bilinear",
        F.bilinear,
        lambda a, b, w, c: _tf().bilinear(a, b, w, c),
        [(2, 3), (2, 2), (2, 3, 2), (2,)],
        covers=("Bilinear",),
    ),
    NNSpec(
        "unfold-torch-order",
        lambda x: F.unfold(x, (2, 3), 2, 1, (1, 2)),
        lambda x: _tf().unfold(x, (2, 3), 2, 1, (1, 2)),
        [(2, 2, 5, 6)],
        covers=("Unfold",),
    ),
    NNSpec(
        "fold-torch-order",
        lambda c: F.fold(c, (5, 6), (2, 3), 2, 1, (1, 2)),
        lambda c: _tf().fold(c, (5, 6), (2, 3), 2, 1, (1, 2)),
        [(2, 12, 10)],
        covers=("Fold",),
    ),
    NNSpec(
        "linear-batched-nobias",
        lambda x, w: F.linear(x, w),
        lambda x, w: _tf().linear(x, w),
        [(2, 4, 3), (5, 3)],
    ),
    NNSpec(
        "conv2d-pad",
        lambda x, w, b: F.conv2d(x, w, b, padding=1),
        lambda x, w, b: _tf().conv2d(x, w, b, padding=1),
        [(2, 2, 5, 5), (3, 2, 3, 3), (3,)],
        covers=("Conv2d",),
    ),
    NNSpec(
        "conv2d-many-rows",  # C*kh*kw = 72 > BATCHED_MAX: the 2-D GEMM over "rows" columns
        lambda x, w, b: F.conv2d(x, w, b, stride=(1, 2), padding=1),
        lambda x, w, b: _tf().conv2d(x, w, b, stride=(1, 2), padding=1),
        [(2, 8, 5, 6), (3, 8, 3, 3), (3,)],
    ),
    NNSpec(
        "conv2d-stride-dilation",
        lambda x, w: F.conv2d(x, w, None, stride=2, padding=(2, 1), dilation=2),
        lambda x, w: _tf().conv2d(x, w, None, stride=2, padding=(2, 1), dilation=2),
        [(1, 2, 7, 6), (2, 2, 3, 2)],
    ),
    NNSpec(
        "conv1d-pad",
        lambda x, w, b: F.conv1d(x, w, b, padding=1),
        lambda x, w, b: _tf().conv1d(x, w, b, padding=1),
        [(2, 3, 7), (4, 3, 3), (4,)],
        covers=("Conv1d",),
    ),
    NNSpec(
        "conv1d-stride-dilation",
        lambda x, w: F.conv1d(x, w, None, stride=2, padding=2, dilation=2),
        lambda x, w: _tf().conv1d(x, w, None, stride=2, padding=2, dilation=2),
        [(1, 2, 9), (3, 2, 3)],
    ),
    NNSpec(
        "conv_transpose2d-stride-pad-output_padding",
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        lambda x, w, b: _tf().conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        [(2, 3, 3, 4), (3, 2, 3, 3), (2,)],
        covers=("ConvTranspose2d",),
    ),
    NNSpec(
        "conv_transpose2d-rect-dilation",
        lambda x, w: F.conv_transpose2d(x, w, None, (1, 2), (0, 1), (0, 1), 1, (2, 1)),
        lambda x, w: _tf().conv_transpose2d(x, w, None, (1, 2), (0, 1), (0, 1), 1, (2, 1)),
        [(1, 2, 3, 3), (2, 3, 2, 3)],
    ),
    NNSpec(
        "conv_transpose2d-groups",
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, groups=2),
        lambda x, w, b: _tf().conv_transpose2d(x, w, b, stride=2, padding=1, groups=2),
        [(1, 2, 2, 2), (2, 1, 2, 2), (2,)],
    ),
    NNSpec(
        "conv_transpose1d-stride",
        lambda x, w, b: F.conv_transpose1d(x, w, b, stride=3, padding=1),
        lambda x, w, b: _tf().conv_transpose1d(x, w, b, stride=3, padding=1),
        [(2, 3, 4), (3, 2, 3), (2,)],
        covers=("ConvTranspose1d",),
    ),
    NNSpec(
        "interpolate-bilinear",
        lambda x: F.interpolate(x, size=(5, 3), mode="bilinear"),
        lambda x: _tf().interpolate(x, size=(5, 3), mode="bilinear"),
        [(2, 2, 3, 4)],
        covers=("Upsample",),
    ),
    NNSpec(
        "interpolate-nearest-scale",
        lambda x: F.interpolate(x, scale_factor=(2, 0.5)),
        lambda x: _tf().interpolate(x, scale_factor=(2, 0.5)),
        [(2, 2, 3, 4)],
    ),
    NNSpec(
        "interpolate-linear-align-corners",
        lambda x: F.interpolate(x, scale_factor=2.5, mode="linear", align_corners=True),
        lambda x: _tf().interpolate(x, scale_factor=2.5, mode="linear", align_corners=True),
        [(2, 3, 4)],
    ),
    NNSpec(
        "margin_ranking_loss",
        lambda a, b, y: F.margin_ranking_loss(a, b, y, margin=0.3),
        lambda a, b, y: _tf().margin_ranking_loss(a, b, y, margin=0.3),
        [(6,), (6,), (6,)],
        ints={2: np.array([1, -1, 1, 1, -1, -1])},
        covers=("MarginRankingLoss",),
    ),
    NNSpec(
        "hinge_embedding_loss",
        lambda x, y: F.hinge_embedding_loss(x, y, margin=0.5, reduction="sum"),
        lambda x, y: _tf().hinge_embedding_loss(x, y, margin=0.5, reduction="sum"),
        [(2, 3), (2, 3)],
        ints={1: np.array([[1, -1, 1], [-1, -1, 1]])},
        covers=("HingeEmbeddingLoss",),
    ),
    NNSpec(
        "soft_margin_loss",
        lambda x, y: F.soft_margin_loss(x, y),
        lambda x, y: _tf().soft_margin_loss(x, y),
        [(2, 3), (2, 3)],
        ints={1: np.array([[1, -1, 1], [-1, -1, 1]])},
        covers=("SoftMarginLoss",),
    ),
    NNSpec(
        "cosine_embedding_loss",
        lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.1),
        lambda a, b, y: _tf().cosine_embedding_loss(a, b, y, margin=0.1),
        [(4, 3), (4, 3), (4,)],
        ints={2: np.array([1, -1, -1, 1])},
        covers=("CosineEmbeddingLoss",),
    ),
    NNSpec(
        "triplet_margin_loss-swap",
        lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=2.0, swap=True),
        lambda a, p, n: _tf().triplet_margin_loss(a, p, n, margin=2.0, swap=True),
        [(4, 3), (4, 3), (4, 3)],
        covers=("TripletMarginLoss",),
    ),
    NNSpec(
        "multilabel_soft_margin_loss",
        lambda x, y: F.multilabel_soft_margin_loss(x, y),
        lambda x, y: _tf().multilabel_soft_margin_loss(x, y),
        [(3, 4), (3, 4)],
        ints={1: np.array([[1, 0, 0, 1], [0, 0, 1, 0], [1, 1, 1, 0]])},
        covers=("MultiLabelSoftMarginLoss",),
    ),
    NNSpec(
        "gaussian_nll_loss-full",
        lambda x, t, v: F.gaussian_nll_loss(x, t, v * v + 0.1, full=True),
        lambda x, t, v: _tf().gaussian_nll_loss(x, t, v * v + 0.1, full=True),
        [(4, 2), (4, 2), (4, 1)],
        covers=("GaussianNLLLoss",),
    ),
    NNSpec(
        "poisson_nll_loss",
        lambda x, t: F.poisson_nll_loss(x, t * t, full=True),
        lambda x, t: _tf().poisson_nll_loss(x, t * t, full=True),
        [(3, 4), (3, 4)],
        covers=("PoissonNLLLoss",),
    ),
    NNSpec(
        "poisson_nll_loss-rates",
        lambda x, t: F.poisson_nll_loss(x * x + 0.5, t * t, log_input=False, reduction="sum"),
        lambda x, t: _tf().poisson_nll_loss(x * x + 0.5, t * t, log_input=False, reduction="sum"),
        [(3, 4), (3, 4)],
    ),
    NNSpec(
        "conv2d-same-dilated",
        lambda x, w: F.conv2d(x, w, padding="same", dilation=(1, 2)),
        lambda x, w: _tf().conv2d(x, w, padding="same", dilation=(1, 2)),
        [(1, 2, 5, 6), (3, 2, 3, 3)],
    ),
    NNSpec(
        "avg_pool2d-ceil-exclude-pad",
        lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        lambda x: _tf().avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        [(1, 2, 6, 7)],
    ),
    NNSpec(
        "max_pool2d-ceil",
        lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True),
        lambda x: _tf().max_pool2d(x, 3, 2, ceil_mode=True),
        [(1, 2, 6, 7)],
        domain="distinct",
    ),
    NNSpec(
        "conv2d-groups",
        lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2),
        lambda x, w, b: _tf().conv2d(x, w, b, padding=1, groups=2),
        [(2, 4, 4, 5), (6, 2, 3, 3), (6,)],
    ),
    NNSpec(
        "conv2d-depthwise-stride",
        lambda x, w: F.conv2d(x, w, stride=2, groups=3),
        lambda x, w: _tf().conv2d(x, w, stride=2, groups=3),
        [(1, 3, 6, 5), (3, 1, 2, 2)],
    ),
    NNSpec(
        "conv1d-groups",
        lambda x, w: F.conv1d(x, w, padding=1, groups=2),
        lambda x, w: _tf().conv1d(x, w, padding=1, groups=2),
        [(2, 4, 6), (4, 2, 3)],
    ),
    NNSpec(
        "adaptive_avg_pool2d-uneven",
        lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
        lambda x: _tf().adaptive_avg_pool2d(x, (3, 2)),
        [(2, 2, 5, 7)],
        covers=("AdaptiveAvgPool2d",),
    ),
    NNSpec(
        "adaptive_avg_pool2d-even-1",
        lambda x: F.adaptive_avg_pool2d(x, 1),
        lambda x: _tf().adaptive_avg_pool2d(x, 1),
        [(2, 3, 4, 4)],
    ),
    NNSpec(
        "adaptive_avg_pool2d-unbatched-none",
        lambda x: F.adaptive_avg_pool2d(x, (None, 3)),
        lambda x: _tf().adaptive_avg_pool2d(x, (None, 3)),
        [(2, 4, 6)],
    ),
    NNSpec(
        "pad-torch-order",
        lambda x: F.pad(x, (1, 2, 0, 1), value=0.5),
        lambda x: _tf().pad(x, (1, 2, 0, 1), value=0.5),
        [(2, 3, 4)],
    ),
    NNSpec(
        "max_pool2d",
        lambda x: F.max_pool2d(x, 2),
        lambda x: _tf().max_pool2d(x, 2),
        [(2, 3, 4, 6)],
        domain="distinct",
        covers=("MaxPool2d",),
    ),
    NNSpec(
        "max_pool2d-overlap-pad",
        lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
        lambda x: _tf().max_pool2d(x, 3, stride=2, padding=1),
        [(1, 2, 5, 5)],
        domain="distinct",
    ),
    NNSpec(
        "avg_pool2d",
        lambda x: F.avg_pool2d(x, 2),
        lambda x: _tf().avg_pool2d(x, 2),
        [(2, 2, 4, 4)],
        covers=("AvgPool2d",),
    ),
    NNSpec(
        "avg_pool2d-stride-pad",
        lambda x: F.avg_pool2d(x, 3, stride=2, padding=1),
        lambda x: _tf().avg_pool2d(x, 3, stride=2, padding=1),
        [(1, 2, 5, 6)],
    ),
    NNSpec(
        "dropout-train",
        lambda x: F.dropout(x, 0.3, True, generator=xn.Generator(0, backend=x.backend)),
        None,
        [(4, 5)],
        covers=("Dropout",),
    ),
    NNSpec(
        "batch_norm2d-train",
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: _tf().batch_norm(x, None, None, w, b, training=True),
        [(4, 3, 2, 2), (3,), (3,)],
        covers=("BatchNorm2d",),
    ),
    NNSpec(
        "batch_norm1d-train",
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: _tf().batch_norm(x, None, None, w, b, training=True),
        [(6, 3), (3,), (3,)],
        covers=("BatchNorm1d",),
    ),
    NNSpec(
        "batch_norm-eval",
        lambda x, w, b: F.batch_norm(x, _like(x, RM), _like(x, RV), w, b, training=False),
        lambda x, w, b: _tf().batch_norm(x, _t(RM, x), _t(RV, x), w, b, training=False),
        [(4, 3, 2), (3,), (3,)],
    ),
    NNSpec(
        "layer_norm",
        lambda x, w, b: F.layer_norm(x, (4, 5), w, b),
        lambda x, w, b: _tf().layer_norm(x, (4, 5), w, b),
        [(3, 4, 5), (4, 5), (4, 5)],
        covers=("LayerNorm",),
    ),
    NNSpec(
        "rms_norm",
        lambda x, w: F.rms_norm(x, (4, 5), w, eps=1e-6),
        lambda x, w: _tf().rms_norm(x, (4, 5), w, eps=1e-6),
        [(3, 4, 5), (4, 5)],
        covers=("RMSNorm",),
    ),
    NNSpec(
        "cosine_similarity",
        lambda a, b: F.cosine_similarity(a, b, dim=1),
        lambda a, b: _tf().cosine_similarity(a, b, dim=1),
        [(3, 4), (3, 4)],
        covers=("CosineSimilarity",),
    ),
    NNSpec(
        "pairwise_distance",
        lambda a, b: F.pairwise_distance(a, b, p=3.0),
        lambda a, b: _tf().pairwise_distance(a, b, p=3.0),
        [(3, 4), (3, 4)],
        covers=("PairwiseDistance",),
    ),
    NNSpec(
        "embedding-dup",
        lambda i, w: F.embedding(i, w),
        lambda i, w: _tf().embedding(i, w),
        [(2, 3), (6, 4)],
        ints={0: EMB_IDX},
        covers=("Embedding",),
    ),
    NNSpec("relu", F.relu, lambda x: _tf().relu(x), [(3, 4)], covers=("ReLU",)),
    NNSpec(
        "leaky_relu",
        lambda x: F.leaky_relu(x, 0.2),
        lambda x: _tf().leaky_relu(x, 0.2),
        [(3, 4)],
        covers=("LeakyReLU",),
    ),
    NNSpec("sigmoid", F.sigmoid, lambda x: _tf().sigmoid(x), [(3, 4)], covers=("Sigmoid",)),
    NNSpec("tanh", F.tanh, lambda x: _tf().tanh(x), [(3, 4)], covers=("Tanh",)),
    NNSpec("gelu", F.gelu, lambda x: _tf().gelu(x), [(3, 4)], covers=("GELU",)),
    NNSpec(
        "gelu-tanh",
        lambda x: F.gelu(x, "tanh"),
        lambda x: _tf().gelu(x, approximate="tanh"),
        [(3, 4)],
    ),
    NNSpec(
        "softmax",
        lambda x: F.softmax(x, axis=1),
        lambda x: _tf().softmax(x, dim=1),
        [(3, 4)],
        covers=("Softmax",),
    ),
    NNSpec(
        "log_softmax",
        lambda x: F.log_softmax(x, axis=-1),
        lambda x: _tf().log_softmax(x, dim=-1),
        [(3, 4)],
        covers=("LogSoftmax",),
    ),
    NNSpec("softplus", F.softplus, lambda x: _tf().softplus(x), [(3, 4)], covers=("Softplus",)),
    NNSpec(
        "softplus-beta-threshold",
        lambda x: xn.nn.Softplus(beta=2.0, threshold=1.0)(x),
        lambda x: _tf().softplus(x, beta=2.0, threshold=1.0),
        [(3, 4)],
    ),
    NNSpec("silu", F.silu, lambda x: _tf().silu(x), [(3, 4)], covers=("SiLU",)),
    NNSpec(
        "identity",
        lambda x: xn.nn.Identity(54, unused=1)(x),
        lambda x: x,
        [(3, 4)],
        covers=("Identity",),
    ),
    NNSpec(
        "unflatten",
        lambda x: xn.nn.Unflatten(1, (2, -1))(x) * 1.0,
        lambda x: x.unflatten(1, (2, -1)),
        [(3, 6, 2)],
        covers=("Unflatten",),
    ),
    NNSpec("log_sigmoid", F.log_sigmoid, lambda x: _tf().logsigmoid(x), [(3, 4)]),
    NNSpec(
        "flatten",
        lambda x: F.flatten(x, 1),
        lambda x: x.flatten(1),
        [(2, 3, 4)],
        covers=("Flatten",),
    ),
    # losses
    NNSpec(
        "mse_loss",
        F.mse_loss,
        lambda a, b: _tf().mse_loss(a, b),
        [(4, 3), (4, 3)],
        covers=("MSELoss",),
    ),
    NNSpec(
        "l1_loss-sum",
        lambda a, b: F.l1_loss(a, b, "sum"),
        lambda a, b: _tf().l1_loss(a, b, reduction="sum"),
        [(4, 3), (4, 3)],
        covers=("L1Loss",),
    ),
    NNSpec(
        "huber_loss",
        lambda a, b: F.huber_loss(a, b, delta=0.7),
        lambda a, b: _tf().huber_loss(a, b, delta=0.7),
        [(4, 3), (4, 3)],
        covers=("HuberLoss",),
    ),
    NNSpec(
        "binary_cross_entropy",
        F.binary_cross_entropy,
        lambda p, t: _tf().binary_cross_entropy(p, t),
        [(5,), (5,)],
        domain="prob",
        covers=("BCELoss",),
    ),
    NNSpec(
        "bce_with_logits-pos_weight-none",
        lambda x, t, pw: F.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=pw),
        lambda x, t, pw: _tf().binary_cross_entropy_with_logits(
            x, t, reduction="none", pos_weight=pw
        ),
        [(4, 3), (4, 3), (3,)],
        domain="prob_target",
        covers=("BCEWithLogitsLoss",),
    ),
    NNSpec(
        "bce_with_logits",
        F.binary_cross_entropy_with_logits,
        lambda x, t: _tf().binary_cross_entropy_with_logits(x, t),
        [(6,), (6,)],
        domain="prob_target",
    ),
    NNSpec(
        "cross_entropy",
        lambda x, y: F.cross_entropy(x, y),
        lambda x, y: _tf().cross_entropy(x, y),
        [(5, 4), (5,)],
        ints={1: LABELS},
        covers=("CrossEntropyLoss",),
    ),
    NNSpec(
        "cross_entropy-weight-ignore-smoothing",
        lambda x, y: F.cross_entropy(x, y, _like(x, W_CLASS), label_smoothing=0.1),
        lambda x, y: _tf().cross_entropy(x, y, _t(W_CLASS, x), label_smoothing=0.1),
        [(5, 4), (5,)],
        ints={1: LABELS_IGN},
    ),
    NNSpec(
        "cross_entropy-kdim-none",
        lambda x, y: F.cross_entropy(x, y, reduction="none"),
        lambda x, y: _tf().cross_entropy(x, y, reduction="none"),
        [(2, 4, 3), (2, 3)],
        ints={1: LABELS_2D},
    ),
    NNSpec(
        "cross_entropy-probs",
        lambda x, p: F.cross_entropy(x, F.softmax(p, axis=1), label_smoothing=0.2),
        lambda x, p: _tf().cross_entropy(x, _tf().softmax(p, dim=1), label_smoothing=0.2),
        [(3, 4), (3, 4)],
    ),
    NNSpec(
        "nll_loss-sum",
        lambda x, y: F.nll_loss(F.log_softmax(x, axis=1), y, reduction="sum"),
        lambda x, y: _tf().nll_loss(_tf().log_softmax(x, dim=1), y, reduction="sum"),
        [(5, 4), (5,)],
        ints={1: LABELS},
        covers=("NLLLoss",),
    ),
]


def _t(a: np.ndarray, like: Any) -> Any:
    import torch

    return torch.tensor(a, dtype=like.dtype)


def make_inputs(spec: NNSpec, rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for i, shape in enumerate(spec.shapes):
        if i in spec.ints:
            out.append(spec.ints[i])
        elif spec.domain == "prob" or (spec.domain == "prob_target" and i == 1):
            out.append(rng.uniform(0.05, 0.95, shape))
        elif spec.domain == "distinct":
            n = int(np.prod(shape))
            out.append(
                (rng.permutation(n) * 0.1 - 0.05 * n).reshape(shape) + rng.uniform(0, 0.01, shape)
            )
        elif spec.domain == "prob_target" and i == 2:
            out.append(rng.uniform(0.5, 2.0, shape))
        else:
            out.append(rng.standard_normal(shape))
    return out


# Activations and losses at their zero or kink: first and second derivatives are
# PyTorch's (checked against it when installed). ``covers`` names the layer/loss class.
def _z(x: Any) -> Any:
    return x * 0.0


NN_KINKS: list[tuple[str, Kink]] = [
    ("ReLU", Kink("relu", "relu-at-0", F.relu, lambda x: _tf().relu(x), [0.0], [0.0], [0.0])),
    (
        "LeakyReLU",
        Kink(
            "leaky_relu",
            "leaky_relu-at-0",
            lambda x: F.leaky_relu(x, 0.1),
            lambda x: _tf().leaky_relu(x, 0.1),
            [0.0],
            [0.1],
            [0.0],
        ),
    ),
    (
        "GELU",
        Kink(
            "gelu", "gelu-at-0", F.gelu, lambda x: _tf().gelu(x), [0.0], [0.5], [0.7978845608028654]
        ),
    ),
    (
        "GELU",
        Kink(
            "gelu",
            "gelu-tanh-at-0",
            lambda x: F.gelu(x, approximate="tanh"),
            lambda x: _tf().gelu(x, approximate="tanh"),
            [0.0],
            [0.5],
            [0.7978845608028654],
        ),
    ),
    ("Sigmoid", Kink("sigmoid", "sigmoid-at-0", F.sigmoid, None, [0.0], [0.25], [0.0])),
    ("Tanh", Kink("tanh", "tanh-at-0", F.tanh, None, [0.0], [1.0], [0.0])),
    (
        "softplus",
        Kink(
            "softplus",
            "softplus-at-0",
            F.softplus,
            lambda x: _tf().softplus(x),
            [0.0],
            [0.5],
            [0.25],
        ),
    ),
    (
        "log_sigmoid",
        Kink(
            "logsigmoid",
            "log_sigmoid-at-0",
            F.log_sigmoid,
            lambda x: _tf().logsigmoid(x),
            [0.0],
            [0.5],
            [-0.25],
        ),
    ),
    (
        "BCEWithLogitsLoss",
        Kink(
            "bce_with_logits",
            "bce_with_logits-at-0",
            lambda x: F.binary_cross_entropy_with_logits(x, _z(x), reduction="sum"),
            lambda x: _tf().binary_cross_entropy_with_logits(x, x.detach() * 0, reduction="sum"),
            [0.0],
            [0.5],
            [0.25],
        ),
    ),
    (
        "L1Loss",
        Kink(
            "l1_loss",
            "l1_loss-at-0",
            lambda x: F.l1_loss(x, _z(x), reduction="sum"),
            lambda x: _tf().l1_loss(x, x.detach() * 0, reduction="sum"),
            [0.0],
            [0.0],
            [0.0],
        ),
    ),
    (
        "HuberLoss",
        Kink(
            "huber_loss",
            "huber_loss-at-delta-and-0",
            lambda x: F.huber_loss(x, _z(x), reduction="sum", delta=1.0),
            lambda x: _tf().huber_loss(x, x.detach() * 0, reduction="sum", delta=1.0),
            [1.0, 0.0],
            [1.0, 0.0],
            [0.0, 1.0],
        ),
    ),
    (
        "MSELoss",
        Kink(
            "mse_loss",
            "mse_loss-at-0",
            lambda x: F.mse_loss(x, _z(x), reduction="sum"),
            lambda x: _tf().mse_loss(x, x.detach() * 0, reduction="sum"),
            [0.0],
            [0.0],
            [2.0],
        ),
    ),
]
