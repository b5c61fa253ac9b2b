"""Meta-learning through an unrolled inner loop on a recurrent model, the way stateless-module
libraries do it: the module's parameters are swapped for "fast" tensors (an RNN's
``_flat_weights`` list included), inner SGD steps are taken with
``torch.autograd.grad(..., create_graph=True)`` on the fast weights passed as a generator, and
the query loss is differentiated back to the initial weights and a learned step size."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


class SeqClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 6, batch_first=True)
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        out, h = self.rnn(x)
        return self.head(out[:, -1])


def run_with(model, fast):
    """Run ``model`` on the tensors in ``fast`` (a name -> tensor dict) instead of its own."""
    saved = {}
    for name, t in fast.items():
        mod_name, _, attr = name.rpartition(".")
        mod = model.get_submodule(mod_name)
        saved[name] = mod._parameters[attr]
        mod._parameters[attr] = t
    rnn = model.rnn
    rnn._flat_weights = [rnn._parameters[n] for n in rnn._flat_weights_names]
    return saved


def restore(model, saved):
    for name, p in saved.items():
        mod_name, _, attr = name.rpartition(".")
        model.get_submodule(mod_name)._parameters[attr] = p
    rnn = model.rnn
    rnn._flat_weights = [rnn._parameters[n] for n in rnn._flat_weights_names]


model = SeqClassifier()
log_lr = torch.tensor(-1.0, requires_grad=True)
meta_opt = torch.optim.Adam(list(model.parameters()) + [log_lr], lr=0.01)

for it in range(4):
    xs, ys = torch.randn(8, 5, 3), torch.randint(0, 2, (8,))
    xq, yq = torch.randn(8, 5, 3), torch.randint(0, 2, (8,))
    fast = dict(model.named_parameters())
    for step in range(3):
        saved = run_with(model, fast)
        loss = F.cross_entropy(model(xs), ys)
        restore(model, saved)
        grads = torch.autograd.grad(loss, (t for t in fast.values()), create_graph=True)
        fast = {n: t - log_lr.exp() * g for (n, t), g in zip(fast.items(), grads)}
    saved = run_with(model, fast)
    qloss = F.cross_entropy(model(xq), yq)
    restore(model, saved)
    meta_opt.zero_grad()
    qloss.backward()
    gnorm = torch.norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    print(f"it {it} inner {loss.item():.10f} query {qloss.item():.10f} "
          f"grad {gnorm.item():.10f} dlr {log_lr.grad.item():.10f}")
    meta_opt.step()

# the layer's own weights again after restore, and a weight set afterwards wins
x = torch.randn(2, 5, 3)
print("plain", model(x).detach().numpy().round(8).tolist())
model.rnn._flat_weights = [w * 0.5 for w in model.rnn._flat_weights]
print("halved", model(x).detach().numpy().round(8).tolist())
model.rnn.weight_hh_l0 = nn.Parameter(torch.zeros(18, 6))
print("reset", model(x).detach().numpy().round(8).tolist())
print("log_lr", round(log_lr.item(), 8))
