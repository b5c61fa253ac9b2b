"""Module containers manipulated at run time: nn.ModuleDict (update, pop, keys/items, `in`,
indexing, per-task heads), nn.ParameterList (append, extend, indexing, iteration),
nn.ParameterDict, nn.ModuleList insert/extend/slicing/del, Sequential append/insert/indexing
and slicing, and the parameters each registers (with an optimizer over them)."""
import torch
import torch.nn as nn


class MultiTask(nn.Module):
    def __init__(self, tasks):
        super().__init__()
        self.trunk = nn.Linear(6, 8)
        self.heads = nn.ModuleDict({t: nn.Linear(8, n) for t, n in tasks.items()})
        self.scales = nn.ParameterDict({t: nn.Parameter(torch.ones(1)) for t in tasks})

    def forward(self, x, task):
        return self.heads[task](torch.relu(self.trunk(x))) * self.scales[task]


torch.manual_seed(0)
model = MultiTask({"cls": 3, "reg": 1})
print(list(model.heads.keys()), "cls" in model.heads, len(model.heads))
model.heads.update({"aux": nn.Linear(8, 2)})
model.scales["aux"] = nn.Parameter(torch.full((1,), 0.5))
print([n for n, _ in model.named_parameters()])
removed = model.heads.pop("reg")
print("popped:", removed, list(model.heads))
del model.scales["reg"]
print(model)

x = torch.randn(4, 6)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for task, target in [("cls", torch.tensor([0, 1, 2, 0])), ("aux", torch.tensor([1, 0, 1, 1]))]:
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x, task), target)
    loss.backward()
    opt.step()
    print(task, f"{loss.item():.6f}", [k for k, v in model.scales.items() if v.grad is not None])


class Mixture(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.ParameterList([nn.Parameter(torch.randn(3, 3)) for _ in range(2)])

    def forward(self, x):
        for w in self.weights:
            x = torch.tanh(x @ w)
        return x


m = Mixture()
m.weights.append(nn.Parameter(torch.eye(3)))
m.weights.extend([nn.Parameter(torch.zeros(3, 3) + 0.1)])
print(len(m.weights), m.weights[-1].shape, [n for n, _ in m.named_parameters()])
print(m)
out = m(torch.ones(2, 3))
out.sum().backward()
print(out, [round(p.grad.abs().sum().item(), 5) for p in m.weights])

layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
layers.insert(1, nn.ReLU())
layers.extend([nn.Tanh(), nn.Linear(4, 2)])
print(len(layers), [type(l).__name__ for l in layers], type(layers[1:3]).__name__)
del layers[0]
print([type(l).__name__ for l in layers], sum(p.numel() for p in layers.parameters()))
for i, layer in enumerate(layers):
    if isinstance(layer, nn.Linear):
        print(i, layer.in_features, layer.out_features)

seq = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
seq.append(nn.Linear(8, 2))
seq.insert(0, nn.Identity())
print(seq, seq[1:], seq[-1], len(seq))
print([k for k in seq.state_dict()])
print(seq(torch.ones(1, 4)).shape)
