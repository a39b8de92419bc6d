"""xpnet.distributed in one process (a world of one), its errors, and NCCL on one GPU."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import xpnet as xn
import xpnet.distributed as dist
from xpnet import nn


@pytest.fixture
def world():
    pytest.importorskip("mpi4py", reason="the mpi extra is not installed")
    dist.init_process_group()
    yield
    dist.destroy_process_group()


def test_a_single_process_is_a_world_of_one(world):
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    assert dist.get_backend_name() == "mpi"
    t = xn.tensor([1.0, 2.0])
    assert dist.all_reduce(t, "avg") is t and t.tolist() == [1.0, 2.0]
    assert dist.broadcast(t, src=0).tolist() == [1.0, 2.0]
    assert [v.tolist() for v in dist.all_gather([xn.zeros(2)], t)] == [[1.0, 2.0]]
    got = []
    assert dist.all_gather_object(got, {"a": 1}) == [{"a": 1}]
    assert dist.all_reduce_host([1.0, 3.0], "max") == [1.0, 3.0]
    dist.barrier()


def test_ddp_in_a_world_of_one_is_the_plain_model(world):
    xn.manual_seed(0)
    ref = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    xn.manual_seed(0)
    ddp = nn.parallel.DistributedDataParallel(
        nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    )
    x = xn.randn(5, 3)
    for m in (ref, ddp):
        m(x).sum().backward()
    for p, q in zip(ddp.parameters(), ref.parameters(), strict=True):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert list(ddp.state_dict()) == [
        "module.0.weight",
        "module.0.bias",
        "module.2.weight",
        "module.2.bias",
    ]
    assert len(ddp.buckets()) == 1 and ddp.collectives == 0  # nothing to exchange


def test_without_a_process_group_the_error_says_what_to_call():
    assert not dist.is_initialized()
    with pytest.raises(xn.DistributedError, match=r"call xn\.distributed\.init_process_group"):
        dist.get_rank()
    with pytest.raises(xn.DistributedError, match="init_process_group"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(xn.DistributedError, match="init_process_group"):
        xn.data.DistributedSampler(list(range(4)))
    assert dist.all_reduce_host([2.0]) == [2.0]  # metrics pass through outside a group


def test_transport_and_argument_errors(world):
    with pytest.raises(xn.DistributedError, match="already in a process group"):
        dist.init_process_group()
    with pytest.raises(xn.ArgumentError, match="op must be one of"):
        dist.all_reduce(xn.ones(2), "prod")
    with pytest.raises(xn.ArgumentError, match="src 1 is not a rank of a world of 1"):
        dist.broadcast(xn.ones(2), src=1)
    with pytest.raises(xn.ArgumentTypeError, match="expected an xpnet Tensor, got ndarray"):
        dist.all_reduce(np.ones(2))
    with pytest.raises(xn.ArgumentError, match="tensor_list has 2 entries for a world of 1"):
        dist.all_gather([xn.zeros(2), xn.zeros(2)], xn.ones(2))
    with pytest.raises(xn.ArgumentError, match="bucket_cap_mb must be positive"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2), bucket_cap_mb=0)


@pytest.mark.parametrize(
    "name, pattern",
    [
        ("nccl", "needs the cupy array backend"),
        ("torch", "needs the torch array backend"),
        ("gloo", "backend must be one of"),
    ],
)
def test_a_transport_that_does_not_fit_the_array_backend(name, pattern):
    with pytest.raises((xn.BackendError, xn.ArgumentError), match=pattern):
        dist.init_process_group(name)
    assert not dist.is_initialized()


def test_mpi_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(xn.MissingDependencyError, match=r'pip install "xpnet\[mpi\]"'):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()
    dist.init_process_group()  # unnamed, outside mpiexec: a world of one without MPI
    try:
        assert dist.get_backend_name() == "local" and dist.get_world_size() == 1
    finally:
        dist.destroy_process_group()


def test_distributed_sampler_by_hand():
    ds = list(range(10))
    shares = [list(xn.data.DistributedSampler(ds, 3, r, shuffle=False)) for r in range(3)]
    assert shares == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]  # padded to 12
    s = xn.data.DistributedSampler(ds, 2, 1, seed=5)
    first = list(s)
    s.set_epoch(1)
    assert sorted(first + list(xn.data.DistributedSampler(ds, 2, 0, seed=5))) == ds
    assert list(s) != first and len(s) == 5
    with pytest.raises(xn.ArgumentError, match="rank 2 is not in"):
        xn.data.DistributedSampler(ds, 2, 2)


def test_nccl_on_one_gpu():
    try:
        b = xn.get_backend("cupy")
    except xn.BackendUnavailableError as e:
        pytest.skip(f"cupy unavailable: {e}")
    try:
        from cupy.cuda import nccl  # noqa: F401
    except ImportError as e:
        pytest.skip(f"CuPy has no NCCL here: {e}")
    with xn.use_backend(b):
        dist.init_process_group("nccl")
        try:
            assert dist.get_backend_name() == "nccl"
            t = xn.tensor([1.0, 2.0, 3.0])
            assert dist.all_reduce(t, "sum").tolist() == [1.0, 2.0, 3.0]
            ddp = nn.parallel.DistributedDataParallel(nn.Linear(3, 2))
            ddp(xn.ones((4, 3))).sum().backward()
            assert ddp.module.weight.grad.backend is b
            # NCCL's own all-reduce runs even for one rank through the communicator:
            flat = dist.group().all_reduce(b.xp.ones(4, dtype=b.xp.float32), b, "avg")
            assert float(flat.sum()) == 4.0
            # a transposed (Fortran-order) array gathers in its logical order
            host = np.arange(6, dtype=np.float32).reshape(2, 3)
            arr = b.xp.permute_dims(b.xp.asarray(host, device=b.device), (1, 0))
            (got,) = dist.group().all_gather(arr, b)
            np.testing.assert_array_equal(b.to_numpy(got), host.T)
            with pytest.raises(xn.BackendError, match="in a 'nccl' process group"):
                dist.all_reduce(xn.ones(2, backend="numpy"))
        finally:
            dist.destroy_process_group()


def test_each_local_rank_gets_its_own_gpu_unless_one_was_chosen():
    from xpnet.distributed._nccl import device_for_rank

    # the default GPU 0: local rank r takes GPU r, modulo the GPUs the machine has
    assert [device_for_rank(0, r, 4) for r in range(6)] == [0, 1, 2, 3, 0, 1]
    assert device_for_rank(2, 1, 4) == 2  # a GPU the script chose stays
    assert device_for_rank(0, 3, 1) == 0  # one GPU: nothing to spread over
