"""Neural-network building blocks with PyTorch's names (``xn.nn``)."""

from . import functional as functional
from . import init as init
from . import parallel as parallel
from . import parameter as parameter
from . import utils as utils
from ._activation import CELU as CELU
from ._activation import ELU as ELU
from ._activation import GELU as GELU
from ._activation import GLU as GLU
from ._activation import SELU as SELU
from ._activation import Flatten as Flatten
from ._activation import Hardshrink as Hardshrink
from ._activation import Hardsigmoid as Hardsigmoid
from ._activation import Hardswish as Hardswish
from ._activation import Hardtanh as Hardtanh
from ._activation import Identity as Identity
from ._activation import LeakyReLU as LeakyReLU
from ._activation import LogSigmoid as LogSigmoid
from ._activation import LogSoftmax as LogSoftmax
from ._activation import Mish as Mish
from ._activation import PReLU as PReLU
from ._activation import ReLU as ReLU
from ._activation import ReLU6 as ReLU6
from ._activation import Sigmoid as Sigmoid
from ._activation import SiLU as SiLU
from ._activation import Softmax as Softmax
from ._activation import Softmax2d as Softmax2d
from ._activation import Softmin as Softmin
from ._activation import Softplus as Softplus
from ._activation import Softshrink as Softshrink
from ._activation import Softsign as Softsign
from ._activation import Tanh as Tanh
from ._activation import Tanhshrink as Tanhshrink
from ._activation import Threshold as Threshold
from ._activation import Unflatten as Unflatten
from ._attention import MultiheadAttention as MultiheadAttention
from ._attention import Transformer as Transformer
from ._attention import TransformerDecoder as TransformerDecoder
from ._attention import TransformerDecoderLayer as TransformerDecoderLayer
from ._attention import TransformerEncoder as TransformerEncoder
from ._attention import TransformerEncoderLayer as TransformerEncoderLayer
from ._container import ModuleDict as ModuleDict
from ._container import ModuleList as ModuleList
from ._container import ParameterDict as ParameterDict
from ._container import ParameterList as ParameterList
from ._container import Sequential as Sequential
from ._conv import AdaptiveAvgPool1d as AdaptiveAvgPool1d
from ._conv import AdaptiveAvgPool2d as AdaptiveAvgPool2d
from ._conv import AdaptiveAvgPool3d as AdaptiveAvgPool3d
from ._conv import AdaptiveMaxPool1d as AdaptiveMaxPool1d
from ._conv import AdaptiveMaxPool2d as AdaptiveMaxPool2d
from ._conv import AdaptiveMaxPool3d as AdaptiveMaxPool3d
from ._conv import AvgPool1d as AvgPool1d
from ._conv import AvgPool2d as AvgPool2d
from ._conv import AvgPool3d as AvgPool3d
from ._conv import Conv1d as Conv1d
from ._conv import Conv2d as Conv2d
from ._conv import Conv3d as Conv3d
from ._conv import ConvTranspose1d as ConvTranspose1d
from ._conv import ConvTranspose2d as ConvTranspose2d
from ._conv import MaxPool1d as MaxPool1d
from ._conv import MaxPool2d as MaxPool2d
from ._conv import MaxPool3d as MaxPool3d
from ._conv import MaxUnpool2d as MaxUnpool2d
from ._conv import PixelShuffle as PixelShuffle
from ._conv import PixelUnshuffle as PixelUnshuffle
from ._dropout import AlphaDropout as AlphaDropout
from ._dropout import Dropout as Dropout
from ._dropout import Dropout1d as Dropout1d
from ._dropout import Dropout2d as Dropout2d
from ._fold import Fold as Fold
from ._fold import Unfold as Unfold
from ._linear import Bilinear as Bilinear
from ._linear import Embedding as Embedding
from ._linear import EmbeddingBag as EmbeddingBag
from ._linear import LazyLinear as LazyLinear
from ._linear import Linear as Linear
from ._loss import BCELoss as BCELoss
from ._loss import BCEWithLogitsLoss as BCEWithLogitsLoss
from ._loss import CosineEmbeddingLoss as CosineEmbeddingLoss
from ._loss import CrossEntropyLoss as CrossEntropyLoss
from ._loss import CTCLoss as CTCLoss
from ._loss import GaussianNLLLoss as GaussianNLLLoss
from ._loss import HingeEmbeddingLoss as HingeEmbeddingLoss
from ._loss import HuberLoss as HuberLoss
from ._loss import KLDivLoss as KLDivLoss
from ._loss import L1Loss as L1Loss
from ._loss import MarginRankingLoss as MarginRankingLoss
from ._loss import MSELoss as MSELoss
from ._loss import MultiLabelMarginLoss as MultiLabelMarginLoss
from ._loss import MultiLabelSoftMarginLoss as MultiLabelSoftMarginLoss
from ._loss import MultiMarginLoss as MultiMarginLoss
from ._loss import NLLLoss as NLLLoss
from ._loss import PoissonNLLLoss as PoissonNLLLoss
from ._loss import SmoothL1Loss as SmoothL1Loss
from ._loss import SoftMarginLoss as SoftMarginLoss
from ._loss import TripletMarginLoss as TripletMarginLoss
from ._module import Module as Module
from ._norm import BatchNorm1d as BatchNorm1d
from ._norm import BatchNorm2d as BatchNorm2d
from ._norm import BatchNorm3d as BatchNorm3d
from ._norm import CosineSimilarity as CosineSimilarity
from ._norm import GroupNorm as GroupNorm
from ._norm import InstanceNorm1d as InstanceNorm1d
from ._norm import InstanceNorm2d as InstanceNorm2d
from ._norm import LayerNorm as LayerNorm
from ._norm import LocalResponseNorm as LocalResponseNorm
from ._norm import PairwiseDistance as PairwiseDistance
from ._norm import RMSNorm as RMSNorm
from ._padding import CircularPad1d as CircularPad1d
from ._padding import CircularPad2d as CircularPad2d
from ._padding import CircularPad3d as CircularPad3d
from ._padding import ConstantPad1d as ConstantPad1d
from ._padding import ConstantPad2d as ConstantPad2d
from ._padding import ConstantPad3d as ConstantPad3d
from ._padding import ReflectionPad1d as ReflectionPad1d
from ._padding import ReflectionPad2d as ReflectionPad2d
from ._padding import ReflectionPad3d as ReflectionPad3d
from ._padding import ReplicationPad1d as ReplicationPad1d
from ._padding import ReplicationPad2d as ReplicationPad2d
from ._padding import ReplicationPad3d as ReplicationPad3d
from ._padding import ZeroPad1d as ZeroPad1d
from ._padding import ZeroPad2d as ZeroPad2d
from ._padding import ZeroPad3d as ZeroPad3d
from ._parameter import Parameter as Parameter
from ._rnn import GRU as GRU
from ._rnn import LSTM as LSTM
from ._rnn import RNN as RNN
from ._rnn import GRUCell as GRUCell
from ._rnn import LSTMCell as LSTMCell
from ._rnn import RNNBase as RNNBase
from ._rnn import RNNCell as RNNCell
from ._rnn import RNNCellBase as RNNCellBase
from ._summary import Summary as Summary
from ._summary import summary as summary
from ._upsample import Upsample as Upsample

__all__ = [
    "MaxUnpool2d",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "PoissonNLLLoss",
    "GaussianNLLLoss",
    "MultiLabelSoftMarginLoss",
    "TripletMarginLoss",
    "CosineEmbeddingLoss",
    "CTCLoss",
    "MultiLabelMarginLoss",
    "MultiMarginLoss",
    "SoftMarginLoss",
    "HingeEmbeddingLoss",
    "MarginRankingLoss",
    "InstanceNorm2d",
    "InstanceNorm1d",
    "Dropout2d",
    "Dropout1d",
    "PixelUnshuffle",
    "PixelShuffle",
    "functional",
    "init",
    "parallel",
    "utils",
    "GELU",
    "CELU",
    "ELU",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "Mish",
    "ReLU6",
    "SELU",
    "Softsign",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "LogSoftmax",
    "ReLU",
    "Sigmoid",
    "SiLU",
    "Softmax",
    "Softplus",
    "Tanh",
    "PReLU",
    "Hardshrink",
    "Softshrink",
    "Tanhshrink",
    "LogSigmoid",
    "Threshold",
    "GLU",
    "Softmin",
    "Unflatten",
    "MultiheadAttention",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "ModuleDict",
    "ModuleList",
    "ParameterDict",
    "ParameterList",
    "Sequential",
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool1d",
    "AdaptiveAvgPool1d",
    "AvgPool1d",
    "MaxPool1d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "MaxPool2d",
    "Dropout",
    "Embedding",
    "LazyLinear",
    "Linear",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "SmoothL1Loss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "Module",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LayerNorm",
    "RMSNorm",
    "CosineSimilarity",
    "PairwiseDistance",
    "GroupNorm",
    "Parameter",
    "GRU",
    "LSTM",
    "RNN",
    "GRUCell",
    "LSTMCell",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
    "Summary",
    "Upsample",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool3d",
    "AvgPool3d",
    "Conv3d",
    "MaxPool3d",
    "AlphaDropout",
    "LocalResponseNorm",
    "Softmax2d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "Bilinear",
    "EmbeddingBag",
    "Fold",
    "Unfold",
    "summary",
]
