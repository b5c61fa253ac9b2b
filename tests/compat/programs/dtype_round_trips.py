"""Model precision round trips: model.to(torch.float64) for gradient checks, .double(),
.half() and back to .float() (weights rounded through float16), .bfloat16(), buffers
following (BatchNorm running stats, but not num_batches_tracked), inputs cast to the
parameters' dtype with next(model.parameters()).dtype, the dtype mismatch error, and
torch.set_default_dtype."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 1))
x = torch.randn(5, 3)
model(x)
print({k: v.dtype for k, v in model.state_dict().items()})

model64 = model.to(torch.float64)
print("to() returns self:", model64 is model, next(model.parameters()).dtype)
print({k: str(v.dtype) for k, v in model.named_buffers()})
dtype = next(model.parameters()).dtype
out = model(x.to(dtype))
print(out.dtype, f"{out.sum().item():.10f}")
try:
    model(x)
except RuntimeError:
    print("RuntimeError")

w_before = model[0].weight.detach().clone()
model.float()
print(model[0].weight.dtype, torch.equal(model[0].weight.double(), w_before.float().double()))
model.half()
print(model[0].weight.dtype, model[1].running_var.dtype, model[1].num_batches_tracked.dtype)
model.float()
err = (model[0].weight.double() - w_before).abs().max().item()
print(f"float16 round trip error {err:.3e} < 1e-3: {err < 1e-3}")
print("rounded like tensor.half():",
      torch.equal(model[0].weight, w_before.float().half().float()))

model.bfloat16()
print(model[3].weight.dtype, model[3].weight)
model.to(dtype=torch.float32)
model.eval()
with torch.no_grad():
    print(model(x).dtype, model(x).shape)

# gradcheck needs double precision
lin = nn.Linear(3, 2).double()
inp = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
print("gradcheck:", torch.autograd.gradcheck(lambda t: lin(t).tanh(), (inp,)))

# .to() with a tensor and with several args; .type()
other = torch.zeros(1, dtype=torch.float64)
m2 = nn.Linear(2, 2).to(other)
print(m2.weight.dtype, m2.to("cpu", torch.float32).weight.dtype,
      m2.weight.type(), m2.weight.to(torch.int32).dtype)

torch.set_default_dtype(torch.float64)
print(torch.tensor([1.5]).dtype, nn.Linear(2, 2).weight.dtype, torch.randn(2).dtype,
      torch.get_default_dtype())
torch.set_default_dtype(torch.float32)
print(torch.tensor([1.5]).dtype, torch.arange(3.0).dtype, torch.arange(3).dtype)
