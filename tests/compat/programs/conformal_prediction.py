"""Split conformal prediction as the "gentle introduction" (Angelopoulos & Bates) notebooks
write it: a classifier trained on one split, conformity scores 1 - softmax[true] on a calibration
split, the finite-sample quantile level ceil((n+1)(1-alpha))/n through torch.quantile with
interpolation='higher', prediction sets, empirical coverage and set sizes; adaptive prediction sets
(APS) from sorted cumulative probabilities with torch.sort/cumsum/gather; conformalised quantile
regression (CQR) with a pinball loss; all under torch.no_grad."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

K, N = 4, 1500
means = torch.tensor([[0.0, 0.0], [1.5, 0.0], [0.0, 1.5], [1.5, 1.5]])
y = torch.randint(0, K, (N,))
x = means[y] + torch.randn(N, 2) * 0.7
tr, cal, te = torch.arange(0, 500), torch.arange(500, 1000), torch.arange(1000, N)

model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, K))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(100):
    loss = F.cross_entropy(model(x[tr]), y[tr])
    opt.zero_grad()
    loss.backward()
    opt.step()
model.eval()
with torch.no_grad():
    probs = F.softmax(model(x), dim=1)
print("train loss", round(loss.item(), 4), "test accuracy",
      (probs[te].argmax(1) == y[te]).float().mean().item())

for alpha in (0.05, 0.1, 0.2):
    n = len(cal)
    scores = 1 - probs[cal].gather(1, y[cal].unsqueeze(1)).squeeze(1)
    q_level = math.ceil((n + 1) * (1 - alpha)) / n
    qhat = torch.quantile(scores, q_level, interpolation="higher")
    sets = probs[te] >= (1 - qhat)
    covered = sets[torch.arange(len(te)), y[te]].float().mean()
    print(f"alpha {alpha:.2f} qhat {qhat.item():.4f} coverage {covered.item():.3f} "
          f"avg set size {sets.sum(1).float().mean().item():.3f}")

# adaptive prediction sets (APS), deterministic version
alpha = 0.1
cal_pi = probs[cal].argsort(1, descending=True)
cal_srt = probs[cal].gather(1, cal_pi).cumsum(dim=1)
rank_of_true = cal_pi.argsort(1).gather(1, y[cal].unsqueeze(1)).squeeze(1)
cal_scores = cal_srt.gather(1, rank_of_true.unsqueeze(1)).squeeze(1)
n = len(cal)
qhat = torch.quantile(cal_scores, math.ceil((n + 1) * (1 - alpha)) / n, interpolation="higher")
srt, pi = torch.sort(probs[te], dim=1, descending=True)
srt_cum = srt.cumsum(1)
keep_sorted = srt_cum - srt < qhat          # include the class that crosses the threshold
prediction_sets = torch.zeros_like(keep_sorted).scatter(1, pi, keep_sorted)
aps_cov = prediction_sets[torch.arange(len(te)), y[te]].float().mean()
print(f"APS qhat {qhat.item():.4f} coverage {aps_cov.item():.3f} "
      f"sizes {torch.bincount(prediction_sets.sum(1), minlength=K + 1).tolist()}")

# conformalised quantile regression
torch.manual_seed(1)
xr = torch.rand(900, 1) * 4
yr = torch.sin(2 * xr) + (0.1 + 0.3 * xr) * torch.randn_like(xr)
qnet = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 2))
opt = torch.optim.Adam(qnet.parameters(), lr=0.01)
lo_q, hi_q = 0.05, 0.95
for step in range(200):
    pred = qnet(xr[:300])
    err = yr[:300] - pred
    qs = torch.tensor([lo_q, hi_q])
    loss = torch.maximum(qs * err, (qs - 1) * err).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
with torch.no_grad():
    p_cal = qnet(xr[300:600])
    s = torch.maximum(p_cal[:, 0:1] - yr[300:600], yr[300:600] - p_cal[:, 1:2]).squeeze(1)
    qh = torch.quantile(s, math.ceil(301 * 0.9) / 300, interpolation="higher")
    p_te = qnet(xr[600:])
    lo, hi = p_te[:, 0] - qh, p_te[:, 1] + qh
    raw_cov = ((yr[600:, 0] >= p_te[:, 0]) & (yr[600:, 0] <= p_te[:, 1])).float().mean()
    cov = ((yr[600:, 0] >= lo) & (yr[600:, 0] <= hi)).float().mean()
print(f"CQR pinball {loss.item():.4f} correction {qh.item():.4f} raw coverage {raw_cov.item():.3f} "
      f"conformal coverage {cov.item():.3f} mean width {(hi - lo).mean().item():.3f}")
for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
    print(interp, torch.quantile(torch.tensor([1.0, 2.0, 4.0, 8.0]), 0.4, interpolation=interp).item())
