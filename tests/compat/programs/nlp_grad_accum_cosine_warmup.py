"""The Hugging Face training-loop recipe by hand: AdamW parameter groups with no weight decay for
biases and LayerNorm weights, get_cosine_schedule_with_warmup written as a LambdaLR, gradient
accumulation dividing the loss by the number of steps, clip_grad_norm_ before each optimizer
step, set_to_none zeroing, a DataLoader with a padding collate_fn, and the scheduler's
state_dict saved and restored mid-run."""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import LambdaLR
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(20)


def get_cosine_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps,
                                    num_cycles=0.5, last_epoch=-1):
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        progress = float(current_step - num_warmup_steps) / float(
            max(1, num_training_steps - num_warmup_steps))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))

    return LambdaLR(optimizer, lr_lambda, last_epoch)


class Sentences(Dataset):
    def __init__(self, n=40):
        g = torch.Generator().manual_seed(0)
        self.items = [torch.randint(1, 30, (int(torch.randint(3, 9, (1,), generator=g)),),
                                    generator=g) for _ in range(n)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return {"input_ids": self.items[i], "label": int(self.items[i].sum() % 2)}


def collate(batch):
    ids = nn.utils.rnn.pad_sequence([b["input_ids"] for b in batch], batch_first=True)
    return {"input_ids": ids, "attention_mask": (ids != 0).long(),
            "labels": torch.tensor([b["label"] for b in batch])}


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(30, 16, padding_idx=0)
        self.ln = nn.LayerNorm(16)
        self.fc = nn.Linear(16, 16)
        self.out = nn.Linear(16, 2)

    def forward(self, input_ids, attention_mask, labels=None):
        h = self.ln(self.emb(input_ids))
        m = attention_mask.unsqueeze(-1)
        h = (F.gelu(self.fc(h)) * m).sum(1) / m.sum(1)
        logits = self.out(h)
        return F.cross_entropy(logits, labels), logits


model = Model()
no_decay = ["bias", "ln.weight"]
groups = [
    {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)],
     "weight_decay": 0.01},
    {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)],
     "weight_decay": 0.0},
]
print("group sizes", [len(g["params"]) for g in groups])
opt = torch.optim.AdamW(groups, lr=5e-3, eps=1e-8)
loader = DataLoader(Sentences(), batch_size=4, shuffle=True, collate_fn=collate,
                    generator=torch.Generator().manual_seed(1))
accum = 3
epochs = 2
total = epochs * math.ceil(len(loader) / accum)
sched = get_cosine_schedule_with_warmup(opt, num_warmup_steps=2, num_training_steps=total)
print("initial lr", sched.get_last_lr(), opt.param_groups[0]["initial_lr"])
step = 0
saved = None
for epoch in range(epochs):
    running = 0.0
    for i, batch in enumerate(loader):
        loss, _ = model(**batch)
        (loss / accum).backward()
        running += loss.item()
        if (i + 1) % accum == 0 or i + 1 == len(loader):
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            print(f"ep {epoch} update {step} lr {sched.get_last_lr()[0]:.6f} "
                  f"norm {norm.item():.5f} loss {running / accum:.5f}")
            running = 0.0
            if step == 4:
                saved = copy.deepcopy((sched.state_dict(), opt.state_dict()))
print("grads cleared", all(p.grad is None for p in model.parameters()))
sd = saved[0]
print(sorted(k for k in sd if k != "lr_lambdas"), sd["last_epoch"], sd["_step_count"])
m2 = Model()
opt2 = torch.optim.AdamW([{"params": [m2.emb.weight, m2.fc.weight, m2.out.weight]},
                          {"params": [m2.ln.weight, m2.ln.bias, m2.fc.bias, m2.out.bias],
                           "weight_decay": 0.0}], lr=5e-3)
sched2 = get_cosine_schedule_with_warmup(opt2, 2, total)
sched2.load_state_dict(sd)
print("restored", sched2.last_epoch, [round(v, 6) for v in sched2.get_last_lr()])
sched2.step()
print("next", round(sched2.get_last_lr()[0], 6), round(opt2.param_groups[0]["lr"], 6))
print("adam step", saved[1]["state"][0]["step"], saved[1]["param_groups"][1]["weight_decay"])
