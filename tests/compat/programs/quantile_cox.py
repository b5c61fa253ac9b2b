"""Two losses from applied statistics papers' reference code: quantile regression with the
pinball loss (several quantiles at once, checking empirical coverage and monotone quantiles with
torch.sort), and survival analysis with the Cox partial likelihood (DeepSurv): sort by time
descending, torch.logcumsumexp / cumsum over risks, events only, Breslow ties handling avoided by
distinct times, and Harrell's concordance index from pairwise comparisons."""
import torch
import torch.nn as nn

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
n = 300
x = torch.rand(n, 1) * 4 - 2
y = 1.5 * x.squeeze(1) + (0.3 + 0.4 * x.squeeze(1).abs()) * torch.randn(n)
qs = torch.tensor([0.1, 0.5, 0.9])


def pinball(pred, target, q):
    diff = target.unsqueeze(1) - pred
    return torch.maximum(q * diff, (q - 1) * diff).mean()


net = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 3))
opt = torch.optim.Adam(net.parameters(), lr=0.01)
for step in range(300):
    loss = pinball(net(x), y, qs)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 100 == 0:
        print(f"pinball {step} {loss.item():.5f}")
with torch.no_grad():
    pred = net(x)
    cover = (y.unsqueeze(1) <= pred).double().mean(0)
    print("coverage", cover)
    print("crossing", (pred.sort(dim=1).values != pred).any(dim=1).double().mean().item())
    xt = torch.tensor([[-1.5], [0.0], [1.5]])
    print("quantiles", net(xt))
lin = torch.tensor(0.0, requires_grad=True)
l = pinball(lin.expand(n).unsqueeze(1), y, torch.tensor([0.5]))
l.backward()
print("median subgradient", lin.grad.item())

# Cox proportional hazards
d = 3
Xs = torch.randn(n, d)
beta_true = torch.tensor([0.8, -0.5, 0.0])
T = -torch.log(torch.rand(n)) / torch.exp(Xs @ beta_true)
C = -torch.log(torch.rand(n)) / 0.3
time = torch.minimum(T, C)
event = (T <= C).double()
print("events", int(event.sum().item()))


def cox_loss(risk, time, event):
    order = torch.argsort(time, descending=True)
    r, e = risk[order], event[order]
    log_cum = torch.logcumsumexp(r, dim=0)
    return -((r - log_cum) * e).sum() / e.sum()


def cox_loss_cumsum(risk, time, event):
    order = torch.argsort(time, descending=True)
    r, e = risk[order], event[order]
    return -((r - torch.log(torch.cumsum(torch.exp(r), 0))) * e).sum() / e.sum()


beta = torch.zeros(d, requires_grad=True)
opt = torch.optim.LBFGS([beta], lr=1, max_iter=50, line_search_fn="strong_wolfe")


def closure():
    opt.zero_grad()
    loss = cox_loss(Xs @ beta, time, event)
    loss.backward()
    return loss


opt.step(closure)
print("beta", beta.detach(), "loss", cox_loss(Xs @ beta, time, event).item())
print("same loss", torch.allclose(cox_loss(Xs @ beta, time, event),
                                  cox_loss_cumsum(Xs @ beta, time, event)))
H = torch.autograd.functional.hessian(lambda b: cox_loss(Xs @ b, time, event), beta.detach())
se = torch.sqrt(torch.linalg.inv(H * event.sum()).diagonal())
print("std errors", se)

deep = nn.Sequential(nn.Linear(d, 16), nn.Tanh(), nn.Linear(16, 1))
opt = torch.optim.Adam(deep.parameters(), lr=0.01)
for step in range(100):
    loss = cox_loss(deep(Xs).squeeze(1), time, event)
    opt.zero_grad()
    loss.backward()
    opt.step()
print("deepsurv loss", loss.item())


def concordance(risk, time, event):
    ti, tj = time.unsqueeze(1), time.unsqueeze(0)
    comparable = (ti < tj) & (event.unsqueeze(1) == 1)
    concordant = (risk.unsqueeze(1) > risk.unsqueeze(0)) & comparable
    return concordant.sum().double() / comparable.sum()


with torch.no_grad():
    print("c-index linear", concordance(Xs @ beta, time, event).item())
    print("c-index deep", concordance(deep(Xs).squeeze(1), time, event).item())
