"""State-dict surgery as forum answers show it: stripping the 'module.' prefix a DataParallel
checkpoint carries (dict comprehension and OrderedDict loop), renaming keys after a refactor,
load_state_dict(strict=False) and the printed missing/unexpected keys, shape mismatches
reported by the RuntimeError, partially loading matching keys only, and dropping a head."""
from collections import OrderedDict

import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Classifier(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.encoder = Encoder()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, n_classes)

    def forward(self, x):
        return self.fc(self.pool(self.encoder(x)).flatten(1))


torch.manual_seed(0)
trained = Classifier()
# what a DataParallel checkpoint looks like
parallel_sd = OrderedDict(("module." + k, v) for k, v in trained.state_dict().items())
print(list(parallel_sd)[:3], len(parallel_sd))

model = Classifier()
try:
    model.load_state_dict(parallel_sd)
except RuntimeError as e:
    msg = str(e)
    print("RuntimeError:", msg.splitlines()[0])
    print("mentions Missing key(s):", "Missing key(s)" in msg, "Unexpected key(s)" in msg)

# fix 1: dict comprehension
fixed = {k.replace("module.", "", 1): v for k, v in parallel_sd.items()}
print(model.load_state_dict(fixed))

# fix 2: the OrderedDict loop from old forum posts
new_state_dict = OrderedDict()
for k, v in parallel_sd.items():
    name = k[7:]  # remove `module.`
    new_state_dict[name] = v
result = model.load_state_dict(new_state_dict, strict=True)
print(type(result).__name__, result.missing_keys, result.unexpected_keys)
x = torch.randn(2, 3, 6, 6)
model.eval()
trained.eval()
print("same outputs:", torch.equal(model(x), trained(x)))

# a refactor renamed encoder.* -> backbone.* : strict=False silently loads nothing of it
renamed = {k.replace("encoder.", "backbone."): v for k, v in trained.state_dict().items()}
fresh = Classifier()
incompatible = fresh.load_state_dict(renamed, strict=False)
print("missing:", incompatible.missing_keys)
print("unexpected:", incompatible.unexpected_keys)
print(incompatible)

# loading into a model with a different head: size mismatch
model11 = Classifier(n_classes=11)
try:
    model11.load_state_dict(trained.state_dict())
except RuntimeError as e:
    lines = [ln.strip() for ln in str(e).splitlines() if "size mismatch" in ln]
    print(len(lines), "size mismatches")
    for ln in lines:
        print(" ", ln)

# the common fix: keep only keys whose shapes match
own = model11.state_dict()
pretrained = {k: v for k, v in trained.state_dict().items()
              if k in own and v.shape == own[k].shape}
own.update(pretrained)
print(model11.load_state_dict(own))
print("loaded", len(pretrained), "of", len(own), "tensors; skipped",
      sorted(set(own) - set(pretrained)))

# or drop the head and load non-strictly
sd = trained.state_dict()
for key in ["fc.weight", "fc.bias"]:
    del sd[key]
r = model11.load_state_dict(sd, strict=False)
print("missing after del:", r.missing_keys, "num_batches_tracked:",
      model11.state_dict()["encoder.bn.num_batches_tracked"])
print(torch.equal(model11.encoder.conv.weight, trained.encoder.conv.weight))
