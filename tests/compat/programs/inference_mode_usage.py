"""torch.inference_mode in serving code: as a context manager and a decorator, is_inference(),
inference_mode(False) inside, tensors made in it refused by autograd later (the RuntimeError),
cloning them out, torch.is_inference_mode_enabled, no_grad vs inference_mode, set_grad_enabled
as a function and context, and torch.enable_grad inside no_grad."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
model.eval()
x = torch.randn(3, 4)

with torch.inference_mode():
    out = model(x)
    print("in context:", torch.is_inference_mode_enabled(), torch.is_grad_enabled())
print(out.requires_grad, out.is_inference(), x.is_inference(), out.grad_fn)
print("outside:", torch.is_inference_mode_enabled(), torch.is_grad_enabled())


@torch.inference_mode()
def predict(batch):
    return model(batch).softmax(-1)


probs = predict(x)
print(probs.is_inference(), probs.sum(-1))


@torch.no_grad()
def predict_no_grad(batch):
    return model(batch).softmax(-1)


p2 = predict_no_grad(x)
print(p2.is_inference(), p2.requires_grad, torch.equal(p2, probs))

with torch.inference_mode():
    emb = model[0](x)
try:
    loss = (model[2](torch.relu(emb)) ** 2).sum()
    loss.backward()
    print("backward through an inference tensor: ok")
except RuntimeError as e:
    print("RuntimeError:", "Inference tensors cannot be saved for backward" in str(e))
safe = emb.clone()
print("clone outside:", safe.is_inference())
loss = (model[2](torch.relu(safe)) ** 2).sum()
loss.backward()
print(f"grad ok {model[2].weight.grad.abs().sum().item():.6f}")

try:
    with torch.inference_mode():
        t = torch.ones(2)
    t.add_(1)
except RuntimeError as e:
    print("in-place on inference tensor:", "Inplace update to inference tensor" in str(e))

with torch.inference_mode():
    with torch.inference_mode(False):
        z = torch.ones(2, requires_grad=True) * 2
        print("nested False:", z.requires_grad, z.is_inference())
    inner = torch.inference_mode(mode=True)
    print(type(inner).__name__)

with torch.no_grad():
    a = model(x)
    with torch.enable_grad():
        b = model(x)
print(a.requires_grad, b.requires_grad, a.is_inference())
torch.set_grad_enabled(False)
c = model(x)
torch.set_grad_enabled(True)
with torch.set_grad_enabled(False):
    d = model(x)
print(c.requires_grad, d.requires_grad, torch.is_grad_enabled())
is_train = False
with torch.set_grad_enabled(is_train):
    e = model(x)
print(e.requires_grad)
