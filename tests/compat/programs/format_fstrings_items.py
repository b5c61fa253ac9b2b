"""Tensors in format strings: f"{t}", f"{t:.3f}" and format(t, '.2e') on 0-d tensors, the error
for a format spec on a many-element tensor, '%' formatting, x.shape/x.dtype/x.device in
f-strings, str and repr of Size, dtype and device, and tolist()/item() results."""
# compat: exact
import torch

x = torch.tensor([[1.5, 2.25], [3.0, -4.125]])
s = x.sum()
print(f"sum={s}", f"sum={s:.3f}", f"{s:10.2f}|", f"{s:<8.1f}|", format(s, ".2e"), format(s, ""))
print(f"{torch.tensor(7)}", f"{torch.tensor(7):5d}|", f"{torch.tensor(7):>4}|", f"{torch.tensor(True)}")
print("%.4f" % s, "%d" % torch.tensor(3), "%s" % (x.shape,), "%r" % x.dtype)
print("loss {:.4f} acc {:.2%}".format(torch.tensor(0.12345), torch.tensor(0.875)))
try:
    print(f"{x:.2f}")
except TypeError as e:
    print(type(e).__name__)
print(f"shape={x.shape} dtype={x.dtype} device={x.device} ndim={x.ndim} numel={x.numel()}")
print(str(x.shape), repr(x.shape), x.shape, tuple(x.shape), list(x.shape), x.size(), x.size(1))
print(str(torch.float32), repr(torch.int64), torch.bool, torch.half, torch.double, torch.long)
print(str(torch.device("cpu")), repr(torch.device("cpu")), torch.device("cpu", 0) if False else "")
print(repr(torch.device("cuda:1")), torch.device("cuda", 0), torch.device("meta"))
print(x.tolist(), torch.tensor(3.5).tolist(), torch.tensor([1, 2]).tolist(), torch.zeros(0).tolist())
print(torch.tensor([True, False]).tolist(), torch.arange(6).view(2, 3).tolist())
print(type(s.item()).__name__, type(torch.tensor(3).item()).__name__,
      type(torch.tensor(True).item()).__name__, type(x.tolist()[0][0]).__name__)
print(s.item(), torch.tensor(0.1).item(), torch.tensor(0.1, dtype=torch.float64).item())
print(torch.tensor([0.1, 0.2]).tolist(), torch.tensor([1 / 3], dtype=torch.float16).tolist())
print(f"{x.mean().item():.6f}", round(x.std().item(), 5), f"{x.norm():.3f}")
print(torch.Size([2, 3]), torch.Size([]), torch.Size((4,)), torch.Size([2, 3]) + (4,))
print(x.shape[0] * x.shape[1], x.shape[-1], x.shape[::-1], x.shape == (2, 2), x.shape.numel())
print(["{:.2f}".format(v) for v in x.flatten()])
print(f"{x.dtype}".split(".")[-1], str(x.dtype).replace("torch.", ""))
