"""VQ-VAE as the Sonnet/"vqvae-pytorch" ports write it: a conv encoder to a 4x4 grid, a vector
quantizer with an EMA codebook (cluster sizes with Laplace smoothing, embed_avg updated with
one_hot.t() @ flat), nearest codes by expanding ||x||^2 - 2xe + ||e||^2 and by torch.cdist
(compared), the straight-through estimator x + (q - x).detach(), commitment loss, perplexity
from average code usage, and dead-code restarts from random encoder outputs."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)


class VectorQuantizerEMA(nn.Module):
    def __init__(self, num_embeddings, dim, commitment=0.25, decay=0.9, eps=1e-5):
        super().__init__()
        self.K, self.D, self.beta, self.decay, self.eps = num_embeddings, dim, commitment, decay, eps
        embed = torch.randn(num_embeddings, dim)
        self.register_buffer("embedding", embed)
        self.register_buffer("cluster_size", torch.zeros(num_embeddings))
        self.register_buffer("embed_avg", embed.clone())

    def forward(self, z):
        z_perm = z.permute(0, 2, 3, 1).contiguous()
        flat = z_perm.view(-1, self.D)
        distances = (flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.embedding.t()
                     + self.embedding.pow(2).sum(1))
        idx = torch.argmin(distances, dim=1)
        idx_cdist = torch.cdist(flat, self.embedding).argmin(dim=1)
        one_hot = F.one_hot(idx, self.K).type(flat.dtype)
        quantized = (one_hot @ self.embedding).view(z_perm.shape)
        if self.training:
            with torch.no_grad():
                self.cluster_size.mul_(self.decay).add_(one_hot.sum(0), alpha=1 - self.decay)
                self.embed_avg.mul_(self.decay).add_(one_hot.t() @ flat, alpha=1 - self.decay)
                n = self.cluster_size.sum()
                size = (self.cluster_size + self.eps) / (n + self.K * self.eps) * n
                self.embedding.copy_(self.embed_avg / size.unsqueeze(1))
        commit = F.mse_loss(z_perm, quantized.detach())
        quantized = z_perm + (quantized - z_perm).detach()
        avg_probs = one_hot.mean(0)
        perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
        return (self.beta * commit, quantized.permute(0, 3, 1, 2).contiguous(), perplexity,
                idx, (idx == idx_cdist).float().mean())

    @torch.no_grad()
    def restart_dead(self, z, threshold=0.05):
        flat = z.permute(0, 2, 3, 1).reshape(-1, self.D)
        dead = self.cluster_size < threshold
        n_dead = int(dead.sum())
        if n_dead:
            pick = flat[torch.randperm(flat.shape[0])[:n_dead]]
            self.embedding[dead] = pick
            self.embed_avg[dead] = pick
            self.cluster_size[dead] = 1.0
        return n_dead


class VQVAE(nn.Module):
    def __init__(self, K=16, D=4):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 16, 4, 2, 1), nn.ReLU(), nn.Conv2d(16, D, 4, 2, 1))
        self.vq = VectorQuantizerEMA(K, D)
        self.dec = nn.Sequential(nn.ConvTranspose2d(D, 16, 4, 2, 1), nn.ReLU(),
                                 nn.ConvTranspose2d(16, 1, 4, 2, 1))

    def forward(self, x):
        z = self.enc(x)
        vq_loss, q, ppl, idx, agree = self.vq(z)
        return self.dec(q), vq_loss, ppl, idx, agree, z


def batch(n):
    t = torch.linspace(0, 1, 16)
    freq = torch.randint(1, 4, (n, 1, 1, 1)).float()
    img = torch.sin(freq * 6.28 * t.view(1, 1, 16, 1)) * torch.cos(freq * 3.14 * t.view(1, 1, 1, 16))
    return img + 0.05 * torch.randn(n, 1, 16, 16)


model = VQVAE()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(25):
    x = batch(8)
    recon, vq_loss, ppl, idx, agree, z = model(x)
    rec = F.mse_loss(recon, x)
    loss = rec + vq_loss
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 4:
        n_dead = model.vq.restart_dead(z.detach())
        print(f"step {step} rec {rec.item():.5f} commit {vq_loss.item():.5f} ppl {ppl.item():.3f} "
              f"agree {agree.item():.2f} restarted {n_dead} used {idx.unique().numel()}")
print("cluster sizes", model.vq.cluster_size)
model.eval()
with torch.no_grad():
    recon, _, ppl, idx, _, _ = model(batch(4))
print("codes", idx.view(4, 4, 4)[0], "eval ppl", round(ppl.item(), 3))
