"""Model code customises PyTorch's layers through the methods their forward calls: a speech
front-end's Conv1d casts its weights to the input's dtype in `_conv_forward` (float32 weights,
a float64 signal), an image stem standardises its weights there, a BatchNorm2d subclass widens
`_check_input_dim` to accept (N, C, L) sequences, and a ConvTranspose1d subclass writes its own
forward around `_output_padding` to reach a requested length. Three SGD steps train them. A
module's own `_apply` keeps its lookup table in float32 when the model is cast, and
`get_extra_state`/`set_extra_state` carry its vocabulary through a state dict."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class CastConv1d(nn.Conv1d):
    def _conv_forward(self, x, weight, bias):
        return super()._conv_forward(x, weight.to(x.dtype), None if bias is None else bias.to(x.dtype))


class StandardizedConv2d(nn.Conv2d):
    def _conv_forward(self, x, weight, bias):
        mean = weight.mean(dim=(1, 2, 3), keepdim=True)
        var = weight.var(dim=(1, 2, 3), keepdim=True, unbiased=False)
        return super()._conv_forward(x, (weight - mean) / torch.sqrt(var + 1e-5), bias)


class SequenceBatchNorm(nn.BatchNorm2d):
    def _check_input_dim(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"expected 3D or 4D input (got {input.dim()}D input)")


class HalfGainConvTranspose1d(nn.ConvTranspose1d):
    def forward(self, x, output_size=None):
        pad = self._output_padding(x, output_size, self.stride, self.padding, self.kernel_size, 1,
                                   self.dilation)
        return F.conv_transpose1d(x, 0.5 * self.weight, self.bias, self.stride, self.padding, pad,
                                  self.groups, self.dilation)


front = CastConv1d(4, 6, 3, padding=1)
norm = SequenceBatchNorm(6)
up = HalfGainConvTranspose1d(6, 2, 3, stride=2, padding=1)
stem = StandardizedConv2d(2, 3, 3, padding=1, padding_mode="reflect")

signal = torch.randn(2, 4, 9, dtype=torch.float64)
h = front(signal)
print("front", h.dtype, tuple(h.shape), round(h.sum().item(), 6))
print("seq norm", tuple(norm(h.float()).shape), round(norm.running_var.sum().item(), 6))
for size in (None, [17], [18]):
    print("up", size, tuple(up(h.float(), size).shape))
try:
    up(h.float(), [25])
except ValueError:
    print("unreachable output size: ValueError")
try:
    norm(torch.randn(3, 6))
except ValueError as e:
    print("2-D input:", e)

params = [*front.parameters(), *norm.parameters(), *up.parameters(), *stem.parameters()]
opt = torch.optim.SGD(params, lr=0.05, momentum=0.9)
target = torch.randn(2, 3, 2, 18)
for step in range(3):
    y = up(norm(front(signal).float()), [18])
    out = stem(torch.stack([y, y.flip(-1)], dim=2).transpose(1, 2).reshape(2, 2, 2, 18))
    loss = F.mse_loss(out, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.6f} stem grad {stem.weight.grad.norm().item():.6f} "
          f"front grad {front.weight.grad.norm().item():.6f}")
print("front weight", front.weight.dtype, round(front.weight.sum().item(), 6))


class Table(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("freqs", torch.linspace(0.0, 1.0, 5))
        self.vocab = ["a", "b"]

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        self.freqs = self.freqs.float()
        return self

    def get_extra_state(self):
        return {"vocab": self.vocab}

    def set_extra_state(self, state):
        self.vocab = list(state["vocab"])


model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(Table()))
model[1][0].vocab = ["x", "y", "z"]
model.double()
print("cast", model[0].weight.dtype, model[1][0].freqs.dtype)
state = model.state_dict()
print("keys", list(state), state["1.0._extra_state"])
fresh = nn.Sequential(nn.Linear(2, 2), nn.Sequential(Table())).double()
print(fresh.load_state_dict(state), fresh[1][0].vocab)
