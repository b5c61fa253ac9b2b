"""What users print: repr of nested nn.Module trees (Sequential, ModuleList, ModuleDict, custom
extra_repr), tensors with grad_fn and requires_grad, named_parameters shapes, parameter counts,
torch.Size, dtypes and devices, nn.Parameter, optimizer repr and state_dict summaries."""
import torch
import torch.nn as nn

torch.manual_seed(1)


class Scale(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s

    def extra_repr(self):
        return f"s={self.s}"

    def forward(self, x):
        return x * self.s


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8),
                                      nn.ReLU(inplace=True), nn.MaxPool2d(2),
                                      nn.Dropout2d(0.1), nn.AdaptiveAvgPool2d((1, 1)))
        self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(2)])
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "reg": nn.Sequential(Scale(0.5), nn.Linear(8, 1, bias=False))})
        self.emb = nn.Embedding(10, 4, padding_idx=0)
        self.norm = nn.LayerNorm(8, eps=1e-6)
        self.rnn = nn.GRU(4, 6, num_layers=2, batch_first=True, dropout=0.1)
        self.act = nn.GELU(approximate="tanh")
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.flat = nn.Flatten(1)
        self.gn = nn.GroupNorm(2, 8)
        self.lrelu = nn.LeakyReLU(0.1)
        self.ident = nn.Identity()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.p = nn.Parameter(torch.zeros(2))

    def forward(self, x):
        h = self.flat(self.features(x))
        for b in self.blocks:
            h = self.act(b(h))
        return self.heads["cls"](self.norm(h))


net = Net()
print(net)
for name, p in net.named_parameters():
    print(f"{name:32s} {str(tuple(p.shape)):16s} {p.requires_grad}")
print(sum(p.numel() for p in net.parameters()), sum(p.numel() for p in net.parameters() if p.requires_grad))
print([n for n, _ in net.named_buffers()], [n for n, _ in net.named_children()][:5])
print([n for n, _ in net.named_modules()][:8])
x = torch.randn(2, 3, 4, 4)
out = net(x)
print(out)
print(out.grad_fn.name(), type(out.grad_fn).__name__, out.shape, out.size(1), out.dtype, out.device, out.requires_grad, out.is_leaf)
print(net.p, net.blocks[0].bias[:3])
w = torch.randn(2, 3, requires_grad=True)
print(w, w * 2, (w ** 2).sum(), w.detach(), w[0], w.t(), w.view(-1)[:2], w.mean(0))
print(torch.tensor([1.0, 2.0]).requires_grad_(), torch.zeros(2, dtype=torch.float64, requires_grad=True) + 1)
with torch.no_grad():
    print(w * 2)
print(torch.Size([2, 3]), torch.randn(2, 3).shape, torch.float32, torch.device("cpu"), torch.int64)
print(nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(2), requires_grad=False))
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
print(opt)
print(torch.optim.Adam([{"params": net.blocks.parameters()}, {"params": net.heads.parameters(), "lr": 1e-4}], lr=1e-3))
print({k: tuple(v.shape) for k, v in list(net.state_dict().items())[:6]})
print(nn.Sequential(nn.Linear(2, 2)).state_dict())
print(torch.randn(3, 3).to(torch.float16), torch.tensor([[1, 2], [3, 4]], dtype=torch.int32))
print(torch.arange(12).view(3, 4).float() / 7, torch.tensor([123456.789, 0.001]))
print(repr(torch.tensor(3.5)), str(torch.tensor([True])), f"{torch.tensor(2.5).item():.2f}", torch.tensor(2.5).item())
print(net.features[1].weight.grad, net.training, net.features.training, net.eval().training)
