"""nn.RNN, LSTM, GRU and their cells (xpnet/nn/_rnn.py) against PyTorch's with the same
parameters (its state dict loads as it is): outputs, final states, and the gradients of
input, initial states and every parameter; layouts, dropout, errors, training (eager and
compiled) and every backend."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from tests.compile.steps import train_step
from xpnet import nn

CONFIGS = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "bias": False}),
    ("RNN", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "batch_first": True}),
    ("LSTM", {"bidirectional": True, "proj_size": 3}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2, "bias": False}),
    ("GRU", {}),
    ("GRU", {"num_layers": 3, "bidirectional": True, "batch_first": True}),
    ("GRU", {"bias": False}),
]


def _pair(cls, kw, n_in=4, hidden=5):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = getattr(torch.nn, cls)(n_in, hidden, **kw).double()
    m = getattr(nn, cls)(n_in, hidden, **kw, dtype="float64")
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in tm.named_parameters()
    ]
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    assert repr(m) == repr(tm)
    return torch, m, tm


def _states(cls, kw, m, batch, rng):
    """Random initial states of the layer's shapes (None for the layer's zeros)."""
    d = 2 if kw.get("bidirectional") else 1
    lead = (d * m.num_layers,) + (() if batch is None else (batch,))
    h = rng.standard_normal((*lead, m.proj_size or m.hidden_size))
    return [h, rng.standard_normal((*lead, m.hidden_size))] if cls == "LSTM" else [h]


def _compare(torch, m, tm, x, states, rng):
    cls = type(m).__name__
    xs = [xn.tensor(a, requires_grad=True) for a in (x, *states)]
    ts = [torch.tensor(a, requires_grad=True) for a in (x, *states)]
    if not states:
        (o, hn), (to, thn) = m(xs[0]), tm(ts[0])
    elif cls == "LSTM":
        (o, hn), (to, thn) = m(xs[0], (xs[1], xs[2])), tm(ts[0], (ts[1], ts[2]))
    else:
        (o, hn), (to, thn) = m(xs[0], xs[1]), tm(ts[0], ts[1])
    outs = [o, *(hn if cls == "LSTM" else (hn,))]
    touts = [to, *(thn if cls == "LSTM" else (thn,))]
    loss, tloss = 0.0, 0.0
    for y, ty in zip(outs, touts, strict=True):
        assert y.shape == tuple(ty.shape) and y.dtype == xn.float64
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        w = rng.standard_normal(y.shape)
        loss = loss + (y * xn.tensor(w)).sum()
        tloss = tloss + (ty * torch.tensor(w)).sum()
    m.zero_grad(), tm.zero_grad()
    loss.backward()
    tloss.backward()
    for a, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-11)
    grads = {n: p.grad.numpy() for n, p in m.named_parameters()}
    for n, p in tm.named_parameters():
        np.testing.assert_allclose(grads[n], p.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=n)


@pytest.mark.parametrize(("cls", "kw"), CONFIGS, ids=[f"{c}-{k}" for c, k in CONFIGS])
def test_recurrent_layers_match_pytorch(cls, kw, rng):
    torch, m, tm = _pair(cls, kw)
    shape = (3, 6, 4) if kw.get("batch_first") else (6, 3, 4)
    x = rng.standard_normal(shape)
    _compare(torch, m, tm, x, [], rng)  # zero initial states
    _compare(torch, m, tm, x, _states(cls, kw, m, 3, rng), rng)
    _compare(torch, m, tm, x[:, 0] if kw.get("batch_first") else x[0], [], rng)  # unbatched
    _compare(torch, m, tm, x[0] if kw.get("batch_first") else x[:, 0],
             _states(cls, kw, m, None, rng), rng)  # fmt: skip


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_pytorch(cls, bias, rng):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = getattr(torch.nn, cls)(4, 5, bias=bias).double()
    m = getattr(nn, cls)(4, 5, bias=bias, dtype="float64")
    assert list(m.state_dict()) == list(tm.state_dict())
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    assert repr(m) == repr(tm)
    for batch in ((3,), ()):
        n_states = 2 if cls == "LSTMCell" else 1
        arrays = [rng.standard_normal((*batch, 4))] + [
            rng.standard_normal((*batch, 5)) for _ in range(n_states)
        ]
        xs = [xn.tensor(a, requires_grad=True) for a in arrays]
        ts = [torch.tensor(a, requires_grad=True) for a in arrays]
        if cls == "LSTMCell":
            out, tout = m(xs[0], (xs[1], xs[2])), tm(ts[0], (ts[1], ts[2]))
        else:
            out, tout = (m(xs[0], xs[1]),), (tm(ts[0], ts[1]),)
        loss, tloss = 0.0, 0.0
        for y, ty in zip(out, tout, strict=True):
            np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
            w = rng.standard_normal(y.shape)
            loss, tloss = loss + (y * xn.tensor(w)).sum(), tloss + (ty * torch.tensor(w)).sum()
        m.zero_grad(), tm.zero_grad()
        loss.backward(), tloss.backward()
        for a, t in zip(xs, ts, strict=True):
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-11)
        for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters(), strict=True):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, err_msg=n)
    zeros = m(xn.tensor(arrays[0][None]))  # no state: zeros, as PyTorch
    tzeros = tm(torch.tensor(arrays[0][None]))
    for y, ty in zip(zeros if cls == "LSTMCell" else (zeros,),
                     tzeros if cls == "LSTMCell" else (tzeros,), strict=True):  # fmt: skip
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10)


def test_dropout_between_layers_only_in_training(rng):
    xn.manual_seed(0)
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = xn.tensor(rng.standard_normal((5, 2, 3)).astype(np.float32))
    a, b = m(x)[0].numpy(), m(x)[0].numpy()
    assert not np.array_equal(a, b)  # a fresh mask per call
    m.eval()
    c, d = m(x)[0].numpy(), m(x)[0].numpy()
    np.testing.assert_array_equal(c, d)
    single = nn.GRU(3, 4, dropout=0.5)  # one layer: nothing between layers to drop
    np.testing.assert_array_equal(single(x)[0].numpy(), single(x)[0].numpy())


def test_initialisation_bounds_and_layout():
    m = nn.LSTM(3, 16, num_layers=2, bidirectional=True)
    assert len(m.all_weights) == 4 and [len(w) for w in m.all_weights] == [4] * 4
    for p in m.parameters():
        assert p.dtype == xn.float32 and float(abs(p).max()) <= 0.25  # 1 / sqrt(16)
        assert float(p.std()) > 0.1  # U(-0.25, 0.25) has std 0.144
    assert m.weight_ih_l1.shape == (64, 32) and m.weight_hh_l1_reverse.shape == (64, 16)
    m.flatten_parameters()  # PyTorch code calls it; nothing to do
    assert repr(nn.RNNCell(3, 4, bias=False, nonlinearity="relu")) == (
        "RNNCell(3, 4, bias=False, nonlinearity=relu)"  # PyTorch's
    )


def test_bad_inputs_are_refused_before_anything_runs(rng):
    m = nn.LSTM(4, 5)
    x = xn.tensor(rng.standard_normal((6, 3, 4)).astype(np.float32))
    with pytest.raises(
        xn.ShapeError, match=r"LSTM: expected an input \(L, N, 4\).*float32\[6, 3, 3\]"
    ):
        m(x[..., :3])
    with pytest.raises(xn.ShapeError, match=r"initial state of shape \(1, 3, 5\)"):
        m(x, (xn.zeros((1, 2, 5)), xn.zeros((1, 3, 5))))
    with pytest.raises(xn.ArgumentTypeError, match=r"tuple \(h_0, c_0\)"):
        m(x, xn.zeros((1, 3, 5)))
    with pytest.raises(xn.ArgumentTypeError, match=r"a Tensor or .* a PackedSequence"):
        m(x.numpy())
    with pytest.raises(xn.ShapeError, match=r"GRUCell: expected a state of shape \(3, 5\)"):
        nn.GRUCell(4, 5)(x[0], xn.zeros((3, 4)))
    with pytest.raises(xn.ArgumentError, match="nonlinearity"):
        nn.RNN(4, 5, nonlinearity="sigmoid")
    with pytest.raises(xn.ArgumentError, match="proj_size"):
        nn.LSTM(4, 5, proj_size=5)
    with pytest.raises(xn.ArgumentError, match="num_layers"):
        nn.GRU(4, 5, num_layers=0)
    with pytest.raises(xn.ArgumentError, match="dropout"):
        nn.GRU(4, 5, dropout=1.5)


def _sequence_task(rng, n=256, steps=12):
    """Does the running sum of a +-1 sequence end positive? (Needs memory of every step.)"""
    x = rng.choice([-1.0, 1.0], size=(n, steps, 1)).astype(np.float32)
    y = (x.sum(axis=(1, 2)) > 0).astype(np.int64)
    return x, y


class _Classifier(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = getattr(nn, cell)(1, 16, batch_first=True)
        self.head = nn.Linear(16, 2)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_a_recurrent_classifier_learns_a_sequence_task(cell, rng):
    x, y = _sequence_task(rng)
    xn.manual_seed(0)
    model = _Classifier(cell)
    step = train_step(model, xn.optim.Adam(model.parameters(), lr=0.02))
    losses = [step(xn.tensor(x), xn.tensor(y)).item() for _ in range(150)]
    with xn.no_grad():
        acc = float((model(xn.tensor(x)).argmax(axis=1) == xn.tensor(y)).float().mean())
    assert losses[-1] < 0.2 * losses[0] and acc > 0.95, (losses[0], losses[-1], acc)


def test_compiled_lstm_step_trains_as_eager(rng):
    x, y = _sequence_task(rng, n=32, steps=5)
    results = []
    for compiled in (False, True):
        xn.manual_seed(0)
        model = _Classifier("LSTM")
        step = train_step(model, xn.optim.Adam(model.parameters(), lr=0.01))
        f = xn.compile(step) if compiled else step
        losses = [f(xn.tensor(x), xn.tensor(y)).item() for _ in range(5)]
        results.append((losses, [p.numpy() for p in model.parameters()]))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_every_backend_runs_the_layers_forward_and_backward(backend, cls, rng):
    """Same values as NumPy, on the backend's device and in float32."""
    xn.manual_seed(0)
    ref = getattr(nn, cls)(3, 4, num_layers=2, bidirectional=True, backend="numpy")
    m = getattr(nn, cls)(3, 4, num_layers=2, bidirectional=True, backend=backend,
                         device=backend.device)  # fmt: skip
    m.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})
    data = rng.standard_normal((5, 2, 3)).astype(np.float32)
    outs = []
    for model, b in ((ref, xn.get_backend("numpy")), (m, backend)):
        x = xn.tensor(data, backend=b, device=b.device, requires_grad=True)
        out, _ = model(x)
        assert out.backend is b and b.dtype_name(out.dtype) == "float32" and out.shape == (5, 2, 8)
        out.sum().backward()
        assert x.grad.backend is b and model.weight_hh_l1_reverse.grad.backend is b
        outs.append((out.detach().numpy(), x.grad.numpy(), model.weight_ih_l0.grad.numpy()))
    for a, c in zip(*outs, strict=True):
        np.testing.assert_allclose(c, a, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("cls", "kw"), [("LSTM", {"bidirectional": True, "num_layers": 2}),
                                         ("GRU", {"batch_first": True}),
                                         ("RNN", {"bidirectional": True, "batch_first": True})])  # fmt: skip
def test_packed_sequences_match_pytorch(cls, kw, rng):
    """pack_padded_sequence (unsorted lengths), the layer, pad_packed_sequence: outputs,
    final states (each sequence's own last step), PyTorch's packed layout, gradients."""
    torch = pytest.importorskip("torch")
    from torch.nn.utils import rnn as trnn

    from xpnet.nn.utils import rnn

    _, m, tm = _pair(cls, kw)
    lengths = [3, 5, 1, 4]
    shape = (4, 5, 4) if kw.get("batch_first") else (5, 4, 4)
    x0 = rng.standard_normal(shape)
    x, tx = xn.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    bf = kw.get("batch_first", False)
    p = rnn.pack_padded_sequence(x, lengths, batch_first=bf, enforce_sorted=False)
    tp = trnn.pack_padded_sequence(tx, torch.tensor(lengths), batch_first=bf, enforce_sorted=False)
    np.testing.assert_array_equal(p.batch_sizes.numpy(), tp.batch_sizes.numpy())
    np.testing.assert_array_equal(p.sorted_indices.numpy(), tp.sorted_indices.numpy())
    np.testing.assert_allclose(p.data.detach().numpy(), tp.data.detach().numpy())
    out, state = m(p)
    tout, tstate = tm(tp)
    y, ylen = rnn.pad_packed_sequence(out, batch_first=bf, total_length=6)
    ty, tylen = trnn.pad_packed_sequence(tout, batch_first=bf, total_length=6)
    np.testing.assert_array_equal(ylen.numpy(), tylen.numpy())
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    states = state if cls == "LSTM" else (state,)
    tstates = tstate if cls == "LSTM" else (tstate,)
    loss, tloss = (y * y).sum(), (ty * ty).sum()
    for s, ts in zip(states, tstates, strict=True):
        np.testing.assert_allclose(s.detach().numpy(), ts.detach().numpy(), rtol=1e-10, atol=1e-12)
        loss, tloss = loss + (s * s).sum() * 0.5, tloss + (ts * ts).sum() * 0.5
    m.zero_grad(), tm.zero_grad()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-11)
    for (n, q), (_, tq) in zip(m.named_parameters(), tm.named_parameters(), strict=True):
        np.testing.assert_allclose(
            q.grad.numpy(), tq.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=n
        )


def test_packing_errors_and_pack_sequence():
    from xpnet.nn.utils import rnn

    with pytest.raises(xn.ArgumentError, match="not sorted in decreasing order"):
        rnn.pack_padded_sequence(xn.ones((4, 2, 3)), [2, 4])
    with pytest.raises(xn.ShapeError, match="longer than the 4 padded steps"):
        rnn.pack_padded_sequence(xn.ones((4, 2, 3)), [5, 4], enforce_sorted=False)
    p = rnn.pack_sequence([xn.ones((3, 2)), xn.ones((1, 2))])
    assert p.batch_sizes.numpy().tolist() == [2, 1, 1] and p.data.shape == (4, 2)
    y, lengths = rnn.pad_packed_sequence(p, padding_value=-1.0)
    assert lengths.numpy().tolist() == [3, 1] and y.numpy()[1:, 1].tolist() == [[-1, -1], [-1, -1]]
