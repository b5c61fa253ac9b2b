"""A categorical VAE with the Gumbel-softmax trick, as in the paper's reference code: logits of
N latent variables with K categories, F.gumbel_softmax with a temperature annealed by
exponential decay, hard=True for the straight-through estimator at evaluation, and the KL to a
uniform prior computed with log_softmax."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(10)
np.random.seed(10)
N, K = 4, 5  # latent variables, categories


def sample_gumbel(shape, eps=1e-20):
    U = torch.rand(shape)
    return -torch.log(-torch.log(U + eps) + eps)


def gumbel_softmax_sample(logits, temperature):
    y = logits + sample_gumbel(logits.size())
    return F.softmax(y / temperature, dim=-1)


class GumbelVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(36, 64)
        self.fc2 = nn.Linear(64, N * K)
        self.fc3 = nn.Linear(N * K, 64)
        self.fc4 = nn.Linear(64, 36)

    def encode(self, x):
        return self.fc2(F.relu(self.fc1(x))).view(-1, N, K)

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z.view(-1, N * K)))))

    def forward(self, x, temp, hard=False):
        q = self.encode(x)
        z = F.gumbel_softmax(q, tau=temp, hard=hard)
        return self.decode(z), F.softmax(q, dim=-1)


def loss_function(recon_x, x, qy):
    bce = F.binary_cross_entropy(recon_x, x, reduction="sum") / x.shape[0]
    log_ratio = torch.log(qy * K + 1e-20)
    kld = torch.sum(qy * log_ratio, dim=-1).mean()
    return bce + kld


protos = (torch.rand(6, 36) > 0.5).float()
data = protos[torch.randint(0, 6, (96,))]
flip = torch.rand(96, 36) < 0.05
data = torch.where(flip, 1 - data, data)

s = gumbel_softmax_sample(torch.zeros(2, K), 0.5)
print("manual sample rows sum to 1:", torch.allclose(s.sum(-1), torch.ones(2)))
h = F.gumbel_softmax(torch.randn(3, K), tau=1.0, hard=True)
print(h, h.sum(-1))

model = GumbelVAE()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
temp, temp_min, anneal_rate = 1.0, 0.5, 0.05
for epoch in range(1, 5):
    model.train()
    train_loss = 0.0
    for i in range(0, 96, 24):
        x = data[i:i + 24]
        optimizer.zero_grad()
        recon, qy = model(x, temp)
        loss = loss_function(recon, x, qy)
        loss.backward()
        train_loss += loss.item() * len(x)
        optimizer.step()
    temp = np.maximum(temp * np.exp(-anneal_rate * epoch), temp_min)
    print(f"Epoch {epoch} loss {train_loss / 96:.4f} temp {temp:.4f}")

model.eval()
with torch.no_grad():
    recon, qy = model(data[:4], temp, hard=True)
    print("hard recon error", F.binary_cross_entropy(recon, data[:4]).item() > 0)
    codes = qy.argmax(-1)
    print(codes.shape, codes.dtype)
    ind = torch.zeros(2, N, K)
    ind.scatter_(2, torch.randint(0, K, (2, N, 1)), 1.0)
    samples = model.decode(ind)
    print(samples.shape, f"{samples.mean().item():.4f}")
print(f"log K = {math.log(K):.4f}")
