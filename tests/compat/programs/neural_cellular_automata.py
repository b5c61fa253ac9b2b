"""Growing neural cellular automata (Mordvintsev et al., Distill 2020) as the PyTorch ports
write them: a 16-channel state grid, perception by fixed identity/Sobel filters applied as a
depthwise F.conv2d (groups=channels, filters repeated with torch.stack/repeat, circular padding
via F.pad), a 1x1-conv update network with its last layer zero-initialised, stochastic cell
updates with a random mask, alive masking by a 3x3 max-pool on the alpha channel, a sample pool,
and an L2 loss to a target pattern on the RGBA channels over a random number of steps."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

CH, H, W = 8, 16, 16


def make_target():
    yy, xx = torch.meshgrid(torch.arange(H), torch.arange(W), indexing="ij")
    r = ((yy - H / 2 + 0.5) ** 2 + (xx - W / 2 + 0.5) ** 2).sqrt()
    ring = ((r > 3) & (r < 6)).float()
    return torch.stack([ring, ring * 0.5, 1 - ring * 0.8, ring])  # RGBA


target = make_target()
print("target", target.shape, "alive pixels", int(target[3].sum().item()))


class CAModel(nn.Module):
    def __init__(self, channel_n=CH, fire_rate=0.5, hidden_size=64):
        super().__init__()
        self.channel_n, self.fire_rate = channel_n, fire_rate
        ident = torch.tensor([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
        sobel_x = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0
        kernel = torch.stack([ident, sobel_x, sobel_x.T])          # 3, 3, 3
        kernel = kernel.repeat(channel_n, 1, 1).unsqueeze(1)       # 3*C, 1, 3, 3
        self.register_buffer("kernel", kernel)
        self.fc0 = nn.Conv2d(channel_n * 3, hidden_size, 1)
        self.fc1 = nn.Conv2d(hidden_size, channel_n, 1, bias=False)
        with torch.no_grad():
            self.fc1.weight.zero_()

    def alive(self, x):
        return F.max_pool2d(x[:, 3:4], kernel_size=3, stride=1, padding=1) > 0.1

    def perceive(self, x):
        x = F.pad(x, (1, 1, 1, 1), mode="circular")
        return F.conv2d(x, self.kernel, groups=self.channel_n)

    def update(self, x):
        pre_life_mask = self.alive(x)
        dx = self.fc1(F.relu(self.fc0(self.perceive(x))))
        update_mask = (torch.rand(x.shape[0], 1, x.shape[2], x.shape[3]) <= self.fire_rate).float()
        x = x + dx * update_mask
        post_life_mask = self.alive(x)
        life_mask = (pre_life_mask & post_life_mask).float()
        return x * life_mask

    def forward(self, x, steps):
        for _ in range(steps):
            x = self.update(x)
        return x


def seed_state(n=1):
    x = torch.zeros(n, CH, H, W)
    x[:, 3:, H // 2, W // 2] = 1.0
    return x


ca = CAModel()
print("perception filters", tuple(ca.kernel.shape), "trainable",
      sum(p.numel() for p in ca.parameters() if p.requires_grad))
x0 = seed_state(2)
p = ca.perceive(x0)
print("perception of the seed at centre", p[0, 9:12, H // 2, W // 2 - 1:W // 2 + 2])
opt = torch.optim.Adam(ca.parameters(), lr=2e-3)
pool = seed_state(8)
for it in range(12):
    idx = torch.randperm(len(pool))[:4]
    batch = pool[idx]
    with torch.no_grad():   # replace the worst sample by a fresh seed, as the article does
        worst = ((batch[:, :4] - target) ** 2).mean((1, 2, 3)).argmax()
        batch[worst] = seed_state(1)[0]
    steps = int(torch.randint(8, 13, ()).item())
    out = ca(batch, steps)
    loss = F.mse_loss(out[:, :4], target.expand(4, -1, -1, -1))
    opt.zero_grad()
    loss.backward()
    for param in ca.parameters():   # per-parameter gradient normalisation
        param.grad.data = param.grad.data / (param.grad.data.norm() + 1e-8)
    opt.step()
    pool[idx] = out.detach()
    if it % 3 == 0:
        print(f"iter {it:2d} steps {steps} loss {loss.item():.5f} "
              f"alive cells {int((out[:, 3] > 0.1).sum().item())}")

with torch.no_grad():
    torch.manual_seed(5)
    grown = ca(seed_state(1), 16)
    print("grown rgba mean", grown[0, :4].mean((1, 2)))
    print("alive mask fraction", ca.alive(grown).float().mean().item())
