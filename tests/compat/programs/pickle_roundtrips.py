"""pickle and torch.save round trips users write: a tensor, a list of tensors, a state dict, a
dict of mixed Python values and tensors, through pickle.dumps/loads and through torch.save to a
BytesIO; dtypes, shapes, requires_grad and shared storage after loading."""
# compat: exact
import io
import pickle

import torch
import torch.nn as nn

torch.manual_seed(0)
t = torch.arange(6, dtype=torch.float64).view(2, 3)
u = pickle.loads(pickle.dumps(t))
print(u, u.dtype, u.shape, torch.equal(t, u), u is t)
for dt in (torch.float16, torch.bfloat16, torch.int8, torch.bool, torch.int64):
    v = pickle.loads(pickle.dumps(torch.tensor([1, 0, 3], dtype=dt)))
    print(v, v.dtype)
w = torch.tensor([1.0, 2.0], requires_grad=True)
w2 = pickle.loads(pickle.dumps(w))
print(w2, w2.requires_grad, w2.is_leaf)
print(pickle.loads(pickle.dumps(torch.tensor(3.5))), pickle.loads(pickle.dumps(torch.zeros(0, 2))))
model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
sd = pickle.loads(pickle.dumps(model.state_dict()))
print(list(sd.keys()), type(sd).__name__, sd["1.num_batches_tracked"])
model2 = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
print(model2.load_state_dict(sd))
print(all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), model2.state_dict().values())))
ckpt = {"epoch": 3, "loss": 0.25, "lrs": [0.1, 0.01], "w": t, "name": "run1", "flag": True}
buf = io.BytesIO()
torch.save(ckpt, buf)
buf.seek(0)
back = torch.load(buf)
print(sorted(back.keys()), back["epoch"], back["lrs"], back["w"], back["flag"])
x = torch.arange(4.0)
pair = pickle.loads(pickle.dumps([x, x[1:3]]))
pair[0][1] = 50.0
print(pair[1])
buf = io.BytesIO()
torch.save([x, x[1:3]], buf)
buf.seek(0)
pair = torch.load(buf)
pair[0][1] = 50.0
print(pair[1])
print(pickle.loads(pickle.dumps(torch.Size([2, 3]))), pickle.loads(pickle.dumps(torch.float16)))
print(pickle.loads(pickle.dumps(torch.device("cpu"))), pickle.loads(pickle.dumps(nn.Parameter(torch.ones(2)))))
