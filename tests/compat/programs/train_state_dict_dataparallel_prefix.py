"""Loading checkpoints saved from other wrappers, as forum answers and repos do it: keys with a
'module.' prefix (DataParallel/DDP) stripped by a dict comprehension and by
torch.nn.modules.utils.consume_prefix_in_state_dict_if_present, an OrderedDict rebuilt with
k[7:], strict=False returning missing/unexpected keys (printed from the returned named tuple),
a shape-mismatch filter keeping only tensors whose shapes match the model's, the error text
of a strict load counted by kind, and DataParallel wrapping on CPU."""
import collections

import torch
import torch.nn as nn
from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present

torch.manual_seed(59)


class Net(nn.Module):
    def __init__(self, n_out=3):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU())
        self.fc = nn.Linear(8, n_out)

    def forward(self, x):
        return self.fc(self.backbone(x))


src = Net()
wrapped = nn.DataParallel(src)
print("dp module", type(wrapped.module).__name__, list(wrapped.state_dict())[:3])
sd = wrapped.state_dict()

clean = collections.OrderedDict((k[7:] if k.startswith("module.") else k, v) for k, v in sd.items())
dst = Net()
print("plain load", dst.load_state_dict(clean))
print("equal", torch.equal(dst.fc.weight, src.fc.weight))

sd2 = collections.OrderedDict(sd)
consume_prefix_in_state_dict_if_present(sd2, "module.")
print("consumed", list(sd2)[:4], "metadata keys", sorted(sd2._metadata)[:3] if hasattr(sd2, "_metadata") else None)

new = Net(n_out=5)
model_sd = new.state_dict()
filtered = {k: v for k, v in sd2.items() if k in model_sd and v.shape == model_sd[k].shape}
skipped = sorted(set(sd2) - set(filtered))
result = new.load_state_dict(filtered, strict=False)
print("skipped", skipped)
print("missing", result.missing_keys, "unexpected", result.unexpected_keys)
print("result is tuple", isinstance(result, tuple), len(result))

extra = dict(sd2)
extra["aux.weight"] = torch.zeros(2)
del extra["fc.bias"]
res = Net().load_state_dict(extra, strict=False)
print("missing", res.missing_keys, "unexpected", res.unexpected_keys)
try:
    Net(n_out=5).load_state_dict(extra)
except RuntimeError as e:
    msg = str(e)
    print("strict error", msg.splitlines()[0], "| missing:", "Missing key(s)" in msg,
          "unexpected:", "Unexpected key(s)" in msg, "size mismatch:", msg.count("size mismatch"))
wrapped.eval()
x = torch.randn(3, 4)
print("dp forward equals module", torch.equal(wrapped(x), src.eval()(x)))
