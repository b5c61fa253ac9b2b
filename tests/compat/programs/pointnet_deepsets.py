"""Set and point-cloud models as their reference code writes them: Deep Sets (phi per element,
sum pooling, rho), PointNet with a T-Net predicting a 3x3 transform (identity added with
torch.eye().repeat), shared MLPs as Conv1d(kernel_size=1) with BatchNorm1d, global max-pooling
over points with torch.max(..., 2, keepdim=True)[0], the orthogonality regulariser
||I - A A^T||, permutation invariance checked with torch.randperm, and masked sum pooling for padded
sets. Layers followed by BatchNorm have no bias (its gradient is zero up to rounding,
which Adam would turn into full-size steps of arbitrary sign)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(13)


class DeepSets(nn.Module):
    def __init__(self, in_dim=1, hidden=32):
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(in_dim, hidden), nn.ELU(), nn.Linear(hidden, hidden))
        self.rho = nn.Sequential(nn.Linear(hidden, hidden), nn.ELU(), nn.Linear(hidden, 1))

    def forward(self, x, mask=None):
        h = self.phi(x)
        if mask is not None:
            h = h * mask.unsqueeze(-1)
        return self.rho(h.sum(dim=1)).squeeze(-1)


class STN3d(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(3, 16, 1, bias=False)
        self.conv2 = nn.Conv1d(16, 32, 1, bias=False)
        self.fc1 = nn.Linear(32, 16)
        self.fc2 = nn.Linear(16, 9)
        self.bn1 = nn.BatchNorm1d(16)
        self.bn2 = nn.BatchNorm1d(32)

    def forward(self, x):
        batchsize = x.size()[0]
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = torch.max(x, 2, keepdim=True)[0].view(-1, 32)
        x = self.fc2(F.relu(self.fc1(x)))
        iden = torch.eye(3).flatten().view(1, 9).repeat(batchsize, 1)
        return (x + iden).view(-1, 3, 3)


class PointNetCls(nn.Module):
    def __init__(self, k=3):
        super().__init__()
        self.stn = STN3d()
        self.conv1 = nn.Conv1d(3, 32, 1, bias=False)
        self.conv2 = nn.Conv1d(32, 64, 1, bias=False)
        self.bn1 = nn.BatchNorm1d(32)
        self.bn2 = nn.BatchNorm1d(64)
        self.fc = nn.Sequential(nn.Linear(64, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU(),
                                nn.Dropout(p=0.3), nn.Linear(32, k))

    def forward(self, x):
        trans = self.stn(x)
        x = torch.bmm(x.transpose(2, 1), trans).transpose(2, 1)
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.bn2(self.conv2(x))
        x, idx = torch.max(x, 2)
        return F.log_softmax(self.fc(x), dim=1), trans, idx


def feature_transform_regularizer(trans):
    d = trans.size()[1]
    I = torch.eye(d)[None, :, :]
    return torch.mean(torch.norm(torch.bmm(trans, trans.transpose(2, 1)) - I, dim=(1, 2)))


# Deep Sets: predict the sum of a set of digits, sets padded to length 6
ds = DeepSets()
opt = torch.optim.Adam(ds.parameters(), lr=5e-3)
for step in range(60):
    lengths = torch.randint(1, 7, (32,))
    mask = (torch.arange(6)[None, :] < lengths[:, None]).float()
    x = torch.randint(0, 10, (32, 6, 1)).float() * mask.unsqueeze(-1)
    target = x.sum(dim=(1, 2))
    loss = F.mse_loss(ds(x / 10, mask), target / 10)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 20 == 19:
        print(f"deepsets step {step + 1} mse {loss.item():.5f}")
x = torch.rand(2, 6, 1)
perm = torch.randperm(6)
print("deepsets permutation invariant:", torch.allclose(ds(x), ds(x[:, perm]), atol=1e-6))


def make_cloud(kind, n=32):
    t = torch.rand(n) * 6.2832
    if kind == 0:   # circle in the xy plane
        pts = torch.stack([t.cos(), t.sin(), 0.05 * torch.randn(n)], 0)
    elif kind == 1:  # line along z
        pts = torch.stack([0.05 * torch.randn(n), 0.05 * torch.randn(n), t / 3 - 1], 0)
    else:           # random blob
        pts = torch.randn(3, n) * 0.5
    return pts


labels = torch.arange(36) % 3
clouds = torch.stack([make_cloud(int(k)) for k in labels])
model = PointNetCls()
opt = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.9, 0.999))
scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
for epoch in range(12):
    idx = torch.randperm(36)[:18]
    pred, trans, _ = model(clouds[idx])
    loss = F.nll_loss(pred, labels[idx]) + 0.001 * feature_transform_regularizer(trans)
    opt.zero_grad()
    loss.backward()
    opt.step()
    scheduler.step()
    if epoch % 4 == 3:
        print(f"pointnet epoch {epoch + 1} loss {loss.item():.4f}")
model.eval()
with torch.no_grad():
    pred, trans, crit_idx = model(clouds)
    print("accuracy", (pred.argmax(1) == labels).float().mean().item())
    p2, _, _ = model(clouds[:, :, torch.randperm(32)])
    print("pointnet permutation invariant:", torch.allclose(pred, p2, atol=1e-5))
    print(trans[0], crit_idx.shape, crit_idx.dtype)
    print(torch.amax(clouds, dim=2)[:2], clouds.max(dim=2).indices[:2])
