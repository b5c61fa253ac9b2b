"""The Set Transformer (Lee et al. 2019) as its official code writes it: MAB (multihead
attention block with Q/K/V linears, heads split by torch.cat(X.split(dim_split, 2), 0), softmax
of Q K^T / sqrt(dim_V), residual on Q, optional LayerNorm, rFF with relu), SAB, ISAB with learned
inducing points (nn.Parameter + xavier_uniform_ + repeat), PMA pooling with seed vectors; trained to
predict the maximum of a set and the number of distinct clusters, against a Deep Sets baseline,
and permutation invariance checked with torch.randperm."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class MAB(nn.Module):
    def __init__(self, dim_Q, dim_K, dim_V, num_heads, ln=False):
        super().__init__()
        self.dim_V = dim_V
        self.num_heads = num_heads
        self.fc_q = nn.Linear(dim_Q, dim_V)
        self.fc_k = nn.Linear(dim_K, dim_V)
        self.fc_v = nn.Linear(dim_K, dim_V)
        if ln:
            self.ln0 = nn.LayerNorm(dim_V)
            self.ln1 = nn.LayerNorm(dim_V)
        self.fc_o = nn.Linear(dim_V, dim_V)

    def forward(self, Q, K):
        Q = self.fc_q(Q)
        K, V = self.fc_k(K), self.fc_v(K)
        dim_split = self.dim_V // self.num_heads
        Q_ = torch.cat(Q.split(dim_split, 2), 0)
        K_ = torch.cat(K.split(dim_split, 2), 0)
        V_ = torch.cat(V.split(dim_split, 2), 0)
        A = torch.softmax(Q_.bmm(K_.transpose(1, 2)) / math.sqrt(self.dim_V), 2)
        O = torch.cat((Q_ + A.bmm(V_)).split(Q.size(0), 0), 2)
        O = O if getattr(self, "ln0", None) is None else self.ln0(O)
        O = O + F.relu(self.fc_o(O))
        O = O if getattr(self, "ln1", None) is None else self.ln1(O)
        return O


class SAB(nn.Module):
    def __init__(self, dim_in, dim_out, num_heads, ln=False):
        super().__init__()
        self.mab = MAB(dim_in, dim_in, dim_out, num_heads, ln=ln)

    def forward(self, X):
        return self.mab(X, X)


class ISAB(nn.Module):
    def __init__(self, dim_in, dim_out, num_heads, num_inds, ln=False):
        super().__init__()
        self.I = nn.Parameter(torch.Tensor(1, num_inds, dim_out))
        nn.init.xavier_uniform_(self.I)
        self.mab0 = MAB(dim_out, dim_in, dim_out, num_heads, ln=ln)
        self.mab1 = MAB(dim_in, dim_out, dim_out, num_heads, ln=ln)

    def forward(self, X):
        H = self.mab0(self.I.repeat(X.size(0), 1, 1), X)
        return self.mab1(X, H)


class PMA(nn.Module):
    def __init__(self, dim, num_heads, num_seeds, ln=False):
        super().__init__()
        self.S = nn.Parameter(torch.Tensor(1, num_seeds, dim))
        nn.init.xavier_uniform_(self.S)
        self.mab = MAB(dim, dim, dim, num_heads, ln=ln)

    def forward(self, X):
        return self.mab(self.S.repeat(X.size(0), 1, 1), X)


class SetTransformer(nn.Module):
    def __init__(self, dim_input, num_outputs, dim_output, num_inds=8, dim_hidden=32,
                 num_heads=4, ln=True):
        super().__init__()
        self.enc = nn.Sequential(
            ISAB(dim_input, dim_hidden, num_heads, num_inds, ln=ln),
            ISAB(dim_hidden, dim_hidden, num_heads, num_inds, ln=ln))
        self.dec = nn.Sequential(
            PMA(dim_hidden, num_heads, num_outputs, ln=ln),
            SAB(dim_hidden, dim_hidden, num_heads, ln=ln),
            nn.Linear(dim_hidden, dim_output))

    def forward(self, X):
        return self.dec(self.enc(X))


class DeepSet(nn.Module):
    def __init__(self, dim_input, dim_output, dim_hidden=32):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(dim_input, dim_hidden), nn.ReLU(),
                                 nn.Linear(dim_hidden, dim_hidden))
        self.dec = nn.Sequential(nn.Linear(dim_hidden, dim_hidden), nn.ReLU(),
                                 nn.Linear(dim_hidden, dim_output))

    def forward(self, X):
        return self.dec(self.enc(X).mean(-2))


def gen_max(batch=32, n=10):
    x = torch.rand(batch, n, 1) * 10
    return x, x.max(dim=1)[0]


def gen_clusters(batch=32, n=12, max_k=4):
    k = torch.randint(1, max_k + 1, (batch,))
    centers = torch.randn(batch, max_k, 2) * 4
    assign = (torch.rand(batch, n) * k[:, None]).long()
    x = centers.gather(1, assign.unsqueeze(-1).expand(-1, -1, 2)) + 0.1 * torch.randn(batch, n, 2)
    return x, k - 1


for name, model in [("set transformer", SetTransformer(1, 1, 1)), ("deep sets", DeepSet(1, 1))]:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for step in range(40):
        x, y = gen_max()
        out = model(x).view(-1, 1)
        loss = F.l1_loss(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        x, y = gen_max(64)
        err = (model(x).view(-1, 1) - y).abs().mean()
    print(f"max-of-set {name:15s} train l1 {loss.item():.4f} test l1 {err.item():.4f}")

torch.manual_seed(1)
clf = SetTransformer(2, 1, 4, num_inds=6)
opt = torch.optim.Adam(clf.parameters(), lr=2e-3)
for step in range(30):
    x, k = gen_clusters()
    logits = clf(x).squeeze(1)
    loss = F.cross_entropy(logits, k)
    opt.zero_grad()
    loss.backward()
    opt.step()
clf.eval()
with torch.no_grad():
    x, k = gen_clusters(64)
    out = clf(x).squeeze(1)
    perm = torch.randperm(x.shape[1])
    out_perm = clf(x[:, perm]).squeeze(1)
print("cluster count loss", round(loss.item(), 4), "acc", (out.argmax(1) == k).float().mean().item())
print("permutation invariant", torch.allclose(out, out_perm, atol=1e-5), out.shape)
print("inducing points", clf.enc[0].I.shape, "seeds", clf.dec[0].S.shape)
