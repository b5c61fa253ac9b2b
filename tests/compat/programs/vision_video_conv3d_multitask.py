"""A small video model as action-recognition repos write it: clips (B, C, T, H, W) through
Conv3d/BatchNorm3d/MaxPool3d (kernel (1,2,2)) and a (2+1)D block (spatial then temporal
Conv3d), AdaptiveAvgPool3d, a ConvTranspose3d decoder for frame reconstruction, trilinear
interpolate back to the clip size (align_corners False/True), temporal difference features,
and a multi-task loss: multi-label soft margin over actions, Poisson NLL for a count head,
Gaussian NLL with a predicted variance, Huber on the reconstruction; SGD with momentum for a few steps."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(61)


class R2Plus1D(nn.Module):
    def __init__(self, cin, cout, mid):
        super().__init__()
        self.spatial = nn.Conv3d(cin, mid, (1, 3, 3), padding=(0, 1, 1), bias=False)
        self.bn = nn.BatchNorm3d(mid)
        self.temporal = nn.Conv3d(mid, cout, (3, 1, 1), padding=(1, 0, 0), bias=False)

    def forward(self, x):
        return self.temporal(F.relu(self.bn(self.spatial(x))))


class VideoNet(nn.Module):
    def __init__(self, n_actions=4):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 8, (3, 3, 3), padding=1), nn.BatchNorm3d(8), nn.ReLU(),
                                  nn.MaxPool3d((1, 2, 2)))
        self.block = R2Plus1D(8, 12, 10)
        self.pool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.actions = nn.Linear(12, n_actions)
        self.count = nn.Linear(12, 1)
        self.reg = nn.Linear(12, 2)
        self.dec = nn.ConvTranspose3d(12, 3, kernel_size=(1, 2, 2), stride=(1, 2, 2))

    def forward(self, x):
        h = F.relu(self.block(self.stem(x)))
        f = self.pool(h).flatten(1)
        mean_var = self.reg(f)
        recon = self.dec(h)
        return self.actions(f), self.count(f).squeeze(1), mean_var[:, 0], F.softplus(mean_var[:, 1]) + 1e-3, recon


def make_clips(n, t=4, s=8):
    base = torch.rand(n, 3, 1, s, s)
    motion = torch.linspace(0, 1, t).view(1, 1, t, 1, 1)
    speed = torch.rand(n, 1, 1, 1, 1)
    clips = base + speed * motion
    labels = (torch.rand(n, 4) < 0.4).float()
    counts = torch.poisson(speed.view(n) * 4)
    return clips, labels, counts, speed.view(n)


clips, labels, counts, speed = make_clips(4)
print("clip", clips.shape, "counts", counts.tolist())
diff = clips[:, :, 1:] - clips[:, :, :-1]
print("temporal diff", diff.shape, diff.abs().mean().item())
small = F.interpolate(clips, size=(2, 4, 4), mode="trilinear", align_corners=False)
back = F.interpolate(small, size=(4, 8, 8), mode="trilinear", align_corners=True)
print("trilinear", small.mean().item(), back[0, 0, :, 0, 0])
print("nearest 3d", F.interpolate(clips, scale_factor=(1, 0.5, 0.5), mode="nearest").shape)

model = VideoNet()
opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, weight_decay=5e-4)
ml = nn.MultiLabelSoftMarginLoss()
pois = nn.PoissonNLLLoss(log_input=True, full=True)
gnll = nn.GaussianNLLLoss(full=True, eps=1e-6)
huber = nn.HuberLoss(delta=0.5)
for step in range(8):
    clips, labels, counts, speed = make_clips(4)
    logits, log_rate, mean, var, recon = model(clips)
    losses = {"ml": ml(logits, labels), "pois": pois(log_rate, counts), "gnll": gnll(mean, speed, var),
              "huber": huber(recon, clips)}
    loss = sum(losses.values())
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 2 == 0:
        print(f"step {step} " + " ".join(f"{k} {v.item():.5f}" for k, v in losses.items()))
model.eval()
with torch.no_grad():
    logits, log_rate, mean, var, recon = model(make_clips(2)[0])
print("eval", torch.sigmoid(logits), log_rate.exp(), mean, var, recon.shape)
x = torch.randn(1, 2, 4, 6, 6)
mp, idx = F.max_pool3d(x, 2, return_indices=True)
print("maxpool3d", mp.flatten()[:4], idx.flatten()[:4], F.avg_pool3d(x, (2, 3, 3), stride=(1, 3, 3)).shape)
