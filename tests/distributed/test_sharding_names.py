"""torch.distributed.tensor / device_mesh / fsdp / algorithms.join: the placement types and shape
arithmetic against torch, and the sharding entry points refusing with NotImplementedError."""

import pytest

import gradkit as gk
from gradkit.distributed.algorithms.join import Join, Joinable, JoinHook
from gradkit.distributed.device_mesh import DeviceMesh, init_device_mesh
from gradkit.distributed.fsdp import (
    CPUOffloadPolicy,
    FullyShardedDataParallel,
    MixedPrecisionPolicy,
    fully_shard,
)
from gradkit.distributed.tensor import DTensor, Partial, Replicate, Shard, distribute_tensor
from gradkit.distributed.tensor._utils import compute_local_shape_and_global_offset
from gradkit.distributed.tensor.placement_types import _StridedShard

torch = pytest.importorskip("torch")
tdt = pytest.importorskip("torch.distributed.tensor")
tpt = pytest.importorskip("torch.distributed.tensor.placement_types")


def test_placements_compare_print_and_classify_as_torch():
    pairs = [
        (Shard(1), tdt.Shard(1)),
        (Shard(-1), tdt.Shard(-1)),
        (Replicate(), tdt.Replicate()),
        (Partial(), tdt.Partial()),
        (Partial("avg"), tdt.Partial("avg")),
        (_StridedShard(0, split_factor=2), tpt._StridedShard(0, split_factor=2)),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
        assert (ours.is_shard(), ours.is_replicate(), ours.is_partial()) == (
            theirs.is_shard(),
            theirs.is_replicate(),
            theirs.is_partial(),
        )
    assert Shard(0).is_shard(0) and not Shard(0).is_shard(1)
    assert Shard(2) == Shard(2) and Shard(2) != Shard(1) and Shard(2) != Replicate()
    assert len({Shard(0), Shard(0), Replicate(), Replicate(), Partial()}) == 3
    with pytest.raises(TypeError):
        Shard()
    with pytest.raises(TypeError, match="expected an int"):
        Shard(1.5)


@pytest.mark.parametrize("size,chunks", [(10, 3), (2, 4), (0, 2), (7, 7), (5, 4), (9, 1), (16, 4)])
def test_local_shard_size_and_offset_matches_torch(size, chunks):
    for rank in range(chunks):
        assert Shard.local_shard_size_and_offset(size, chunks, rank) == tuple(
            tdt.Shard.local_shard_size_and_offset(size, chunks, rank)
        )


def test_local_shape_and_offset_on_a_mesh_follow_chunk_sizes():
    class Mesh2x3(DeviceMesh):  # this rank placed at (1, 2) of a 2x3 grid
        def get_rank(self):
            return 5

    mesh = Mesh2x3("cpu", [[0, 1, 2], [3, 4, 5]])
    assert mesh.get_coordinate() == [1, 2] and mesh.size(1) == 3 and mesh.shape == (2, 3)
    shape, offset = compute_local_shape_and_global_offset((10, 8), mesh, [Shard(0), Shard(1)])
    assert shape == (5, 2) and offset == (5, 6)  # torch.chunk sizes: 10 -> 5,5; 8 -> 3,3,2
    # both mesh dimensions over one tensor dimension: chunks of chunks
    shape, offset = compute_local_shape_and_global_offset((12, 4), mesh, [Shard(0), Shard(0)])
    assert shape == (2, 4) and offset == (10, 0)
    assert compute_local_shape_and_global_offset((6, 4), mesh, [Replicate(), Partial()]) == (
        (6, 4),
        (0, 0),
    )


def test_device_mesh_of_one_process():
    # init_device_mesh starts the default process group when none is (as PyTorch's); the test
    # ends it again, so later tests (the README's examples) can start their own
    started = not gk.distributed.is_initialized()
    try:
        mesh = init_device_mesh("cpu", (1,), mesh_dim_names=("dp",))
        assert (mesh.get_coordinate() == [0] and mesh.size() == 1
                and mesh["dp"].mesh_dim_names == ("dp",))
        assert mesh.mesh.tolist() == [0]
        with pytest.raises(RuntimeError, match="world has 1"):
            init_device_mesh("cpu", (2,))
    finally:
        if started and gk.distributed.is_initialized():
            gk.distributed.destroy_process_group()


def test_sharded_tensors_and_fsdp_refuse_clearly():
    assert not isinstance(gk.ones(2), DTensor)
    assert not isinstance(gk.nn.Linear(2, 2), FullyShardedDataParallel)
    for call in (
        lambda: distribute_tensor(gk.ones(2)),
        lambda: DTensor.from_local(gk.ones(2)),
        lambda: fully_shard(gk.nn.Linear(2, 2)),
        lambda: FullyShardedDataParallel(gk.nn.Linear(2, 2)),
    ):
        with pytest.raises(NotImplementedError, match="gradkit does not implement"):
            call()
    assert MixedPrecisionPolicy(param_dtype=gk.float16).param_dtype is gk.float16
    assert CPUOffloadPolicy().pin_memory is True


def test_join_of_one_process_runs_post_hooks():
    calls = []

    class Hook(JoinHook):
        def post_hook(self, is_last_joiner):
            calls.append(is_last_joiner)

    class Worker(Joinable):
        def __init__(self):
            super().__init__()

        join_device = property(lambda self: gk.device("cpu"))
        join_process_group = property(lambda self: None)

        def join_hook(self, **kwargs):
            return Hook()

    with Join([Worker()]):
        pass
    assert calls == [True]
    with pytest.raises(ValueError, match="at least one joinable"):
        Join([])


def test_first_fsdp_api_records_and_enums_read_as_torch():
    import dataclasses
    import enum

    import gradkit.distributed.fsdp as ours
    tf = pytest.importorskip("torch.distributed.fsdp")
    for name in ("ShardingStrategy", "BackwardPrefetch", "StateDictType"):
        assert [(m.name, m.value) for m in getattr(ours, name)] == [
            (m.name, m.value) for m in getattr(tf, name)]
        assert issubclass(getattr(ours, name), enum.Enum)
    for name in ("CPUOffload", "MixedPrecision", "StateDictConfig", "FullStateDictConfig",
                 "ShardedStateDictConfig", "LocalStateDictConfig", "OptimStateDictConfig",
                 "FullOptimStateDictConfig", "ShardedOptimStateDictConfig",
                 "LocalOptimStateDictConfig"):
        a, b = getattr(ours, name)(), getattr(tf, name)()
        fa = {f.name: getattr(a, f.name) for f in dataclasses.fields(a)}
        fb = {f.name: getattr(b, f.name) for f in dataclasses.fields(b)}
        if name == "MixedPrecision":  # the ignored classes: each library's own _BatchNorm
            assert [c.__name__ for c in fa.pop("_module_classes_to_ignore")] == [
                c.__name__ for c in fb.pop("_module_classes_to_ignore")]
        assert fa == fb, name
    assert ours.CPUOffload(offload_params=True).offload_params


def test_auto_wrap_policies_answer_as_torch():
    import functools

    import gradkit.distributed.fsdp.wrap as ours
    tw = pytest.importorskip("torch.distributed.fsdp.wrap")
    cases = []
    for lib, w in ((gk, ours), (torch, tw)):
        lin, ml = lib.nn.Linear(2, 2), lib.nn.ModuleList([lib.nn.ReLU()])
        mha = lib.nn.MultiheadAttention(4, 2)
        tr = functools.partial(w.transformer_auto_wrap_policy,
                               transformer_layer_cls={lib.nn.Linear})
        lam = functools.partial(w.lambda_auto_wrap_policy,
                                lambda_fn=lambda m, ml=ml: m is ml)
        size = functools.partial(w.size_based_auto_wrap_policy, min_num_params=10)
        either = functools.partial(w._or_policy, policies=[tr, lam])
        got = []
        for policy in (tr, lam, size, either, w.always_wrap_policy):
            for m in (lin, ml, mha):
                for recurse in (True, False):
                    for n in (5, 50):
                        got.append(bool(policy(module=m, recurse=recurse, nonwrapped_numel=n)))
        got += [w.ModuleWrapPolicy({lib.nn.Linear})(lin, False),
                w.ModuleWrapPolicy({lib.nn.Linear})(ml, False)]
        cases.append(got)
    assert cases[0] == cases[1] and cases[0][-2:] == [True, False]
    with pytest.raises(NotImplementedError, match="FSDP"):
        ours.wrap(gk.nn.Linear(2, 2))


def test_device_mesh_is_reachable_as_an_attribute_as_in_torch():
    import subprocess
    import sys

    code = "import gradkit.distributed as d; print(d.device_mesh.DeviceMesh.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "DeviceMesh", out.stderr


def test_older_and_composable_names_import_as_torch():
    from gradkit.distributed import _tensor
    from gradkit.distributed._composable.fsdp import FSDPModule as composable_fsdp_module
    from gradkit.distributed._tensor.experimental import implicit_replication
    from gradkit.distributed.fsdp import FSDPModule
    from gradkit.distributed.tensor import experimental

    torch_tensor_alias = pytest.importorskip("torch.distributed._tensor")
    assert _tensor.DTensor is DTensor and _tensor.Shard is Shard
    assert implicit_replication is experimental.implicit_replication
    assert sorted(experimental.__all__) == sorted(
        pytest.importorskip("torch.distributed.tensor.experimental").__all__)
    assert set(_tensor.__all__) <= set(dir(torch_tensor_alias))
    assert composable_fsdp_module is FSDPModule
    assert not isinstance(gk.nn.Linear(2, 2), FSDPModule)
    with implicit_replication():
        assert (gk.ones(2) + 1).tolist() == [2.0, 2.0]
    for call in (lambda: FSDPModule(), lambda: experimental.local_map(None)):
        with pytest.raises(NotImplementedError, match="gradkit does not implement"):
            call()


def test_distributed_constants_read_as_torch():
    """``torch.distributed.constants`` (lightning_fabric imports ``default_pg_timeout`` from it)."""
    import torch.distributed.constants as theirs

    import gradkit.distributed.constants as ours
    assert ours.default_pg_timeout == theirs.default_pg_timeout
    assert ours.default_pg_nccl_timeout is None and sorted(ours.__all__) == sorted(theirs.__all__)
