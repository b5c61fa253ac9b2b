"""Custom layers written the way nn.Linear is: Parameters created with torch.empty and filled in
reset_parameters() (kaiming_uniform_ with a=sqrt(5), the fan-in bound for the bias via
nn.init._calculate_fan_in_and_fan_out), extra_repr for the printed model, register_parameter
with None for an optional bias, model.apply to re-initialise, and nn.init on buffers."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return "in_features={}, out_features={}, bias={}".format(
            self.in_features, self.out_features, self.bias is not None)


class ScaledNorm(nn.Module):
    """RMSNorm-like layer with a learnable gain and a running scale buffer."""

    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.gain = nn.Parameter(torch.ones(dim))
        self.register_buffer("running_scale", torch.empty(1))
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.ones_(self.gain)
        nn.init.constant_(self.running_scale, 1.0)

    def forward(self, x):
        rms = x.pow(2).mean(-1, keepdim=True).add(self.eps).rsqrt()
        if self.training:
            with torch.no_grad():
                self.running_scale.mul_(0.9).add_(0.1 * rms.mean())
        return x * rms * self.gain

    def extra_repr(self):
        return f"{self.gain.shape[0]}, eps={self.eps}"


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = MyLinear(6, 6)
        self.norm = ScaledNorm(6)
        self.out = MyLinear(6, 2, bias=False)

    def forward(self, x):
        return self.out(self.norm(torch.relu(self.fc(x))))


torch.manual_seed(0)
ref = nn.Linear(5, 3)
torch.manual_seed(0)
mine = MyLinear(5, 3)
print("same init as nn.Linear:", torch.equal(ref.weight, mine.weight),
      torch.equal(ref.bias, mine.bias))
print(mine, ref)
print(MyLinear(4, 2, bias=False), [n for n, _ in MyLinear(4, 2, bias=False).named_parameters()])

model = Block()
print(model)
x = torch.randn(8, 6)
y = model(x)
print(y.shape, f"{y.sum().item():.6f}", f"{model.norm.running_scale.item():.6f}")
with torch.no_grad():
    model.fc.weight.fill_(0.0)
torch.manual_seed(1)
model.apply(lambda m: m.reset_parameters() if hasattr(m, "reset_parameters") else None)
print("re-initialised:", model.fc.weight.abs().sum().item() > 0, model.norm.running_scale)
bound = 1 / math.sqrt(6)
print("bias within bound:", bool((model.fc.bias.abs() <= bound).all()))
print(f"weight std {model.fc.weight.std().item():.6f}", nn.init.calculate_gain("leaky_relu",
                                                                              math.sqrt(5)))
fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(torch.empty(8, 4, 3, 3))
print(fan_in, fan_out)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(3):
    opt.zero_grad()
    loss = model(x).pow(2).mean()
    loss.backward()
    opt.step()
print(f"loss {loss.item():.6f}", model.out.bias, len(list(model.parameters())))
print(model.state_dict().keys())
