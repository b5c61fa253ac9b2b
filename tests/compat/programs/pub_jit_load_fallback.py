"""A loader that accepts either a scripted archive or a plain checkpoint, as model-zoo code
does: it tries `torch.jit.load` and, on its RuntimeError, reads the file with `torch.load`
(after seeking back: jit.load has read the stream to its end). A checkpoint cut off before it
held anything is caught as the EOFError PyTorch raises."""
import io
import os
import tempfile

import torch
import torch.nn as nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
x = torch.randn(2, 3)
folder = tempfile.mkdtemp()
plain = os.path.join(folder, "weights.pt")
torch.save(net.state_dict(), plain)


def load_any(path_or_file):
    try:
        return "scripted", torch.jit.load(path_or_file, map_location="cpu")
    except RuntimeError:
        if not isinstance(path_or_file, str):
            print("  stream read to its end:", path_or_file.tell() == os.path.getsize(plain))
            path_or_file.seek(0)
        return "state dict", torch.load(path_or_file, map_location="cpu")


kind, sd = load_any(plain)
print(kind, sorted(sd))
with open(plain, "rb") as fh:
    kind, sd = load_any(fh)
print(kind, [tuple(v.shape) for v in sd.values()])
copy = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
copy.load_state_dict(sd)
print("same output", torch.equal(copy(x), net(x)))

buf = io.BytesIO()
torch.jit.save(torch.jit.script(net), buf)
buf.seek(0)
kind, scripted = load_any(buf)
print(kind, torch.allclose(scripted(x), net(x)))

empty = os.path.join(folder, "empty.pt")
open(empty, "wb").close()
try:
    torch.load(empty)
except EOFError:
    print("empty checkpoint: EOFError")
try:
    torch.jit.load(os.path.join(folder, "missing.pt"))
except ValueError:
    print("missing file: ValueError")
