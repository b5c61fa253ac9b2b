"""Vision-transformer code in the style of timm and vit-pytorch: attention written with
`torch.einsum` and dropout on the attention weights (the mask is drawn in the memory order of
the einsum result, so its layout must be PyTorch's), annotations imported from
`torch.jit.annotations`, and a typed dataset and batch sampler (`Dataset[Tuple[Tensor, int]]`,
`Sampler[List[int]]`) feeding a few AdamW steps."""
from typing import Iterator, List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.jit.annotations import Optional
from torch.utils.data import DataLoader, Dataset, Sampler

torch.manual_seed(0)


class Patches(Dataset[Tuple[torch.Tensor, int]]):
    def __init__(self, n: int):
        self.images = torch.randn(n, 3, 16, 16)
        self.labels = torch.randint(0, 4, (n,))

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> Tuple[torch.Tensor, int]:
        return self.images[i], int(self.labels[i])


class PairedBatches(Sampler[List[int]]):
    def __init__(self, n: int):
        self.n = n

    def __iter__(self) -> Iterator[List[int]]:
        order = torch.randperm(self.n).tolist()
        return iter([order[i:i + 6] for i in range(0, self.n, 6)])

    def __len__(self) -> int:
        return (self.n + 5) // 6


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, drop: float):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.drop = nn.Dropout(drop)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        scores = torch.einsum("bhid,bhjd->bhij", q, k) * (d // self.heads) ** -0.5
        if bias is not None:
            scores = scores + bias
        weights = self.drop(scores.softmax(dim=-1))
        print("  weights", tuple(weights.shape), weights.stride())
        mixed = torch.einsum("bhij,bhjd->bhid", weights, v)
        return self.out(mixed.transpose(1, 2).reshape(b, n, d))


class TinyViT(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Conv2d(3, 32, 4, stride=4)
        self.pos = nn.Parameter(torch.randn(1, 16, 32) * 0.02)
        self.norm1 = nn.LayerNorm(32)
        self.attn = Attention(32, 4, drop=0.2)
        self.norm2 = nn.LayerNorm(32)
        self.mlp = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Dropout(0.1), nn.Linear(64, 32))
        self.head = nn.Linear(32, 4)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2) + self.pos
        x = x + self.attn(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return self.head(x.mean(dim=1))


data = Patches(18)
loader = DataLoader(data, batch_sampler=PairedBatches(len(data)))
model = TinyViT()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
for epoch in range(2):
    for images, labels in loader:
        loss = F.cross_entropy(model(images), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"epoch {epoch} loss {loss.item():.5f}")
print("classes", torch.einsum("bij,bkj->kib", torch.ones(2, 3, 4), torch.ones(2, 5, 4)).stride())
