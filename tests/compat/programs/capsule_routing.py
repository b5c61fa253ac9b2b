"""A capsule network with dynamic routing by agreement (Sabour et al.), as its reference
implementations write it: primary capsules from a Conv2d reshaped into vectors, the squash
non-linearity, prediction vectors u_hat from a weight tensor through torch.matmul with
broadcasting, three routing iterations with softmax over coupling logits (detached during
routing), the margin loss, and a masked reconstruction decoder."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(8)


def squash(s, dim=-1, eps=1e-8):
    sq_norm = (s ** 2).sum(dim=dim, keepdim=True)
    return sq_norm / (1 + sq_norm) * s / torch.sqrt(sq_norm + eps)


class PrimaryCaps(nn.Module):
    def __init__(self, in_ch=16, n_caps=4, caps_dim=4):
        super().__init__()
        self.caps_dim = caps_dim
        self.conv = nn.Conv2d(in_ch, n_caps * caps_dim, kernel_size=3, stride=2)

    def forward(self, x):
        out = self.conv(x)
        B = out.size(0)
        out = out.view(B, -1, self.caps_dim, out.size(-2), out.size(-1))
        out = out.permute(0, 1, 3, 4, 2).contiguous().view(B, -1, self.caps_dim)
        return squash(out)


class DigitCaps(nn.Module):
    def __init__(self, in_caps, in_dim=4, n_caps=3, out_dim=8, iterations=3):
        super().__init__()
        self.iterations = iterations
        self.W = nn.Parameter(0.01 * torch.randn(1, in_caps, n_caps, out_dim, in_dim))

    def forward(self, u):
        u = u.unsqueeze(2).unsqueeze(-1)
        u_hat = torch.matmul(self.W, u).squeeze(-1)
        b = torch.zeros(u_hat.size(0), u_hat.size(1), u_hat.size(2), 1)
        u_hat_detached = u_hat.detach()
        for i in range(self.iterations):
            c = F.softmax(b, dim=2)
            if i == self.iterations - 1:
                v = squash((c * u_hat).sum(dim=1, keepdim=True))
            else:
                v = squash((c * u_hat_detached).sum(dim=1, keepdim=True))
                b = b + (u_hat_detached * v).sum(dim=-1, keepdim=True)
        return v.squeeze(1), c


class CapsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3)
        self.primary = PrimaryCaps()
        self.digits = DigitCaps(in_caps=4 * 3 * 3)
        self.decoder = nn.Sequential(nn.Linear(8 * 3, 32), nn.ReLU(), nn.Linear(32, 81),
                                     nn.Sigmoid())

    def forward(self, x, y=None):
        v, c = self.digits(self.primary(F.relu(self.conv1(x))))
        lengths = v.norm(dim=-1)
        if y is None:
            y = lengths.argmax(dim=1)
        mask = torch.eye(3).index_select(dim=0, index=y)
        recon = self.decoder((v * mask.unsqueeze(-1)).flatten(1))
        return lengths, recon.view(-1, 1, 9, 9), c


def margin_loss(lengths, labels, m_pos=0.9, m_neg=0.1, lam=0.5):
    t = F.one_hot(labels, lengths.size(1)).float()
    loss = t * F.relu(m_pos - lengths) ** 2 + lam * (1 - t) * F.relu(lengths - m_neg) ** 2
    return loss.sum(dim=1).mean()


patterns = torch.zeros(3, 9, 9)
patterns[0, 4, :] = 1
patterns[1, :, 4] = 1
patterns[2] = torch.eye(9)
labels = torch.arange(48) % 3
images = (patterns[labels] + 0.1 * torch.rand(48, 9, 9)).unsqueeze(1)

model = CapsNet()
print("u_hat weight", tuple(model.digits.W.shape))
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for epoch in range(4):
    for i in range(0, 48, 16):
        x, y = images[i:i + 16], labels[i:i + 16]
        lengths, recon, _ = model(x, y)
        loss = margin_loss(lengths, y) + 0.0005 * F.mse_loss(recon, x, reduction="sum")
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} loss {loss.item():.5f}")
model.eval()
with torch.no_grad():
    lengths, recon, c = model(images[:6])
    print(lengths)
    print("pred", lengths.argmax(1).tolist(), "coupling sums to 1:",
          torch.allclose(c.sum(2), torch.ones(6, 36, 1)))
    print(squash(torch.tensor([[3.0, 4.0], [0.1, 0.0]])))
