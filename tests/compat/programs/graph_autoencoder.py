"""A (variational) graph autoencoder (Kipf & Welling 2016) in plain PyTorch, as tutorials
write it before reaching for a library: a symmetric normalised adjacency D^-1/2 (A+I) D^-1/2 built
densely with torch.diag and rsqrt, a two-layer GCN encoder producing mu and logstd, the
reparameterisation trick, an inner-product decoder, positive edges against negative edges drawn
with torch.randint, a KL term averaged over nodes, and link-prediction AUC from a rank statistic
(torch.argsort) and average precision by hand."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)

N, F_in = 40, 10
blocks = torch.arange(N) // 10
A = ((blocks[:, None] == blocks[None, :]) & (torch.rand(N, N) < 0.5)).float()
A = torch.triu(A, diagonal=1)
A = A + A.T
X = torch.eye(N)[:, :F_in] + 0.1 * torch.randn(N, F_in)
edges = A.triu(1).nonzero()
perm = torch.randperm(edges.shape[0])
n_test = edges.shape[0] // 10
test_pos, train_pos = edges[perm[:n_test]], edges[perm[n_test:]]
A_train = torch.zeros(N, N)
A_train[train_pos[:, 0], train_pos[:, 1]] = 1
A_train = A_train + A_train.T
print("nodes", N, "edges", edges.shape[0], "train", train_pos.shape[0], "test", test_pos.shape[0])


def normalize(adj):
    adj = adj + torch.eye(adj.shape[0])
    d = adj.sum(1)
    d_inv_sqrt = torch.diag(d.rsqrt())
    return d_inv_sqrt @ adj @ d_inv_sqrt


A_hat = normalize(A_train)
print("A_hat symmetric", torch.allclose(A_hat, A_hat.T), "row sums", A_hat.sum(1)[:4])


class GraphConv(nn.Module):
    def __init__(self, i, o, act=True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(i, o))
        nn.init.xavier_uniform_(self.weight)
        self.act = act

    def forward(self, x, adj):
        out = adj @ (x @ self.weight)
        return F.relu(out) if self.act else out


class VGAE(nn.Module):
    def __init__(self, variational=True):
        super().__init__()
        self.gc1 = GraphConv(F_in, 16)
        self.gc_mu = GraphConv(16, 8, act=False)
        self.gc_logstd = GraphConv(16, 8, act=False)
        self.variational = variational

    def encode(self, x, adj):
        h = self.gc1(x, adj)
        self.mu, self.logstd = self.gc_mu(h, adj), self.gc_logstd(h, adj).clamp(max=10)
        if self.training and self.variational:
            return self.mu + torch.randn_like(self.mu) * torch.exp(self.logstd)
        return self.mu

    def decode(self, z, pairs):
        return (z[pairs[:, 0]] * z[pairs[:, 1]]).sum(dim=1)

    def kl(self):
        return -0.5 / N * torch.mean(
            torch.sum(1 + 2 * self.logstd - self.mu ** 2 - self.logstd.exp() ** 2, dim=1))


def auc_ap(pos_score, neg_score):
    scores = torch.cat([pos_score, neg_score])
    labels = torch.cat([torch.ones_like(pos_score), torch.zeros_like(neg_score)])
    ranks = torch.argsort(torch.argsort(scores)).float() + 1
    n_pos, n_neg = len(pos_score), len(neg_score)
    auc = (ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    order = torch.argsort(scores, descending=True)
    hits = labels[order]
    precision = hits.cumsum(0) / torch.arange(1, len(hits) + 1)
    ap = (precision * hits).sum() / hits.sum()
    return auc.item(), ap.item()


for variational in (False, True):
    torch.manual_seed(0)
    model = VGAE(variational)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(80):
        model.train()
        z = model.encode(X, A_hat)
        neg = torch.randint(0, N, train_pos.shape)
        pos_out, neg_out = model.decode(z, train_pos), model.decode(z, neg)
        loss = F.binary_cross_entropy_with_logits(pos_out, torch.ones_like(pos_out)) + \
            F.binary_cross_entropy_with_logits(neg_out, torch.zeros_like(neg_out))
        if variational:
            loss = loss + model.kl()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if epoch % 20 == 0:
            print(f"{'VGAE' if variational else 'GAE'} epoch {epoch} loss {loss.item():.4f}")
    model.eval()
    with torch.no_grad():
        z = model.encode(X, A_hat)
        g = torch.Generator().manual_seed(123)
        test_neg = torch.randint(0, N, test_pos.shape, generator=g)
        auc, ap = auc_ap(torch.sigmoid(model.decode(z, test_pos)),
                         torch.sigmoid(model.decode(z, test_neg)))
        print(f"test AUC {auc:.4f} AP {ap:.4f} z norm {z.norm().item():.3f}")
        recon = torch.sigmoid(z @ z.T)
        print("reconstruction", recon.shape, "mean within block",
              recon[blocks[:, None] == blocks[None, :]].mean().item())
