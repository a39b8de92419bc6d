"""The exception hierarchy: one base, one subclass per kind of mistake.

Each subclass also derives from the built-in exception that Python code already
catches for that kind of mistake, so ``except ValueError`` keeps working.
"""

from __future__ import annotations


class XpnetError(Exception):
    """Base class of every error xpnet raises on purpose."""


class ShapeError(XpnetError, ValueError):
    """Shapes that do not fit the operation (matmul, broadcasting, reshape...)."""


class DTypeError(XpnetError, TypeError):
    """A dtype the operation cannot take (an integer tensor asked for a gradient...)."""


class DeviceError(XpnetError, ValueError):
    """An unknown device, or tensors on two devices in one operation."""


class BackendError(XpnetError, ValueError):
    """An unknown backend, or tensors of two array libraries in one operation."""


class BackendUnavailableError(BackendError):
    """A known backend that cannot be used here (library missing, no GPU...)."""


class GraphError(XpnetError, RuntimeError):
    """Misuse of the autodiff graph (freed graph, in-place change, non-scalar root...)."""


class GradcheckError(XpnetError, RuntimeError):
    """``xn.autograd.gradcheck``: a Jacobian from the VJP rules differs from finite differences."""


class CheckpointError(XpnetError, ValueError):
    """A checkpoint file that is not one, is corrupt or truncated, or holds what cannot be saved."""


class OutOfRangeError(XpnetError, IndexError):
    """An index or class label outside the valid range (Embedding rows, cross-entropy classes...)."""


class OpError(XpnetError, ValueError, RuntimeError):
    """An array library failed inside an operation for a reason that fits no other class."""


class NonFiniteError(XpnetError, FloatingPointError):
    """Training produced a NaN or infinite loss (or parameters), so ``fit`` stopped."""


class ArgumentError(XpnetError, ValueError):
    """An argument outside its valid range: a stride of 0, a negative learning rate, an unknown option."""


class ArgumentTypeError(XpnetError, TypeError):
    """An argument of the wrong kind (a list where a Tensor is needed, an unknown keyword...)."""


class KeyMismatchError(XpnetError, KeyError):
    """Keys that do not match (a state dict with missing or unexpected entries)."""

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0]) if self.args else ""


class NotSupportedError(XpnetError, NotImplementedError):
    """Something xpnet does not do (yet), said plainly: Conv2d with groups > 1..."""


class MissingDependencyError(XpnetError, ImportError, RuntimeError):
    """An optional package or program a feature needs is not installed (matplotlib, Graphviz)."""


class DataNotFoundError(XpnetError, FileNotFoundError):
    """A dataset's files are not where they were looked for."""


class DistributedError(XpnetError, RuntimeError):
    """A data-parallel job is not set up (no process group) or its ranks disagree."""


class MissingFunctionError(XpnetError, AttributeError):
    """A function of the Array API standard that the xpnet namespace does not provide."""


class PerformanceWarning(UserWarning):
    """Something will run correctly but far slower than a user would expect (said once)."""
