"""What a model-hub library does with PyTorch at import and load time, before any model runs:
registers its output records as pytree nodes, builds a table of tensor-parallel layouts from
the distributed placement types, defines a custom operator with its own backward, reads the
limits of an 8-bit float, and tests objects against the sharded-tensor and FSDP classes. Then a
small model is initialised as such libraries do it: a position-ids buffer made by expanding
an arange and rewritten with copy_, each loaded parameter flagged with an attribute of the
library's own, and batches moved by a helper that asks whether the device is another backend's."""
import collections

import torch
import torch.nn as nn
import torch.utils._pytree as pytree
from torch.distributed.fsdp import FullyShardedDataParallel
from torch.distributed.tensor import DTensor, Replicate, Shard
from torch.distributed.tensor.placement_types import Partial

torch.manual_seed(0)

Output = collections.namedtuple("Output", "loss logits")


class Record(collections.OrderedDict):
    pass


pytree.register_pytree_node(Record, lambda r: (list(r.values()), list(r.keys())),
                            lambda values, keys: Record(zip(keys, values)))
leaves, spec = pytree.tree_flatten(Record(a=torch.ones(2), b=(torch.zeros(3), 4)))
print("pytree leaves", len(leaves), "spec leaves", spec.num_leaves)
rebuilt = pytree.tree_unflatten([x * 2 for x in leaves], spec)
print("rebuilt", type(rebuilt).__name__, rebuilt["a"].tolist(), rebuilt["b"][1])
print("mapped", pytree.tree_map_only(torch.Tensor, lambda t: t.sum().item(), (torch.ones(3), "s")))

PLANS = {"colwise": (Replicate(), Shard(-1)), "rowwise": (Shard(-1), Replicate()),
         "partial": (Partial(),)}
print("plans", {k: [str(p) for p in v] for k, v in PLANS.items()})
print("shard math", [Shard.local_shard_size_and_offset(10, 4, r) for r in range(4)])
print("shard equal", Shard(0) == Shard(0), Shard(0) == Shard(1), len({Shard(1), Shard(1)}))


@torch.library.custom_op("hubdemo::grouped_scale", mutates_args=())
def grouped_scale(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return x * w.repeat_interleave(x.shape[0] // w.shape[0]).unsqueeze(-1)


def _setup(ctx, inputs, output):
    ctx.save_for_backward(*inputs)


def _backward(ctx, grad):
    x, w = ctx.saved_tensors
    k = x.shape[0] // w.shape[0]
    gw = (grad * x).sum(-1).view(w.shape[0], k).sum(-1)
    return grad * w.repeat_interleave(k).unsqueeze(-1), gw


torch.library.register_autograd("hubdemo::grouped_scale", _backward, setup_context=_setup)
x = torch.randn(6, 4, requires_grad=True)
w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
grouped_scale(x, w).pow(2).sum().backward()
print("custom op grads", round(x.grad.abs().sum().item(), 5), [round(v, 5) for v in w.grad.tolist()])

fp8 = torch.finfo(torch.float8_e4m3fn)
print("fp8", fp8.max, fp8.min, fp8.eps, torch.tensor([1.3, 500.0, -0.07]).to(torch.float8_e4m3fn).float().tolist())


class TinyLM(nn.Module):
    def __init__(self, vocab=20, dim=8, length=6):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(length, dim)
        self.register_buffer("position_ids", torch.arange(length).expand((1, -1)), persistent=False)
        self.head = nn.Linear(dim, vocab)

    def forward(self, ids, labels):
        h = self.emb(ids) + self.pos(self.position_ids[:, : ids.shape[1]])
        logits = self.head(torch.tanh(h))
        return Output(nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten()), logits)


model = TinyLM()
with torch.no_grad():
    model.position_ids.copy_(torch.arange(6).expand((1, -1)))
    for name, p in model.named_parameters():
        p.normal_(0.0, 0.2)
        p._is_initialized_by_library = True
print("flags", all(getattr(p, "_is_initialized_by_library", False) for p in model.parameters()),
      "position_ids", model.position_ids.tolist())
print("sharded?", any(isinstance(p, DTensor) for p in model.parameters()),
      isinstance(model, FullyShardedDataParallel))


def send_to_device(batch, device):
    if device == "npu":  # another backend's name: never this device
        raise SystemExit("wrong branch")
    return {k: v.to(device) for k, v in batch.items()}


opt = torch.optim.AdamW(model.parameters(), lr=0.05)
ids = torch.randint(0, 20, (4, 6))
for step in range(4):
    batch = send_to_device({"ids": ids, "labels": ids.roll(-1, dims=1)}, torch.device("cpu"))
    out = model(**batch)
    opt.zero_grad()
    out.loss.backward()
    opt.step()
    print("step", step, round(out.loss.item(), 5), tuple(out.logits.shape))
