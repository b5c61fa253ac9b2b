"""LoRA as the loralib / PEFT code writes it: a LoRALinear subclassing nn.Linear with lora_A
(kaiming_uniform_ a=sqrt(5)) and lora_B (zeros), a scaling of alpha/r, mark_only_lora_as_trainable,
train()/eval() merging the update into the frozen weight and unmerging it back, a state_dict
holding only the lora_ keys, and loading it into a fresh base model."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)


class LoRALinear(nn.Linear):
    def __init__(self, in_features, out_features, r=4, lora_alpha=8, lora_dropout=0.0,
                 merge_weights=True, **kwargs):
        nn.Linear.__init__(self, in_features, out_features, **kwargs)
        self.r = r
        self.lora_alpha = lora_alpha
        self.lora_dropout = nn.Dropout(p=lora_dropout) if lora_dropout > 0 else lambda x: x
        self.merged = False
        self.merge_weights = merge_weights
        self.lora_A = nn.Parameter(self.weight.new_zeros((r, in_features)))
        self.lora_B = nn.Parameter(self.weight.new_zeros((out_features, r)))
        self.scaling = self.lora_alpha / self.r
        self.weight.requires_grad = False
        self.reset_lora()

    def reset_lora(self):
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B)

    def train(self, mode=True):
        nn.Linear.train(self, mode)
        if mode:
            if self.merge_weights and self.merged:
                self.weight.data -= (self.lora_B @ self.lora_A) * self.scaling
                self.merged = False
        else:
            if self.merge_weights and not self.merged:
                self.weight.data += (self.lora_B @ self.lora_A) * self.scaling
                self.merged = True
        return self

    def forward(self, x):
        result = F.linear(x, self.weight, bias=self.bias)
        if not self.merged:
            result += (self.lora_dropout(x) @ self.lora_A.transpose(0, 1)
                       @ self.lora_B.transpose(0, 1)) * self.scaling
        return result


def mark_only_lora_as_trainable(model, bias="none"):
    for n, p in model.named_parameters():
        if "lora_" not in n:
            p.requires_grad = False
    if bias == "lora_only":
        for m in model.modules():
            if isinstance(m, LoRALinear) and m.bias is not None:
                m.bias.requires_grad = True


def lora_state_dict(model):
    return {k: v for k, v in model.state_dict().items() if "lora_" in k}


class Classifier(nn.Module):
    def __init__(self, linear=nn.Linear, **kw):
        super().__init__()
        self.emb = nn.EmbeddingBag(40, 24, mode="mean")
        self.fc1 = linear(24, 32, **kw)
        self.fc2 = linear(32, 3, **kw)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(self.emb(x))))


base = Classifier()
pretrained = base.state_dict()
model = Classifier(LoRALinear, r=4, lora_alpha=16)
missing, unexpected = model.load_state_dict(pretrained, strict=False)
print("missing", missing, "unexpected", unexpected)
mark_only_lora_as_trainable(model, bias="lora_only")
trainable = [n for n, p in model.named_parameters() if p.requires_grad]
print("trainable", trainable)
print("counts", sum(p.numel() for p in model.parameters() if p.requires_grad),
      sum(p.numel() for p in model.parameters()))

x = torch.randint(0, 40, (16, 6))
y = torch.randint(0, 3, (16,))
opt = torch.optim.AdamW((p for p in model.parameters() if p.requires_grad), lr=1e-2)
frozen_before = model.fc1.weight.clone()
for step in range(8):
    model.train()
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.5f} B-norm {model.fc1.lora_B.norm().item():.5f}")
print("frozen weight unchanged", torch.equal(model.fc1.weight, frozen_before),
      model.fc1.weight.grad is None)

model.train()
with torch.no_grad():
    unmerged = model(x)
model.eval()
print("merged", model.fc1.merged, model.fc2.merged)
with torch.no_grad():
    merged = model(x)
print("merge equivalence", torch.allclose(merged, unmerged, atol=1e-5))
model.train()
print("unmerged back", torch.allclose(model.fc1.weight, frozen_before, atol=1e-6))

sd = lora_state_dict(model)
print(sorted(sd), [tuple(v.shape) for _, v in sorted(sd.items())])
fresh = Classifier(LoRALinear, r=4, lora_alpha=16)
fresh.load_state_dict(pretrained, strict=False)
res = fresh.load_state_dict(sd, strict=False)
print("missing after lora load", len(res.missing_keys), res.unexpected_keys)
fresh.fc1.bias.data.copy_(model.fc1.bias)
fresh.fc2.bias.data.copy_(model.fc2.bias)
with torch.no_grad():
    print("reloaded equal", torch.allclose(fresh(x), unmerged, atol=1e-6))
    print(model(x)[:2])
