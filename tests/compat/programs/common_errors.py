"""The mistakes users make and the exception type each raises (programs catch them by type):
shape mismatches in Linear/matmul/cat/view, dtype mismatches, backward twice, in-place on a
leaf, .numpy() on a tensor that requires grad, .item() on many elements, out-of-range
indices and embeddings, wrong targets for losses, an optimizer given no parameters."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def attempt(name, fn):
    try:
        fn()
        print(f"{name}: ok")
    except Exception as e:  # noqa: BLE001
        print(f"{name}: {type(e).__name__}")


lin = nn.Linear(4, 3)
x = torch.randn(2, 5)
attempt("linear shape", lambda: lin(x))
attempt("matmul shape", lambda: torch.randn(2, 3) @ torch.randn(2, 3))
attempt("cat shape", lambda: torch.cat([torch.randn(2, 3), torch.randn(2, 4)]))
attempt("stack shape", lambda: torch.stack([torch.randn(2), torch.randn(3)]))
attempt("view noncontig", lambda: torch.randn(3, 4).t().view(12))
attempt("view size", lambda: torch.randn(3, 4).view(5, -1))
attempt("reshape ok", lambda: torch.randn(3, 4).t().reshape(12))
attempt("add broadcast", lambda: torch.randn(2, 3) + torch.randn(3, 2))
attempt("linear double", lambda: lin(torch.randn(2, 4, dtype=torch.float64)))
attempt("mm int float", lambda: torch.ones(2, 2, dtype=torch.long) @ torch.ones(2, 2))
attempt("conv channels", lambda: nn.Conv2d(3, 4, 3)(torch.randn(1, 1, 8, 8)))
attempt("conv 2d input", lambda: nn.Conv2d(3, 4, 3)(torch.randn(8, 8)))
attempt("bn batch 1", lambda: nn.BatchNorm1d(3)(torch.randn(1, 3)))


def backward_twice():
    a = torch.randn(3, requires_grad=True)
    y = (a * a).sum()
    y.backward()
    y.backward()


attempt("backward twice", backward_twice)
attempt("backward nonscalar", lambda: (torch.randn(3, requires_grad=True) * 2).backward())
attempt("no grad backward", lambda: torch.randn(3).sum().backward())


def inplace_leaf():
    a = torch.randn(3, requires_grad=True)
    a.add_(1)


attempt("inplace leaf", inplace_leaf)
attempt("numpy requires grad", lambda: torch.randn(3, requires_grad=True).numpy())
attempt("item many", lambda: torch.randn(3).item())
attempt("bool ambiguous", lambda: bool(torch.tensor([True, False])))
attempt("index range", lambda: torch.randn(3)[5])
attempt("index dim", lambda: torch.randn(3, 4)[:, :, 0])
attempt("embedding range", lambda: nn.Embedding(5, 2)(torch.tensor([7])))
attempt("embedding float", lambda: nn.Embedding(5, 2)(torch.tensor([1.0])))
attempt("ce float target shape", lambda: F.cross_entropy(torch.randn(4, 3), torch.rand(4)))
attempt("ce int target range", lambda: F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 2, 3])))
attempt("nll int32 target", lambda: F.nll_loss(torch.randn(4, 3), torch.tensor([0, 1, 2, 1], dtype=torch.int32)))
attempt("bce range", lambda: F.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0])))
attempt("bce shape", lambda: F.binary_cross_entropy(torch.rand(4, 1), torch.rand(4)))
attempt("mse long", lambda: F.mse_loss(torch.randn(3), torch.tensor([1, 2, 3])))
attempt("optim empty", lambda: torch.optim.SGD([], lr=0.1))
attempt("optim bad lr", lambda: torch.optim.Adam(lin.parameters(), lr=-1))
attempt("gather dtype", lambda: torch.randn(3, 4).gather(1, torch.tensor([[0.0]])))
attempt("squeeze dim", lambda: torch.randn(3).squeeze(2))
attempt("permute dims", lambda: torch.randn(3, 4).permute(0))
attempt("expand", lambda: torch.randn(3, 2).expand(3, 4))
attempt("randint bad", lambda: torch.randint(5, 2, (3,)))
attempt("arange bad", lambda: torch.arange(0, 10, -1))
attempt("load_state missing", lambda: nn.Linear(2, 2).load_state_dict({}))
attempt("to bad dtype", lambda: torch.randn(2).to("float32"))
attempt("tensor ragged", lambda: torch.tensor([[1, 2], [3]]))
attempt("sum dim", lambda: torch.randn(2, 3).sum(dim=3))
attempt("softmax dim", lambda: F.softmax(torch.randn(2, 3), dim=2))
attempt("lstm input", lambda: nn.LSTM(4, 8)(torch.randn(5, 3)))
attempt("detach inplace ok", lambda: torch.randn(3, requires_grad=True).detach().add_(1))
attempt("requires_grad int", lambda: torch.tensor([1, 2]).requires_grad_())
attempt("grad of int", lambda: torch.zeros(2, dtype=torch.long, requires_grad=True))
