"""Graph-library plumbing in the style of PyTorch Geometric's utils: edge indices coalesced by a
sort key and a column permutation (``edge_index[:, perm]``, then flattened with ``view``), CSR
row pointers from ``torch._convert_indices_from_coo_to_csr`` and back, a segment mean over the
pointers, a dispatch table keyed by ``torch.ops.aten`` overloads that calls them, the build
string searched for its settings, and tensors written as text with ``torch._tensor_str`` (the
OFF mesh writer's trick)."""
import re

import torch
from torch._tensor_str import PRINT_OPTS, _tensor_str

aten = torch.ops.aten
HANDLED = {}


def implements(op):
    def register(fn):
        HANDLED[op] = fn
        return fn
    return register


@implements(aten.index_select.default)
def _index_select(x, dim, index):
    return aten.index_select.default(x, dim, index)


@implements(aten.slice.Tensor)
def _slice(x, dim=0, start=None, end=None, step=1):
    return aten.slice.Tensor(x, dim, start, end, step)


def coalesce(edge_index, num_nodes):
    key = edge_index[0] * num_nodes + edge_index[1]
    key, perm = key.sort()
    edge_index = edge_index[:, perm]           # NumPy would hand back the transposed layout
    keep = torch.ones_like(key, dtype=torch.bool)
    keep[1:] = key[1:] != key[:-1]
    return edge_index[:, keep]


def to_undirected(edge_index, num_nodes):
    row, col = edge_index[0], edge_index[1]
    both = torch.stack([torch.cat([row, col]), torch.cat([col, row])], 0)
    return coalesce(both, num_nodes)


torch.manual_seed(0)
N = 9
edge_index = to_undirected(torch.randint(0, N, (2, 14)), N)
print("edges", edge_index.shape, edge_index.is_contiguous(), edge_index.stride())
flat = edge_index.view(-1)                     # PyG's contains_isolated_nodes does this
print("isolated", torch.unique(flat).numel() < N)
ptr = torch._convert_indices_from_coo_to_csr(edge_index[0], N)
ptr32 = torch._convert_indices_from_coo_to_csr(edge_index[0], N, out_int32=True)
print("ptr", ptr.tolist(), ptr32.dtype)
coo = torch._convert_indices_from_csr_to_coo(ptr, edge_index[1])
print("round trip", torch.equal(coo, edge_index))
x = torch.randn(N, 3)
msgs = x[edge_index[1]]
sums = torch.zeros(N, 3).index_add_(0, edge_index[0], msgs)
mean = sums / ptr.diff().clamp(min=1).unsqueeze(-1)
print("mean", [round(v, 5) for v in mean.sum(0).tolist()])
perm = torch.randperm(edge_index.size(1))
print("permuted", edge_index[:, perm].stride(), x[:, torch.tensor([2, 0])].stride(),
      x.t()[:, torch.tensor([1, 4])].stride())
sel = HANDLED[aten.index_select.default](x, 0, torch.tensor([4, 1]))
part = HANDLED[aten.slice.Tensor](x, 1, 0, 3, 2)
print("dispatch", aten.index_select.default.name(), str(aten.slice.Tensor),
      [round(v, 5) for v in sel.flatten().tolist()], tuple(part.shape))
print("build", isinstance(torch.__config__.show(), str), "Build settings" in torch.__config__.show())
threshold = PRINT_OPTS.threshold
torch.set_printoptions(threshold=float("inf"))
pos = torch.arange(12, dtype=torch.float).view(4, 3) / 4
text = re.sub(",", "", _tensor_str(pos, indent=0))
print("\n".join(line[2:-1] for line in text.split("\n"))[:-1])
torch.set_printoptions(threshold=threshold)
print("restored", PRINT_OPTS.threshold)
