"""A Kalman filter and RTS smoother for a constant-velocity target, written with tensors as in
robotics course notes: predict/update with the Joseph form, the innovation log-likelihood from
MultivariateNormal, torch.linalg.solve instead of an explicit inverse, a batched filter over
several independent tracks with torch.linalg.inv_ex, and learning the process-noise scale by
backpropagating through the filter."""
import torch
from torch.distributions import MultivariateNormal

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
dt = 0.1
F = torch.tensor([[1.0, dt], [0.0, 1.0]])
H = torch.tensor([[1.0, 0.0]])
Q0 = torch.tensor([[dt ** 3 / 3, dt ** 2 / 2], [dt ** 2 / 2, dt]])
R = torch.tensor([[0.25]])
T = 50
x = torch.tensor([0.0, 1.0])
xs, zs = [], []
for _ in range(T):
    x = F @ x + torch.linalg.cholesky(0.5 * Q0) @ torch.randn(2)
    xs.append(x)
    zs.append(H @ x + 0.5 * torch.randn(1))
xs, zs = torch.stack(xs), torch.stack(zs)


def kalman(zs, q):
    Q = q * Q0
    m, P = torch.zeros(2), torch.eye(2) * 10
    means, covs, preds, ll = [], [], [], 0.0
    for z in zs:
        m_pred, P_pred = F @ m, F @ P @ F.T + Q
        preds.append((m_pred, P_pred))
        S = H @ P_pred @ H.T + R
        K = torch.linalg.solve(S, H @ P_pred).T
        innov = z - H @ m_pred
        ll = ll + MultivariateNormal(torch.zeros(1), S).log_prob(innov)
        m = m_pred + K @ innov
        IKH = torch.eye(2) - K @ H
        P = IKH @ P_pred @ IKH.T + K @ R @ K.T
        means.append(m)
        covs.append(P)
    return torch.stack(means), torch.stack(covs), preds, ll


means, covs, preds, ll = kalman(zs, 0.5)
print("log-lik", ll.item())
print("filter rmse", ((means[:, 0] - xs[:, 0]) ** 2).mean().sqrt().item(),
      "raw rmse", ((zs[:, 0] - xs[:, 0]) ** 2).mean().sqrt().item())
print("last", means[-1], covs[-1].diagonal())

sm, sP = means[-1], covs[-1]
smoothed = [sm]
for t in range(T - 2, -1, -1):
    m_pred, P_pred = preds[t + 1]
    G = covs[t] @ F.T @ torch.linalg.inv(P_pred)
    sm = means[t] + G @ (sm - m_pred)
    sP = covs[t] + G @ (sP - P_pred) @ G.T
    smoothed.append(sm)
smoothed = torch.stack(smoothed[::-1])
print("smoother rmse", ((smoothed[:, 0] - xs[:, 0]) ** 2).mean().sqrt().item())
print("first smoothed", smoothed[0], sP.diagonal())

# batched filtering of 4 tracks at once
B = 4
zb = zs.unsqueeze(0) + 0.1 * torch.randn(B, T, 1)
m, P = torch.zeros(B, 2), torch.eye(2).expand(B, 2, 2) * 10
for t in range(T):
    m = m @ F.T
    P = F @ P @ F.T + 0.5 * Q0
    S = H @ P @ H.T + R
    Sinv, info = torch.linalg.inv_ex(S)
    K = P @ H.T @ Sinv
    m = m + (K @ (zb[:, t].unsqueeze(-1) - H @ m.unsqueeze(-1))).squeeze(-1)
    P = (torch.eye(2) - K @ H) @ P
print("batched", m, info.tolist())

# learn the noise scale by maximum likelihood through the filter
log_q = torch.tensor(0.0, requires_grad=True)
opt = torch.optim.Adam([log_q], lr=0.1)
for it in range(12):
    opt.zero_grad()
    nll = -kalman(zs, log_q.exp())[3]
    nll.backward()
    opt.step()
    if it % 4 == 0:
        print(f"it {it} nll {nll.item():.5f} q {log_q.exp().item():.5f} grad {log_q.grad.item():.5f}")
