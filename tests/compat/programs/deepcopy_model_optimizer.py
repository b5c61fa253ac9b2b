"""copy.deepcopy of models and optimizers as people use it: a target network copy (DQN-style)
that stays independent, deepcopy of an optimizer whose state then points at the copied params
(and does not), re-creating an optimizer for a copied model and load_state_dict, deepcopy of a
model with hooks and buffers, copy.copy vs deepcopy, and pickling a module."""
import copy
import io
import pickle

import torch
import torch.nn as nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
target = copy.deepcopy(net)
print("same values:", all(torch.equal(a, b) for a, b in zip(net.parameters(),
                                                              target.parameters())))
print("shared storage:", net[0].weight.data_ptr() == target[0].weight.data_ptr())
for p in target.parameters():
    p.requires_grad_(False)

opt = torch.optim.Adam(net.parameters(), lr=1e-2)
x = torch.randn(16, 4)
for _ in range(3):
    opt.zero_grad()
    loss = (net(x) - target(x)).pow(2).mean() + net(x).pow(2).mean()
    loss.backward()
    opt.step()
print(f"loss {loss.item():.6f}")
print("target unchanged by training:", not torch.equal(net[0].weight, target[0].weight),
      target[0].weight.grad is None, target[1].num_batches_tracked.item(),
      net[1].num_batches_tracked.item())

# soft update, as DDPG does
tau = 0.1
with torch.no_grad():
    for tp, p in zip(target.parameters(), net.parameters()):
        tp.data.copy_(tau * p.data + (1.0 - tau) * tp.data)
print(f"after soft update: {target[0].weight.sum().item():.6f}")
target.load_state_dict(net.state_dict())  # hard update
print("hard update equal:", torch.equal(target[3].bias, net[3].bias))

# deepcopy of an optimizer: its state is copied too
opt_copy = copy.deepcopy(opt)
s0 = opt.state[net[0].weight]["exp_avg"]
k0 = list(opt_copy.state.keys())[0]
print("copied state:", torch.equal(opt_copy.state[k0]["exp_avg"], s0),
      opt_copy.state[k0]["exp_avg"] is s0,
      opt_copy.param_groups[0]["params"][0] is net[0].weight,
      opt_copy.state_dict()["state"][0]["step"])

# the right way for a copied model: new optimizer + load_state_dict of a deep copy (without the
# copy, PyTorch's load_state_dict shares the state tensors between the two optimizers; see
# optimizer_state_aliasing.py)
net2 = copy.deepcopy(net)
opt2 = torch.optim.Adam(net2.parameters(), lr=1e-2)
opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
for model, o in ((net, opt), (net2, opt2)):
    o.zero_grad()
    model(x).pow(2).mean().backward()
    o.step()
print("continued identically:", all(torch.equal(a, b) for a, b in zip(net.parameters(),
                                                                       net2.parameters())))

# hooks and attributes come along with deepcopy
calls = []


def counting_hook(module, inp, out):
    calls.append(type(module).__name__)


h = net[3].register_forward_hook(counting_hook)
net3 = copy.deepcopy(net)
net3.eval()
net3(x)
print("hook copied:", calls, len(net3[3]._forward_hooks))
h.remove()

shallow = copy.copy(net)
print("copy.copy shares modules:", shallow[0] is net[0], shallow is net)
buf = io.BytesIO()
pickle.dump(net, buf)
buf.seek(0)
net4 = pickle.load(buf)
net4.eval()
net.eval()
print("pickle round trip:", torch.equal(net4(x), net(x)), net4.training)

# deepcopy of a tensor keeps requires_grad and is a leaf; of a non-leaf it raises
w = torch.randn(3, requires_grad=True)
w2 = copy.deepcopy(w)
print(w2.requires_grad, w2.is_leaf, w2.grad_fn)
try:
    copy.deepcopy(w * 2)
except RuntimeError as e:
    print("RuntimeError:", str(e)[:70])

# tied weights survive deepcopy; listing both modules' parameters names the tied one twice
# (PyTorch warns about the duplicate and steps it once per listing)
enc, dec = nn.Embedding(6, 4), nn.Linear(4, 6, bias=False)
dec.weight = enc.weight
pair = copy.deepcopy(nn.ModuleList([enc, dec]))
print("tie kept by deepcopy:", pair[0].weight is pair[1].weight,
      len(list(pair.parameters())), len(list(enc.parameters()) + list(dec.parameters())))
opt_t = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=0.01)
tokens = torch.tensor([[1, 2, 3], [3, 4, 5]])
for _ in range(3):
    opt_t.zero_grad()
    logits = dec(enc(tokens))
    loss = nn.functional.cross_entropy(logits.view(-1, 6), tokens.view(-1))
    loss.backward()
    opt_t.step()
print(f"tied loss {loss.item():.6f}", len(opt_t.state), opt_t.state_dict()["param_groups"][0]["params"])
