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


def _check_grads(o, to, xs, ts, m, tm, rng):
    """Equal outputs, and equal gradients of inputs and parameters for a random cotangent."""
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(o.detach().numpy(), to.detach().numpy(), rtol=1e-9, atol=1e-11)
    g = rng.standard_normal(o.shape)
    m.zero_grad(), tm.zero_grad()
    (o * xn.tensor(g)).sum().backward()
    (to * torch.tensor(g)).sum().backward()
    for a, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)
    grads = {n: p.grad.numpy() for n, p in m.named_parameters()}
    for n, p in tm.named_parameters():
        np.testing.assert_allclose(grads[n], p.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=n)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_decoder_matches_pytorch(norm_first, batch_first, rng):
    torch = pytest.importorskip("torch")
    kw = dict(dim_feedforward=16, dropout=0.0, activation="gelu", norm_first=norm_first,
              batch_first=batch_first)  # fmt: skip
    td = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(E, H, **kw).double(), 2,
                                     norm=torch.nn.LayerNorm(E).double())  # fmt: skip
    d = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, **kw, dtype="float64"), 2,
                              norm=nn.LayerNorm(E, dtype="float64"))  # fmt: skip
    assert list(d.state_dict()) == list(td.state_dict())
    d.load_state_dict({k: v.detach().numpy() for k, v in td.state_dict().items()})
    tgt_shape, mem_shape = ((3, 4, E), (3, 6, E)) if batch_first else ((4, 3, E), (6, 3, E))
    tgt, mem = rng.standard_normal(tgt_shape), rng.standard_normal(mem_shape)
    mem_pad = np.zeros((3, 6), bool)
    mem_pad[2, 4:] = True
    causal = nn.Transformer.generate_square_subsequent_mask(4, dtype="float64").numpy()
    np.testing.assert_array_equal(
        causal, torch.nn.Transformer.generate_square_subsequent_mask(4).numpy()
    )
    for masks in [
        {},
        {"tgt_mask": causal, "tgt_is_causal": True, "memory_key_padding_mask": mem_pad},
    ]:
        xs = [xn.tensor(a, requires_grad=True) for a in (tgt, mem)]
        ts = [torch.tensor(a, requires_grad=True) for a in (tgt, mem)]
        xm = {k: xn.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
        tmk = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
        _check_grads(d(*xs, **xm), td(*ts, **tmk), xs, ts, d, td, rng)


def test_transformer_matches_pytorch_and_learns_to_copy(rng):
    torch = pytest.importorskip("torch")
    kw = dict(d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16,
              dropout=0.0, batch_first=True)  # fmt: skip
    torch.manual_seed(0)
    tt = torch.nn.Transformer(**kw).double()
    t = nn.Transformer(**kw, dtype="float64")
    assert [(n, p.shape) for n, p in t.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in tt.named_parameters()
    ]
    t.load_state_dict({k: v.detach().numpy() for k, v in tt.state_dict().items()})
    src, tgt = rng.standard_normal((2, 5, E)), rng.standard_normal((2, 3, E))
    causal = nn.Transformer.generate_square_subsequent_mask(3, dtype="float64")
    xs = [xn.tensor(a, requires_grad=True) for a in (src, tgt)]
    ts = [torch.tensor(a, requires_grad=True) for a in (src, tgt)]
    o = t(*xs, tgt_mask=causal, tgt_is_causal=True)
    to = tt(*ts, tgt_mask=torch.tensor(causal.numpy()), tgt_is_causal=True)
    _check_grads(o, to, xs, ts, t, tt, rng)
    # Xavier-uniform matrices: bound sqrt(6 / (fan_in + fan_out))
    w = nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                       dim_feedforward=32).encoder.layers[0].linear1.weight.numpy()  # fmt: skip
    assert np.abs(w).max() <= np.sqrt(6 / 48) and np.abs(w).max() > 0.9 * np.sqrt(6 / 48)
    with pytest.raises(xn.ShapeError, match="different batch sizes"):
        t(xn.ones((2, 5, E), dtype="float64"), xn.ones((3, 3, E), dtype="float64"))


def test_a_small_transformer_learns_to_reverse_sequences():
    """Sequence to sequence: the decoder, teacher-forced with a causal mask, learns to
    output its source reversed (tokens 1-5, 0 the start token)."""
    rng = np.random.default_rng(0)
    xn.manual_seed(0)
    vocab, length, d = 6, 4, 16
    emb, pos = nn.Embedding(vocab, d), nn.Embedding(length, d)
    model = nn.Transformer(d_model=d, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=32, dropout=0.0, batch_first=True)  # fmt: skip
    head = nn.Linear(d, vocab)
    params = [*emb.parameters(), *pos.parameters(), *model.parameters(), *head.parameters()]
    opt = xn.optim.Adam(params, lr=0.01)
    mask = nn.Transformer.generate_square_subsequent_mask(length)
    at = xn.arange(length)

    def logits(src, tgt_in):
        s, t = emb(src) + pos(at), emb(tgt_in) + pos(at)
        return head(model(s, t, tgt_mask=mask, tgt_is_causal=True))

    for _ in range(150):
        src = rng.integers(1, vocab, (32, length))
        out = src[:, ::-1]
        tgt_in = np.concatenate([np.zeros((32, 1), np.int64), out[:, :-1]], axis=1)
        opt.zero_grad()
        loss = nn.functional.cross_entropy(
            logits(xn.tensor(src), xn.tensor(tgt_in)).reshape(-1, vocab), xn.tensor(out.reshape(-1))
        )
        loss.backward()
        opt.step()
    src = rng.integers(1, vocab, (64, length))
    tgt_in = np.concatenate([np.zeros((64, 1), np.int64), src[:, ::-1][:, :-1]], axis=1)
    with xn.no_grad():
        pred = logits(xn.tensor(src), xn.tensor(tgt_in)).argmax(axis=-1).numpy()
    assert (pred == src[:, ::-1]).mean() > 0.95, (pred == src[:, ::-1]).mean()
