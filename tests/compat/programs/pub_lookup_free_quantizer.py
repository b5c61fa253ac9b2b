"""Lookup-free and finite scalar quantization in the style of the quantizer libraries: the module
imports ``torch.distributed.nn`` at import time to average code probabilities across ranks
(used only once a process group exists), binarises each channel to +-1 with a straight-through
estimator, reads the code index off the sign bits, adds an entropy penalty (per-sample entropy
low, codebook entropy high) and a commitment loss; an FSQ layer bounds each channel with tanh
and rounds to a few levels; a two-stage residual quantizer trains a small autoencoder."""
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.distributed import nn as dist_nn

torch.manual_seed(5)


def maybe_distributed_mean(t):
    if not (dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
        return t
    return dist_nn.all_reduce(t) / dist.get_world_size()


def entropy(prob, eps=1e-5):
    return (-prob * prob.clamp(min=eps).log()).sum(dim=-1)


class LookupFreeQuantizer(nn.Module):
    def __init__(self, dim, codebook_bits, entropy_weight=0.1, diversity_gamma=1.0,
                 commitment_weight=0.25):
        super().__init__()
        self.project_in = nn.Linear(dim, codebook_bits)
        self.project_out = nn.Linear(codebook_bits, dim)
        self.entropy_weight, self.gamma = entropy_weight, diversity_gamma
        self.commitment_weight = commitment_weight
        self.register_buffer("mask", 2 ** torch.arange(codebook_bits - 1, -1, -1), persistent=False)
        codes = torch.arange(2 ** codebook_bits)[..., None].bitwise_and(self.mask) != 0
        self.register_buffer("codebook", codes.float() * 2 - 1, persistent=False)

    def indices_to_codes(self, indices):
        bits = (indices[..., None].bitwise_and(self.mask) != 0).float()
        return self.project_out(bits * 2 - 1)

    def forward(self, x, inv_temperature=50.0):
        z = self.project_in(x)
        ones = torch.ones_like(z)
        quantized = torch.where(z > 0, ones, -ones)
        indices = ((z > 0).int() * self.mask.int()).sum(dim=-1)
        aux = z.new_zeros(())
        if self.training:
            quantized = z + (quantized - z).detach()
            distance = -2 * torch.einsum("... i d, j d -> ... i j", z, self.codebook)
            prob = (-distance * inv_temperature).softmax(dim=-1).flatten(0, -2)
            per_sample = entropy(prob).mean()
            avg_prob = maybe_distributed_mean(prob.mean(dim=0))
            codebook_entropy = entropy(avg_prob).mean()
            commit = F.mse_loss(z, quantized.detach())
            aux = (per_sample - self.gamma * codebook_entropy) * self.entropy_weight \
                + commit * self.commitment_weight
        return self.project_out(quantized), indices, aux


def round_ste(z):
    return z + (z.round() - z).detach()


class FiniteScalarQuantizer(nn.Module):
    def __init__(self, levels, dim):
        super().__init__()
        self.register_buffer("levels", torch.tensor(levels, dtype=torch.int32), persistent=False)
        basis = torch.cumprod(torch.tensor([1] + levels[:-1]), dim=0, dtype=torch.int32)
        self.register_buffer("basis", basis, persistent=False)
        self.project_in = nn.Linear(dim, len(levels))
        self.project_out = nn.Linear(len(levels), dim)

    def bound(self, z, eps=1e-3):
        half_l = (self.levels - 1) * (1 + eps) / 2
        offset = torch.where(self.levels % 2 == 0, 0.5, 0.0)
        shift = (offset / half_l).atanh()
        return (z + shift).tanh() * half_l - offset

    def forward(self, x):
        z = self.project_in(x)
        half_width = self.levels // 2
        codes = round_ste(self.bound(z)) / half_width
        indices = ((codes * half_width + half_width).round().int() * self.basis).sum(dim=-1)
        return self.project_out(codes), indices


class Autoencoder(nn.Module):
    def __init__(self, dim=12, hidden=24):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, hidden))
        self.lfq = LookupFreeQuantizer(hidden, codebook_bits=6)
        self.fsq = FiniteScalarQuantizer([8, 5, 5, 4], hidden)
        self.dec = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x):
        h = self.enc(x)
        q1, idx1, aux = self.lfq(h)
        q2, idx2 = self.fsq(h - q1.detach())  # the second stage quantizes the residual
        return self.dec(q1 + q2), (idx1, idx2), aux


model = Autoencoder()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
data = torch.randn(64, 12) @ torch.randn(12, 12) * 0.5
for step in range(30):
    batch = data[torch.randint(0, 64, (16,))]
    recon, (idx1, idx2), aux = model(batch)
    rec = F.mse_loss(recon, batch)
    loss = rec + aux
    opt.zero_grad()
    loss.backward()
    gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step % 5 == 0:
        used = torch.unique(idx1).numel()
        print(f"step {step:2d} rec {rec.item():.5f} aux {aux.item():.5f} grad norm "
              f"{gnorm.item():.4f} lfq codes used {used}")

model.eval()
with torch.no_grad():
    recon, (idx1, idx2), aux = model(data[:8])
    print("eval aux", aux.item(), "indices", idx1.tolist(), idx2.tolist())
    print("codes from indices", model.lfq.indices_to_codes(idx1).sum().item())
    counts = torch.bincount(idx1, minlength=64).float()
    print("lfq usage entropy", entropy(counts / counts.sum()).item())
