"""LR schedulers (LambdaLR, MultiStepLR, ExponentialLR, CyclicLR, PolynomialLR, ChainedScheduler,
get_last_lr, state_dict round trip) and nn.init functions with calculate_gain."""
import math

import torch
import torch.nn as nn
from torch.optim import lr_scheduler as S


def run(make, steps=12):
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    sched = make(opt)
    lrs = []
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(round(sched.get_last_lr()[0], 6))
    return lrs, sched


for name, make in [
    ("lambda", lambda o: S.LambdaLR(o, lambda e: 0.9 ** e)),
    ("multistep", lambda o: S.MultiStepLR(o, milestones=[3, 7], gamma=0.5)),
    ("exponential", lambda o: S.ExponentialLR(o, gamma=0.8)),
    ("cyclic", lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2")),
    ("poly", lambda o: S.PolynomialLR(o, total_iters=8, power=2.0)),
    ("chained", lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=4),
                                              S.ExponentialLR(o, gamma=0.9)])),
    ("cosine", lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    ("step", lambda o: S.StepLR(o, step_size=4, gamma=0.3)),
]:
    lrs, sched = run(make)
    print(name, lrs)
lrs, sched = run(lambda o: S.StepLR(o, step_size=4, gamma=0.3), steps=5)
print(sched.state_dict())
torch.manual_seed(0)
w = torch.empty(64, 32)
for fn, kw in [(nn.init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}),
               (nn.init.kaiming_uniform_, {"a": math.sqrt(5)}), (nn.init.xavier_normal_, {}),
               (nn.init.trunc_normal_, {"std": 0.02}), (nn.init.orthogonal_, {}),
               (nn.init.normal_, {"mean": 1.0, "std": 0.5}), (nn.init.uniform_, {"a": -2, "b": 2}),
               (nn.init.sparse_, {"sparsity": 0.5})]:
    fn(w, **kw)
    print(fn.__name__, round(w.mean().item(), 5), round(w.std().item(), 5))
print([round(nn.init.calculate_gain(n, p), 5) for n, p in [("relu", None), ("leaky_relu", 0.2), ("tanh", None), ("selu", None)]])
d = torch.empty(4, 4, 3, 3)
nn.init.dirac_(d)
print(d.sum(), nn.init.eye_(torch.empty(3, 5)).sum())
emb = nn.Embedding.from_pretrained(torch.arange(12.).reshape(4, 3), freeze=False, padding_idx=1)
bag = nn.EmbeddingBag(10, 3, mode="max")
print(emb(torch.tensor([1, 3])), emb.weight.requires_grad, bag(torch.tensor([1, 2, 4, 5]), torch.tensor([0, 2])).shape)
print(nn.Bilinear(3, 4, 2)(torch.randn(5, 3), torch.randn(5, 4)).shape, nn.Unflatten(1, (2, 6))(torch.randn(3, 12)).shape)
