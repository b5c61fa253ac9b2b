"""linear_operator's structured matrices are no Tensors: they define ``__torch_function__`` and
the reflected operators, so ``t + op``, ``t - op``, ``t * op``, ``t @ op`` and ``t.matmul(op)``
with a plain Tensor on the left reach the operator's handler as ``Tensor.add``, ``Tensor.sub``,
... and come back as structured matrices. GPyTorch's modules also keep an older-form load hook
(and still pickle), define their own ``to(device)`` in terms of ``cpu()``, and draw base samples
with ``torch.distributions.utils._standard_normal(shape, dtype=, device=)``."""
import pickle

import torch
from torch.distributions.utils import _standard_normal


class DiagOperator:
    """A diagonal matrix kept as its diagonal."""

    def __init__(self, diag):
        self.diag = diag

    def to_dense(self):
        return torch.diag_embed(self.diag)

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        names = {torch.Tensor.add: "add", torch.Tensor.sub: "sub", torch.Tensor.mul: "mul",
                 torch.Tensor.matmul: "matmul"}
        name = names.get(func)
        if name is None:
            return NotImplemented
        left, op = args
        if not isinstance(op, DiagOperator):
            raise TypeError("the operator comes second here")
        dense = op.to_dense()
        if name == "matmul":
            return left * op.diag
        return {"add": left + dense, "sub": left - dense, "mul": left * dense}[name]

    def __radd__(self, other):
        return other + self.to_dense()

    def __rsub__(self, other):
        return other - self.to_dense()

    def __rmul__(self, other):
        return other * self.to_dense()

    def __rmatmul__(self, other):
        return other * self.diag


torch.manual_seed(0)
t = torch.randn(3, 3)
op = DiagOperator(torch.tensor([1.0, 2.0, 3.0]))
for label, value in [("t + op", t + op), ("t - op", t - op), ("t * op", t * op),
                     ("t @ op", t @ op), ("t.matmul(op)", t.matmul(op)), ("t.add(op)", t.add(op))]:
    print(label, [round(v, 5) for v in value.reshape(-1).tolist()])
try:
    t + object()
except TypeError:
    print("a plain object is still refused with TypeError")


def rename_old_key(state, prefix, meta, strict, missing, unexpected, errors):
    if prefix + "constant" in state:
        state[prefix + "raw_constant"] = state.pop(prefix + "constant").squeeze(-1)


class ConstantMean(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self._register_load_state_dict_pre_hook(rename_old_key)
        self.raw_constant = torch.nn.Parameter(torch.zeros(()))


class NeighbourUtil(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("points", torch.arange(4.0))
        self.to("cpu")

    def to(self, device):
        return self.cpu() if str(device) == "cpu" else self.cuda()


mean = pickle.loads(pickle.dumps(ConstantMean()))
print("load", mean.load_state_dict({"constant": torch.tensor([0.5])}), mean.raw_constant.item())
util = NeighbourUtil().double()
print("util", util.points.dtype, util.points.tolist())
base = _standard_normal(torch.Size([2, 3]), dtype=torch.float64, device=torch.device("cpu"))
print("base samples", [round(v, 6) for v in base.reshape(-1).tolist()])
