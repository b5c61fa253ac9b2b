"""The performance tuning guide's CPU idioms on a small CNN: DataLoader(pin_memory=False,
num_workers=0), zero_grad(set_to_none=True), convolutions without bias before BatchNorm,
torch.backends.cudnn.benchmark and deterministic switches, no_grad and inference_mode for
validation, fusing pointwise ops in a function, channels_last for the model and input, disabling
anomaly detection and profilers, and gradient accumulation; the losses agree across variants."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = False
torch.autograd.set_detect_anomaly(False)
torch.autograd.profiler.profile(enabled=False)
torch.autograd.profiler.emit_nvtx(enabled=False)
print("cudnn.benchmark", torch.backends.cudnn.benchmark, "anomaly", torch.is_anomaly_enabled())

x_all = torch.randn(32, 3, 16, 16)
y_all = torch.randint(0, 5, (32,))
loader = DataLoader(TensorDataset(x_all, y_all), batch_size=8, shuffle=False, num_workers=0,
                    pin_memory=False)


def gelu(x):
    return x * 0.5 * (1.0 + torch.erf(x / 1.41421))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = gelu(self.bn(self.conv(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def run(channels_last, accumulate):
    torch.manual_seed(1)
    model = Net()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for epoch in range(2):
        model.train()
        for i, (x, y) in enumerate(loader):
            if channels_last:
                x = x.to(memory_format=torch.channels_last)
            loss = F.cross_entropy(model(x), y)
            if accumulate:
                (loss / 2).backward()
                if i % 2 == 1:
                    opt.step()
                    opt.zero_grad(set_to_none=True)
            else:
                loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            val = sum(F.cross_entropy(model(x), y, reduction="sum").item() for x, y in loader)
        with torch.inference_mode():
            out = model(x_all)
            inf_val = F.cross_entropy(out, y_all, reduction="sum").item()
        print(f"channels_last={channels_last} accumulate={accumulate} epoch {epoch} "
              f"train {sum(losses) / len(losses):.5f} val {val / 32:.5f} "
              f"inference_mode {inf_val / 32:.5f} {out.requires_grad} {out.is_inference()}")
    print("grads freed", all(p.grad is None for p in model.parameters()))
    return losses


a = run(False, False)
b = run(True, False)
print("channels_last same losses", all(abs(u - v) < 1e-4 for u, v in zip(a, b)))
c = run(False, True)
print("accumulated", round(c[-1], 5))
