"""Loading pretrained weights into a changed model, as fine-tuning scripts do: a checkpoint saved
from a DataParallel-wrapped model ("module." prefixes stripped with
consume_prefix_in_state_dict_if_present), keys renamed with a regex, tensors whose shapes no longer
fit dropped before load_state_dict(strict=False), token embeddings resized by copying the old rows,
a _register_load_state_dict_pre_hook upgrading an old key layout, and torch.load(weights_only=True)
from a BytesIO."""
import io
import re
from collections import OrderedDict

import torch
import torch.nn as nn
from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present

torch.manual_seed(14)


class OldEncoder(nn.Module):
    def __init__(self, vocab=20):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.rnn = nn.LSTM(8, 8, batch_first=True)
        self.proj = nn.Linear(8, 8)
        self.classifier = nn.Linear(8, 3)


class NewEncoder(nn.Module):
    def __init__(self, vocab=24):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, 8)
        self.rnn = nn.LSTM(8, 8, batch_first=True)
        self.ffn = nn.Sequential(nn.Linear(8, 8), nn.Tanh())
        self.classifier = nn.Linear(8, 5)
        self._register_load_state_dict_pre_hook(self._upgrade)

    @staticmethod
    def _upgrade(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs):
        old = prefix + "proj.weight"
        if old in state_dict:
            state_dict[prefix + "ffn.0.weight"] = state_dict.pop(old)
            state_dict[prefix + "ffn.0.bias"] = state_dict.pop(prefix + "proj.bias")

    def forward(self, x):
        out, _ = self.rnn(self.embeddings(x))
        return self.classifier(self.ffn(out[:, -1]))


old = OldEncoder()
wrapped = OrderedDict(("module." + k, v) for k, v in old.state_dict().items())
buf = io.BytesIO()
torch.save(wrapped, buf)
buf.seek(0)
ckpt = torch.load(buf, map_location="cpu", weights_only=True)
print(type(ckpt).__name__, list(ckpt)[:3])
consume_prefix_in_state_dict_if_present(ckpt, "module.")
print("stripped", list(ckpt)[:3])
ckpt = OrderedDict((re.sub(r"^embed\.", "embeddings.", k), v) for k, v in ckpt.items())

model = NewEncoder()
old_emb = ckpt.pop("embeddings.weight")
own = model.state_dict()
filtered, skipped = {}, []
for k, v in ckpt.items():
    if k in own and own[k].shape != v.shape:
        skipped.append((k, tuple(v.shape), tuple(own[k].shape)))
        continue
    filtered[k] = v
print("skipped", skipped)
result = model.load_state_dict(filtered, strict=False)
print("missing", sorted(result.missing_keys))
print("unexpected", sorted(result.unexpected_keys))
with torch.no_grad():
    model.embeddings.weight[: old_emb.size(0)] = old_emb
    new_rows = model.embeddings.weight[old_emb.size(0):]
    new_rows.copy_(old_emb.mean(0, keepdim=True).expand_as(new_rows))
print("rnn copied", torch.equal(model.rnn.weight_hh_l0, old.rnn.weight_hh_l0))
print("proj upgraded", torch.equal(model.ffn[0].weight, old.proj.weight))
print("embeddings", torch.equal(model.embeddings.weight[:20], old.embed.weight),
      torch.allclose(model.embeddings.weight[22], old.embed.weight.mean(0)))
try:
    model.load_state_dict(filtered)
except RuntimeError as e:
    print("strict load fails:", str(e).splitlines()[0])
try:
    model.load_state_dict({"classifier.weight": torch.zeros(3, 8)}, strict=False)
except RuntimeError as e:
    print("size mismatch:", "size mismatch for classifier.weight" in str(e))
print("metadata", hasattr(model.state_dict(), "_metadata"),
      model.state_dict()._metadata[""].get("version"))
keep = model.state_dict(keep_vars=True)
print(keep["classifier.weight"].requires_grad, model.state_dict()["classifier.weight"].requires_grad)
for name, p in model.named_parameters():
    p.requires_grad = not (name.startswith("rnn") or name.startswith("embeddings"))
opt = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=1e-2)
x = torch.randint(0, 24, (6, 5))
y = torch.randint(0, 5, (6,))
for step in range(4):
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"{step} {loss.item():.5f}")
print(len(opt.param_groups[0]["params"]), model.rnn.weight_ih_l0.grad)
