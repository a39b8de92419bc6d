"""Whole objects in checkpoints: ``xn.save(model, f)`` and ``xn.load(f, weights_only=False)``
as PyTorch's ``torch.save``/``torch.load``, with shared tensors kept shared, and no pickle."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet.nn import functional as F


class TiedLM(nn.Module):
    """The shape of PyTorch's word language model: an embedding tied to the decoder."""

    def __init__(self, ntoken: int = 11, width: int = 6) -> None:
        super().__init__()
        self.encoder = nn.Embedding(ntoken, width)
        self.rnn = nn.LSTM(width, width, 2, dropout=0.2)
        self.decoder = nn.Linear(width, ntoken)
        self.decoder.weight = self.encoder.weight
        self.register_buffer("steps", xn.zeros(1, dtype="int64"))
        self.act = F.relu  # a function held as an attribute (TransformerEncoderLayer does)
        self.names = {"a", "b"}
        self.itself = self  # a cycle back to the object

    def forward(self, tokens: xn.Tensor) -> xn.Tensor:
        out, _ = self.rnn(self.encoder(tokens))
        return F.log_softmax(self.decoder(self.act(out)), dim=-1)


def _tokens() -> xn.Tensor:
    return xn.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 0, 1]], dtype="int64")


def test_a_module_saved_whole_comes_back_whole(tmp_path):
    xn.manual_seed(0)
    model = TiedLM()
    model.eval()
    xn.save(model, tmp_path / "model.pt")
    back = xn.load(tmp_path / "model.pt", weights_only=False)
    assert type(back) is TiedLM and back.training is False
    assert back.decoder.weight is back.encoder.weight  # tied weights stay one tensor
    assert len(list(back.parameters())) == len(list(model.parameters()))
    assert all(type(p) is nn.Parameter and p.requires_grad for p in back.parameters())
    assert back.steps.dtype == xn.int64 and not isinstance(back.steps, nn.Parameter)
    assert back.act is F.relu and back.names == {"a", "b"} and back.itself is back
    np.testing.assert_array_equal(back(_tokens()).numpy(), model(_tokens()).numpy())
    # it trains: one gradient reaches the tied weight from both of its uses
    back.train()
    back(_tokens()).sum().backward()
    assert back.encoder.weight.grad is not None and back.decoder.weight.grad is not None


def test_whole_objects_load_onto_another_backend(tmp_path):
    xn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    xn.save(model, tmp_path / "m.pt")
    with xn.use_backend("array_api_strict", "device1") as b:
        back = xn.load(tmp_path / "m.pt", weights_only=False)
        assert all(p.backend is b and p.device == b.device for p in back.parameters())
        x = xn.ones((2, 3))
        expected = model(xn.ones((2, 3), backend="numpy")).numpy()
        np.testing.assert_allclose(b.to_numpy(back(x)._data), expected, rtol=1e-6)


@pytest.mark.parametrize("weights_only", [None, True])
def test_objects_load_only_with_weights_only_false(tmp_path, weights_only):
    xn.save({"model": nn.Linear(2, 2)}, tmp_path / "m.pt")
    kw = {} if weights_only is None else {"weights_only": weights_only}
    with pytest.raises(xn.CheckpointError, match=r"xpnet\.nn\.Linear.*weights_only=False"):
        xn.load(tmp_path / "m.pt", **kw)


def test_the_file_names_classes_by_their_public_path_and_holds_no_pickle(tmp_path):
    xn.save(nn.TransformerEncoderLayer(8, 2, 16), tmp_path / "m.pt")
    with zipfile.ZipFile(tmp_path / "m.pt") as z:
        meta = json.loads(z.read("meta.json"))
        for name in z.namelist():
            if name.endswith(".npy"):
                with z.open(name) as f:
                    np.lib.format.read_array(f, allow_pickle=False)
    assert meta["version"] == 3
    assert meta["tree"]["__object__"] == "xpnet.nn:TransformerEncoderLayer"
    assert '"__global__": "xpnet.nn.functional:relu"' in json.dumps(meta["tree"])


def test_a_plain_checkpoint_stays_version_2_and_shared_tensors_stay_shared(tmp_path):
    w = xn.ones(3)
    xn.save({"a": w, "b": xn.zeros(2)}, tmp_path / "plain.xpn")
    with zipfile.ZipFile(tmp_path / "plain.xpn") as z:
        assert json.loads(z.read("meta.json"))["version"] == 2  # older xpnet reads it
    xn.save({"a": w, "b": w}, tmp_path / "tied.xpn")
    back = xn.load(tmp_path / "tied.xpn")  # tensors only: no weights_only=False needed
    assert back["a"] is back["b"]


def test_a_missing_class_is_a_clear_error(tmp_path):
    from tests.test_checkpoint import _rewrite_meta

    xn.save(TiedLM(), tmp_path / "m.pt")
    _rewrite_meta(
        tmp_path / "m.pt",
        lambda m: m["tree"].update(__object__="tests.no_such_module:TiedLM"),
        redigest=True,
    )
    with pytest.raises(
        xn.CheckpointError, match=r"tests\.no_such_module\.TiedLM, which cannot be found"
    ):
        xn.load(tmp_path / "m.pt", weights_only=False)


def test_what_cannot_be_named_is_refused_before_writing(tmp_path):
    model = nn.Linear(2, 2)
    model.hook = lambda x: x
    path = tmp_path / "m.pt"
    with pytest.raises(xn.CheckpointError, match=r"obj\.__dict__\['hook'\] is a function.*lambda"):
        xn.save(model, path)

    class Local(nn.Module):
        pass

    with pytest.raises(xn.CheckpointError, match="not importable by name"):
        xn.save(Local(), path)
    assert not path.exists()


def test_dict_and_tuple_subclasses_stay_plain_data(tmp_path):
    """An OrderedDict state dict or a namedtuple saves as before: a dict and a tuple, with no
    weights_only=False needed to read them."""
    import collections

    Point = collections.namedtuple("Point", "x y")
    xn.save({"sd": collections.OrderedDict(w=xn.ones(2)), "p": Point(1, 2)}, tmp_path / "a.xpn")
    back = xn.load(tmp_path / "a.xpn")
    assert type(back["sd"]) is dict and back["sd"]["w"].tolist() == [1.0, 1.0]
    assert back["p"] == (1, 2)
