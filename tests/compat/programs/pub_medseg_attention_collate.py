"""Patterns of medical-segmentation and equivariant-network libraries: a position-attention block
whose (HW, HW) map comes from a product of a transposed view and is then viewed flat, a
registry-extended collate for a custom sample type, container type checks with
torch.jit.isinstance, and a tensor-product graph built by hand with torch.fx over an einsum
given its operands as one list."""

from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import fx
from torch.utils.data import DataLoader, Dataset
from torch.utils.data._utils.collate import collate, collate_tensor_fn, default_collate_fn_map

torch.manual_seed(0)


class PositionAttention(nn.Module):
    def __init__(self, channels, inner):
        super().__init__()
        self.q = nn.Conv2d(channels, inner, 1)
        self.k = nn.Conv2d(channels, inner, 1)
        self.v = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.q(x).flatten(2).transpose(1, 2)
        k = self.k(x).flatten(2)
        attn = torch.matmul(q, k)
        print("attn stride", attn.stride(), attn.is_contiguous())
        attn = F.softmax(attn.view(b, -1), dim=1).view(b, h * w, h * w)
        v = self.v(x).flatten(2).transpose(1, 2)
        return torch.matmul(attn, v).reshape(b, c, h, w) + x


class Patch:
    def __init__(self, image, label):
        self.image, self.label = image, label


def collate_patch(batch, *, collate_fn_map=None):
    return {"image": torch.stack([p.image for p in batch]),
            "label": torch.tensor([p.label for p in batch])}


class Patches(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return Patch(torch.randn(4, 4, 4, generator=g), i % 2), {"case": i, "w": np.float32(i) / 8}


def list_collate(batch):
    return collate(batch, collate_fn_map={**default_collate_fn_map, Patch: collate_patch})


model = nn.Sequential(nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), PositionAttention(8, 8),
                      nn.Conv2d(8, 2, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loader = DataLoader(Patches(), batch_size=4, collate_fn=list_collate)
for epoch in range(2):
    for patch, meta in loader:
        opt.zero_grad()
        logits = model(patch["image"])
        target = patch["label"].view(-1, 1, 1).expand(-1, 4, 4)
        loss = F.cross_entropy(logits, target)
        loss.backward()
        opt.step()
        print(f"epoch {epoch} cases {meta['case'].tolist()} w {meta['w'].sum().item():.4f} "
              f"loss {loss.item():.6f}")

print("default map keys", [getattr(k, "__name__", "tuple") for k in default_collate_fn_map])
print("tensor fn", collate_tensor_fn([torch.ones(2), torch.zeros(2)]).tolist())

for obj, kind in [([1, 2], List[int]), ([1, "a"], List[int]), ({"a": torch.ones(1)},
                  Dict[str, torch.Tensor]), (None, Optional[torch.Tensor]), (3, (str, int))]:
    print("jit.isinstance", kind, torch.jit.isinstance(obj, kind))

graph = fx.Graph()
tracer = fx.proxy.GraphAppendingTracer(graph)
x1 = fx.Proxy(graph.placeholder("x1", torch.Tensor), tracer=tracer)
x2 = fx.Proxy(graph.placeholder("x2", torch.Tensor), tracer=tracer)
outer = torch.einsum("zu,zv->zuv", x1.reshape(-1, 3), x2)
weight = fx.Proxy(graph.get_attr("weight"), tracer=tracer)
out = torch.einsum("zuv,uvw->zw", [outer, weight]) / 3 ** 0.5
graph.output(out.node)
root = nn.Module()
root.weight = nn.Parameter(torch.randn(3, 2, 4))
tp = fx.GraphModule(root, graph)
print([(n.op, len(n.args)) for n in tp.graph.nodes])
a, b = torch.randn(5, 3), torch.randn(5, 2)
y = tp(a, b)
y.square().sum().backward()
print("tp", y.shape, f"{y.sum().item():.5f}", f"{root.weight.grad.norm().item():.5f}")
