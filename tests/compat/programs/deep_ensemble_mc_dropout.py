"""Predictive uncertainty as the deep-ensembles (Lakshminarayanan et al.) and MC-dropout (Gal &
Ghahramani) papers' code writes it: M independently seeded regressors with a Gaussian NLL head
(mean and softplus variance, F.gaussian_nll_loss and by hand), ensemble mixture mean/variance,
MC dropout by keeping dropout active (model.train()) for T stochastic passes under no_grad,
predictive entropy and mutual information for a classifier ensemble, expected calibration error
with torch.bucketize, and out-of-distribution inputs getting larger variance; in float64
(torch.set_default_dtype), as small regression studies often are."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)  # small regression problems: double precision throughout

x_train = torch.cat([torch.linspace(-4, -1, 40), torch.linspace(1, 4, 40)]).unsqueeze(1)
y_train = x_train.pow(3) / 10 + torch.randn_like(x_train) * 0.3
x_test = torch.linspace(-6, 6, 13).unsqueeze(1)


class GaussianMLP(nn.Module):
    def __init__(self, p_drop=0.0):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(1, 50), nn.ReLU(), nn.Dropout(p_drop),
                                  nn.Linear(50, 50), nn.ReLU(), nn.Dropout(p_drop))
        self.mean = nn.Linear(50, 1)
        self.var = nn.Linear(50, 1)

    def forward(self, x):
        h = self.body(x)
        return self.mean(h), F.softplus(self.var(h)) + 1e-6


def train(model, epochs=150, lr=0.01):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        mu, var = model(x_train)
        loss = F.gaussian_nll_loss(mu, y_train, var)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


ensemble = []
for m in range(4):
    torch.manual_seed(100 + m)
    net = GaussianMLP()
    final = train(net)
    ensemble.append(net)
    print(f"member {m} final nll {final:.4f}")

mu, var = ensemble[0](x_train)
by_hand = 0.5 * (torch.log(var) + (y_train - mu) ** 2 / var).mean()
print("gaussian_nll_loss by hand", torch.allclose(by_hand, F.gaussian_nll_loss(mu, y_train, var)))

with torch.no_grad():
    mus, vars_ = zip(*[net(x_test) for net in ensemble])
    mus, vars_ = torch.stack(mus), torch.stack(vars_)
    mean = mus.mean(0)
    total_var = (vars_ + mus.pow(2)).mean(0) - mean.pow(2)
    epistemic = mus.var(0, unbiased=False)
for xi, m_, v_, e_ in zip(x_test.squeeze(1).tolist(), mean.squeeze(1).tolist(),
                          total_var.squeeze(1).tolist(), epistemic.squeeze(1).tolist()):
    print(f"x {xi:5.1f} mean {m_:8.4f} std {v_ ** 0.5:7.4f} epistemic {e_:8.4f}")

# MC dropout
torch.manual_seed(7)
mc = GaussianMLP(p_drop=0.1)
print("mc-dropout nll", round(train(mc), 4))
mc.train()  # keep dropout on at test time
with torch.no_grad():
    samples = torch.stack([mc(x_test)[0] for _ in range(30)])
mc_std = samples.std(0).squeeze(1)
print("mc std in-distribution", mc_std[[4, 8]].tolist())
print("mc std far away", mc_std[[0, 12]].tolist())
mc.eval()
with torch.no_grad():
    det = mc(x_test)[0]
print("eval() is deterministic", torch.equal(det, mc(x_test)[0].detach()))

# classification ensemble: entropy, mutual information, calibration
torch.manual_seed(3)
X = torch.randn(300, 2)
Y = (X[:, 0] * X[:, 1] > 0).long()
members = []
for m in range(3):
    torch.manual_seed(m)
    clf = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 2))
    opt = torch.optim.SGD(clf.parameters(), lr=0.5)
    for _ in range(100):
        loss = F.cross_entropy(clf(X), Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    members.append(clf)
with torch.no_grad():
    probs = torch.stack([F.softmax(c(X), -1) for c in members])
    p_mean = probs.mean(0)
    entropy = -(p_mean * torch.log(p_mean + 1e-12)).sum(-1)
    expected_entropy = -(probs * torch.log(probs + 1e-12)).sum(-1).mean(0)
    mi = entropy - expected_entropy
    conf, pred = p_mean.max(-1)
    acc = (pred == Y).float()
    edges = torch.linspace(0.5, 1.0, 6)
    bins = torch.bucketize(conf, edges[1:-1])
    ece = torch.zeros(())
    for b in range(5):
        sel = bins == b
        if sel.any():
            ece += sel.float().mean() * (acc[sel].mean() - conf[sel].mean()).abs()
print("ensemble accuracy", acc.mean().item())
print("mean entropy", entropy.mean().item(), "mean mutual information", mi.mean().item())
print("ECE", ece.item(), "bin counts", torch.bincount(bins, minlength=5).tolist())
