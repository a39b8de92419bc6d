"""nn.MultiheadAttention (xpnet/nn/_attention.py) against torch.nn.MultiheadAttention with
the same parameters (its state dict loads as it is): outputs, weights, gradients, masks,
layouts."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

E, H = 8, 2


def _pair(rng, batch_first=False, bias=True):
    torch = pytest.importorskip("torch")
    tm = torch.nn.MultiheadAttention(E, H, bias=bias, batch_first=batch_first).double()
    m = nn.MultiheadAttention(E, H, bias=bias, batch_first=batch_first, dtype="float64")
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    assert list(m.state_dict()) == list(tm.state_dict())
    return torch, m, tm


def _masks(rng):
    kpm = rng.random((3, 5)) > 0.7
    kpm[:, 0] = False  # every query keeps a key
    return [
        {},
        {"key_padding_mask": kpm},
        {"attn_mask": rng.random((4, 5)) > 0.8},
        {"attn_mask": rng.standard_normal((3 * H, 4, 5))},
        {"key_padding_mask": rng.standard_normal((3, 5)), "average_attn_weights": False},
        {"attn_mask": np.triu(np.ones((4, 5), bool), 1), "is_causal": True},
    ]


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_matches_pytorch_outputs_weights_and_gradients(batch_first, rng):
    torch, m, tm = _pair(rng, batch_first)
    shape_q, shape_k = ((3, 4, E), (3, 5, E)) if batch_first else ((4, 3, E), (5, 3, E))
    for kw in _masks(rng):
        q, k, v = (
            rng.standard_normal(shape_q),
            rng.standard_normal(shape_k),
            rng.standard_normal(shape_k),
        )
        xs = [xn.tensor(a, requires_grad=True) for a in (q, k, v)]
        ts = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
        xkw = {a: (xn.tensor(b) if isinstance(b, np.ndarray) else b) for a, b in kw.items()}
        tkw = {a: (torch.tensor(b) if isinstance(b, np.ndarray) else b) for a, b in kw.items()}
        (o, w), (to, tw) = m(*xs, **xkw), tm(*ts, **tkw)
        np.testing.assert_allclose(o.detach().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.standard_normal(o.shape)
        m.zero_grad(), tm.zero_grad()
        (o * xn.tensor(g)).sum().backward()
        (to * torch.tensor(g)).sum().backward()
        for x, t in zip(xs, ts, strict=True):
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-11)
        grads = {n: p.grad.numpy() for n, p in m.named_parameters()}
        for n, p in tm.named_parameters():
            np.testing.assert_allclose(grads[n], p.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=n)


def test_multihead_attention_unbatched_without_bias_and_without_weights(rng):
    torch, m, tm = _pair(rng, bias=False)
    q, k = rng.standard_normal((4, E)), rng.standard_normal((6, E))
    o, w = m(xn.tensor(q), xn.tensor(k), xn.tensor(k))
    to, tw = tm(torch.tensor(q), torch.tensor(k), torch.tensor(k))
    assert o.shape == (4, E) and w.shape == (4, 6)
    np.testing.assert_allclose(o.numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert m(xn.tensor(q), xn.tensor(k), xn.tensor(k), need_weights=False)[1] is None


def test_multihead_attention_masked_queries_dropout_and_errors(rng):
    m = nn.MultiheadAttention(E, H, dropout=0.5)
    x = xn.tensor(rng.standard_normal((3, 2, E)).astype(np.float32))
    kpm = xn.tensor(np.array([[True] * 3, [False] * 3]))
    m.eval()
    _, w = m(x, x, x, key_padding_mask=kpm)
    assert np.all(w.numpy()[0] == 0) and np.allclose(w.numpy()[1].sum(-1), 1, atol=1e-6)
    m.train()
    xn.manual_seed(0)
    _, w = m(x, x, x)
    assert (w.numpy() == 0).any()  # dropped attention weights, as PyTorch returns them
    with pytest.raises(xn.ArgumentError, match="not divisible"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(xn.NotSupportedError, match="kdim/vdim"):
        nn.MultiheadAttention(E, H, kdim=4)
    with pytest.raises(xn.ArgumentError, match="pass attn_mask too"):
        m(x, x, x, is_causal=True)
    with pytest.raises(xn.ShapeError, match="do not fit"):
        m(x, x[:, :1], x[:, :1])


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_encoder_matches_pytorch(norm_first, activation, batch_first, rng):
    torch = pytest.importorskip("torch")
    kw = dict(dim_feedforward=16, dropout=0.0, activation=activation, norm_first=norm_first,
              batch_first=batch_first)  # fmt: skip
    tl = torch.nn.TransformerEncoderLayer(E, H, **kw).double()
    te = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(E).double(),
                                     enable_nested_tensor=False)  # fmt: skip
    e = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, **kw, dtype="float64"), 2,
                              norm=nn.LayerNorm(E, dtype="float64"))  # fmt: skip
    e.load_state_dict({k: v.detach().numpy() for k, v in te.state_dict().items()})
    shape = (3, 5, E) if batch_first else (5, 3, E)
    x = rng.standard_normal(shape)
    pad = np.zeros((3, 5), bool)
    pad[1, 3:] = True
    causal = np.triu(np.ones((5, 5), bool), 1)
    for masks in [{}, {"src_key_padding_mask": pad}, {"mask": causal, "is_causal": True}]:
        xt, tt = xn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        xm = {k: xn.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
        tmk = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
        o, to = e(xt, **xm), te(tt, **tmk)
        np.testing.assert_allclose(o.detach().numpy(), to.detach().numpy(), rtol=1e-9, atol=1e-11)
        g = rng.standard_normal(shape)
        e.zero_grad(), te.zero_grad()
        (o * xn.tensor(g)).sum().backward()
        (to * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(xt.grad.numpy(), tt.grad.numpy(), rtol=1e-8, atol=1e-10)
        grads = {n: p.grad.numpy() for n, p in e.named_parameters()}
        for n, p in te.named_parameters():
            np.testing.assert_allclose(grads[n], p.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=n)


def test_transformer_encoder_layers_are_copies_and_dropout_follows_the_mode(rng):
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=16, dropout=0.3)
    enc = nn.TransformerEncoder(layer, 2)
    a, b = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert a is not b and np.array_equal(a.numpy(), b.numpy())
    x = xn.tensor(rng.standard_normal((4, 2, E)).astype(np.float32))
    enc.eval()
    np.testing.assert_array_equal(enc(x).numpy(), enc(x).numpy())
    enc.train()
    assert not np.array_equal(enc(x).numpy(), enc(x).numpy())
    with pytest.raises(xn.ArgumentError, match="activation 'relu' or 'gelu'"):
        nn.TransformerEncoderLayer(E, H, activation="tanh")
