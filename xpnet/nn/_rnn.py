"""Recurrent layers with PyTorch's names, parameters, shapes and equations: RNN, LSTM, GRU
and their one-step cells.

A layer projects its whole input sequence with one product (``x W_ih^T + b_ih`` for all
time steps), then runs the recurrence one step at a time with xpnet's own ops, so the
backward pass is backpropagation through time by the engine (each step's slice of the
projection costs no full-size cotangent: the engine adds slices' cotangents into one
buffer). The step equations, with ``xw`` the input's projection of that step:

- RNN:  h' = tanh(xw + h W_hh^T + b_hh)   (or relu: ``nonlinearity="relu"``)
- LSTM: i, f, g, o = split(xw + h W_hh^T + b_hh); c' = sigmoid(f) c + sigmoid(i) tanh(g);
  h' = sigmoid(o) tanh(c')   (with ``proj_size``: h' projected by W_hr)
- GRU:  r, z = sigmoid(xw_rz + (h W_hh^T + b_hh)_rz); n = tanh(xw_n + r (h W_hh^T + b_hh)_n);
  h' = (1 - z) n + z h
"""

from __future__ import annotations

import math
from typing import Any

from .. import ops
from .._errors import ArgumentError, ArgumentTypeError, ShapeError
from ..autodiff import describe
from ..tensor import Tensor
from . import functional as F
from . import init
from ._factory import empty_parameter
from ._module import Module
from .utils.rnn import PackedSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
State = Any  # a Tensor, or (h, c) for the LSTM


def _check_sizes(op: str, input_size: int, hidden_size: int) -> None:
    for name, v in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ArgumentError(f"{op}: {name} must be a positive int, got {v!r}")


def _mode(op: str, nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ArgumentError(f"{op}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return "RNN_" + nonlinearity.upper()


def _step(
    mode: str, xw: Tensor, h: Tensor, c: Tensor | None, w_hh: Tensor, b_hh: Tensor | None,
    w_hr: Tensor | None = None,
) -> tuple[Tensor, Tensor | None]:  # fmt: skip
    """One time step of ``mode`` from the input's projection ``xw``: (h', c')."""
    hw = F.linear(h, w_hh, b_hh)
    if mode == "RNN_TANH":
        return ops.tanh(xw + hw), None
    if mode == "RNN_RELU":
        return ops.relu(xw + hw), None
    n = w_hh.shape[0] // _GATES[mode]
    if mode == "LSTM":
        gates = xw + hw
        i, f, g, o = (gates[..., k * n : (k + 1) * n] for k in range(4))
        assert c is not None
        c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
        h = ops.sigmoid(o) * ops.tanh(c)
        return (h if w_hr is None else F.linear(h, w_hr)), c
    r = ops.sigmoid(xw[..., :n] + hw[..., :n])
    z = ops.sigmoid(xw[..., n : 2 * n] + hw[..., n : 2 * n])
    new = ops.tanh(xw[..., 2 * n :] + r * hw[..., 2 * n :])
    return (1.0 - z) * new + z * h, None


def _uniform_init(m: Module) -> None:
    """PyTorch's initialisation of every recurrent weight and bias: U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1.0 / math.sqrt(m.hidden_size)
    for p in m.parameters():
        init.uniform_(p, -bound, bound)


def _tensor_input(op: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise ArgumentTypeError(
            f"{op}: the input must be a Tensor or (layers) a PackedSequence, got {type(x).__name__}"
        )
    return x


class RNNBase(Module):
    """The stack of (bidirectional) recurrent layers that RNN, LSTM and GRU share: PyTorch's
    parameters ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``
    (``_reverse`` for the backward direction; LSTM ``weight_hr_l{k}`` with ``proj_size``),
    in PyTorch's order, so its state dicts load unchanged, all initialised U(-1/sqrt(H),
    1/sqrt(H)) as PyTorch does."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        op = type(self).__name__
        _check_sizes(op, input_size, hidden_size)
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers < 1:
            raise ArgumentError(f"{op}: num_layers must be a positive int, got {num_layers!r}")
        if not 0.0 <= float(dropout) <= 1.0:
            raise ArgumentError(f"{op}: dropout must be in [0, 1], got {dropout}")
        if proj_size and (mode != "LSTM" or not 0 < proj_size < hidden_size):
            raise ArgumentError(
                f"{op}: proj_size {proj_size} must be in (0, hidden_size = {hidden_size}), and "
                "only the LSTM has it"
            )
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        out_size = proj_size or hidden_size
        self._names: list[list[str]] = []  # per layer and direction, PyTorch's order
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else out_size * directions
            for d in range(directions):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (gate_size, n_in)),
                    ("weight_hh", (gate_size, out_size)),
                ]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + sfx, empty_parameter(shape, backend, device, dtype))
                self._names.append([name + sfx for name, _ in shapes])
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _uniform_init(self)

    def flatten_parameters(self) -> None:
        """Nothing to do (PyTorch packs the weights for cuDNN here); kept so code that calls
        it runs unchanged."""

    @property
    def all_weights(self) -> list[list[Tensor]]:
        """The parameters of each layer and direction, in PyTorch's order."""
        return [[getattr(self, n) for n in names] for names in self._names]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:  # PyTorch's repr, which leaves out the nonlinearity
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    def _weights(
        self, k: int
    ) -> tuple[Tensor, Tensor | None, Tensor, Tensor | None, Tensor | None]:
        """Layer-direction ``k``'s (w_ih, b_ih, w_hh, b_hh, w_hr)."""
        p = {n.rsplit("_l", 1)[0]: getattr(self, n) for n in self._names[k]}
        return (
            p["weight_ih"],
            p.get("bias_ih"),
            p["weight_hh"],
            p.get("bias_hh"),
            p.get("weight_hr"),
        )

    def _initial(self, op: str, given: Any, x: Tensor, size: int, batch: int | None) -> Tensor:
        shape = (self.num_layers * (2 if self.bidirectional else 1),) + (
            (size,) if batch is None else (batch, size)
        )
        if given is None:
            return ops.zeros(shape, dtype=x.dtype, backend=x.backend)
        if not isinstance(given, Tensor) or given.shape != shape:
            what = describe(given) if isinstance(given, Tensor) else type(given).__name__
            raise ShapeError(f"{op}: expected an initial state of shape {shape}, got {what}")
        return given

    def forward(self, input: Tensor | PackedSequence, hx: State = None) -> tuple[Any, State]:
        op = type(self).__name__
        packed = input if isinstance(input, PackedSequence) else None
        if packed is not None:  # (L, N, F): the batch-first flag does not apply
            input = packed.padded
        x = _tensor_input(op, input)
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{op}: expected an input (L, N, {self.input_size}) ((N, L, {self.input_size}) "
                f"with batch_first; unbatched (L, {self.input_size})), got {describe(x)}"
            )
        unbatched = x.ndim == 2
        if unbatched:
            x = ops.expand_dims(x, axis=1)
        elif self.batch_first and packed is None:
            x = ops.swapaxes(x, 0, 1)  # to (L, N, features)
        batch = None if unbatched else x.shape[1]
        valid = packed.mask() if packed is not None else None  # (L, N, 1): inside a sequence
        lstm = self.mode == "LSTM"
        if lstm and hx is not None and not (isinstance(hx, tuple) and len(hx) == 2):
            raise ArgumentTypeError(f"{op}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
        h0 = self._initial(op, hx[0] if lstm and hx is not None else hx, x,
                           self.proj_size or self.hidden_size, batch)  # fmt: skip
        c0 = (
            self._initial(op, hx[1] if hx is not None else None, x, self.hidden_size, batch)
            if lstm
            else None
        )
        if unbatched:
            h0 = ops.expand_dims(h0, axis=1)
            c0 = None if c0 is None else ops.expand_dims(c0, axis=1)
        directions = 2 if self.bidirectional else 1
        steps = x.shape[0]
        hs, cs = [], []
        for layer in range(self.num_layers):
            outputs = []
            for d in range(directions):
                k = layer * directions + d
                w_ih, b_ih, w_hh, b_hh, w_hr = self._weights(k)
                xw = F.linear(x, w_ih, b_ih)  # every step's input projection in one product
                h, c = h0[k], None if c0 is None else c0[k]
                out: list[Any] = [None] * steps
                for t in reversed(range(steps)) if d else range(steps):
                    h_new, c_new = _step(self.mode, xw[t], h, c, w_hh, b_hh, w_hr)
                    if valid is None:
                        h, c = h_new, c_new
                        out[t] = h
                    else:  # past its end a sequence keeps its state and outputs 0
                        m = valid[t]
                        h = ops.where(m, h_new, h)
                        c = None if c is None else ops.where(m, c_new, c)
                        out[t] = ops.where(m, h_new, 0.0)
                outputs.append(ops.stack(out, axis=0))
                hs.append(h)
                cs.append(c)
            x = outputs[0] if directions == 1 else ops.concat(outputs, axis=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        h_n = ops.stack(hs, axis=0)
        c_n = ops.stack(cs, axis=0) if lstm else None
        if unbatched:
            x, h_n = ops.squeeze(x, axis=1), ops.squeeze(h_n, axis=1)
            c_n = None if c_n is None else ops.squeeze(c_n, axis=1)
        elif self.batch_first and packed is None:
            x = ops.swapaxes(x, 0, 1)
        output: Any = x if packed is None else PackedSequence(x, packed.lengths)
        return output, ((h_n, c_n) if lstm else h_n)


class RNN(RNNBase):
    """An Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), over
    ``num_layers`` stacked layers. ``forward(input, hx=None)`` returns ``(output, h_n)``:
    output (L, N, D*H) (batch_first: (N, L, D*H); unbatched: (L, D*H)), h_n
    (D*num_layers, N, H); D = 2 if bidirectional. ``dropout`` applies to each layer's
    output but the last, in training mode."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(_mode("RNN", nonlinearity), input_size, hidden_size, num_layers, bias,
                         batch_first, dropout, bidirectional, backend=backend, device=device,
                         dtype=dtype)  # fmt: skip


class LSTM(RNNBase):
    """A long short-term memory layer stack (PyTorch's gate order i, f, g, o in the weight
    rows). ``forward(input, (h_0, c_0)=None)`` returns ``(output, (h_n, c_n))``; shapes as
    ``RNN``, c_n (D*num_layers, N, H); with ``proj_size`` P the hidden state (and output)
    is projected to P features."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, backend=backend, device=device, dtype=dtype)  # fmt: skip


class GRU(RNNBase):
    """A gated recurrent unit layer stack (PyTorch's gate order r, z, n; the reset gate
    multiplies the hidden state's projection, bias included, as PyTorch and cuDNN do).
    ``forward(input, hx=None)`` returns ``(output, h_n)``, shapes as ``RNN``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, backend=backend, device=device, dtype=dtype)  # fmt: skip


class RNNCellBase(Module):
    """One step of a recurrent layer: PyTorch's ``weight_ih``, ``weight_hh``, ``bias_ih``,
    ``bias_hh``, initialised U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(
        self, mode: str, input_size: int, hidden_size: int, bias: bool, backend: Any, device: Any,
        dtype: Any,
    ) -> None:  # fmt: skip
        super().__init__()
        _check_sizes(type(self).__name__, input_size, hidden_size)
        self.mode, self.input_size, self.hidden_size, self.bias = (
            mode,
            input_size,
            hidden_size,
            bias,
        )
        g = _GATES[mode] * hidden_size
        self.weight_ih = empty_parameter((g, input_size), backend, device, dtype)
        self.weight_hh = empty_parameter((g, hidden_size), backend, device, dtype)
        self.bias_ih = empty_parameter((g,), backend, device, dtype) if bias else None
        self.bias_hh = empty_parameter((g,), backend, device, dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _uniform_init(self)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity=relu"
        return s

    def _run(self, input: Any, hx: Any, cx: Any) -> tuple[Tensor, Tensor | None]:
        op = type(self).__name__
        x = _tensor_input(op, input)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{op}: expected an input (N, {self.input_size}) or ({self.input_size},), got "
                f"{describe(x)}"
            )
        shape = (*x.shape[:-1], self.hidden_size)
        states = []
        for given in (hx, cx) if self.mode == "LSTM" else (hx,):
            if given is None:
                given = ops.zeros(shape, dtype=x.dtype, backend=x.backend)
            elif not isinstance(given, Tensor) or given.shape != shape:
                what = describe(given) if isinstance(given, Tensor) else type(given).__name__
                raise ShapeError(f"{op}: expected a state of shape {shape}, got {what}")
            states.append(given)
        xw = F.linear(x, self.weight_ih, self.bias_ih)
        c = states[1] if len(states) > 1 else None
        return _step(self.mode, xw, states[0], c, self.weight_hh, self.bias_hh)


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu); ``forward(input, hx=None)``
    with input (N, input_size) or (input_size,), h (N, hidden_size) (zeros if None)."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
        *, backend: Any = None, device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__(_mode("RNNCell", nonlinearity), input_size, hidden_size, bias, backend,
                         device, dtype)  # fmt: skip

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._run(input, hx, None)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step; ``forward(input, (h, c)=None)`` returns ``(h', c')``."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, *, backend: Any = None,
        device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__("LSTM", input_size, hidden_size, bias, backend, device, dtype)

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        if hx is not None and not (isinstance(hx, tuple) and len(hx) == 2):
            raise ArgumentTypeError(f"LSTMCell: hx must be a tuple (h, c), got {type(hx).__name__}")
        h, c = self._run(input, *(hx if hx is not None else (None, None)))
        assert c is not None
        return h, c


class GRUCell(RNNCellBase):
    """One GRU step; ``forward(input, hx=None)`` returns h'."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, *, backend: Any = None,
        device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__("GRU", input_size, hidden_size, bias, backend, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._run(input, hx, None)[0]
