"""The mistakes users catch and report by type: a matmul/linear shape mismatch, cat of
mismatched shapes and dtypes, view with a wrong size, backward twice, backward of a non-scalar,
grad of a tensor that needs none, in-place on a leaf requiring grad, in-place change of a
saved tensor, a device mismatch (meta against cpu), wrong dtypes for embedding/cross-entropy,
modules called with the wrong rank, and item() of many elements. Only the types are printed."""
# compat: exact
import torch
import torch.nn as nn
import torch.nn.functional as F


def attempt(label, fn):
    try:
        fn()
        print(label, "ok")
    except Exception as e:  # noqa: BLE001 - the corpus compares the exception type
        print(label, type(e).__name__)


a, b = torch.randn(2, 3), torch.randn(4, 5)
attempt("matmul", lambda: a @ b)
attempt("mm", lambda: torch.mm(a, b))
attempt("bmm rank", lambda: torch.bmm(a, b))
attempt("linear", lambda: nn.Linear(4, 2)(a))
attempt("cat shape", lambda: torch.cat([a, b]))
attempt("cat dim", lambda: torch.cat([a, a], dim=2))
attempt("cat empty list", lambda: torch.cat([]))
attempt("stack", lambda: torch.stack([a, a.t()]))
attempt("view", lambda: a.view(4, 2))
attempt("reshape", lambda: a.reshape(5))
attempt("add broadcast", lambda: a + b)
attempt("expand", lambda: a.expand(3, 3))
w = torch.randn(3, requires_grad=True)
y = (w * 2).sum()
y.backward()
attempt("backward twice", lambda: y.backward())
attempt("non-scalar", lambda: (w * 2).backward())
attempt("no grad", lambda: torch.ones(2).sum().backward())
attempt("leaf in-place", lambda: w.add_(1))
with torch.no_grad():
    attempt("leaf in-place no_grad", lambda: w.add_(0))
v = torch.randn(3, requires_grad=True)
e = v.exp()
e.mul_(2)
attempt("saved modified", lambda: e.sum().backward())
attempt("sigmoid saved", lambda: (lambda s: (s.add_(1), s.sum().backward()))(torch.sigmoid(v)))
attempt("grad of int", lambda: torch.tensor([1, 2], requires_grad=True))
attempt("autograd.grad unused", lambda: torch.autograd.grad((v * 2).sum(), [v, torch.ones(1, requires_grad=True)]))
attempt("device mismatch", lambda: torch.ones(2, device="meta") + torch.ones(2))
attempt("embedding float idx", lambda: nn.Embedding(5, 2)(torch.tensor([1.0, 2.0])))
attempt("embedding out of range", lambda: nn.Embedding(5, 2)(torch.tensor([7])))
attempt("ce float target", lambda: F.cross_entropy(torch.randn(2, 3), torch.tensor([0.0, 1.0])))
attempt("ce target range", lambda: F.cross_entropy(torch.randn(2, 3), torch.tensor([0, 3])))
attempt("nll shape", lambda: F.nll_loss(torch.randn(2, 3), torch.tensor([0, 1, 2])))
attempt("mse shape", lambda: F.mse_loss(torch.randn(2, 3), torch.randn(3, 2)))
attempt("conv rank", lambda: nn.Conv2d(3, 4, 3)(torch.randn(3, 8)))
attempt("conv channels", lambda: nn.Conv2d(3, 4, 3)(torch.randn(1, 2, 8, 8)))
attempt("bn channels", lambda: nn.BatchNorm1d(4)(torch.randn(2, 3)))
attempt("lstm input", lambda: nn.LSTM(4, 8)(torch.randn(5, 2, 3)))
attempt("item", lambda: torch.ones(2).item())
attempt("numpy grad", lambda: w.numpy())
attempt("requires_grad non-leaf", lambda: (w * 2).requires_grad_(False))
attempt("load_state_dict", lambda: nn.Linear(2, 2).load_state_dict({"weight": torch.ones(2, 2)}))
attempt("state_dict shape", lambda: nn.Linear(2, 2).load_state_dict({"weight": torch.ones(3, 2), "bias": torch.ones(2)}))
attempt("optimizer empty", lambda: torch.optim.SGD([], lr=0.1))
attempt("optimizer lr", lambda: torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=-1))
attempt("softmax no dim ok", lambda: F.softmax(torch.randn(2, 2), dim=5))
attempt("index dtype", lambda: torch.arange(4)[torch.tensor([0.0])])
attempt("zero div int", lambda: torch.tensor([1]) // torch.tensor([0]))
attempt("multinomial", lambda: torch.multinomial(torch.tensor([0.0, 0.0]), 1))
attempt("randint range", lambda: torch.randint(5, 2, (3,)))
attempt("arange step", lambda: torch.arange(0, 5, 0))
