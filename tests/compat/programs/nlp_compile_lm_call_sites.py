"""torch.compile at the call sites LLM training scripts have, with the eager backend so that the
run stays fast on CPU: model = torch.compile(model, backend=...), a compiled loss function with
fullgraph=True and dynamic=False, torch.compiler.disable on a logging helper,
torch.compiler.is_compiling(), torch._dynamo.config flags, mark_dynamic on the sequence axis,
the _orig_mod unwrapped before saving, compiled and eager results equal, and
torch.compiler.reset()."""
import torch
import torch._dynamo
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(34)
torch._dynamo.config.cache_size_limit = 16
torch._dynamo.config.suppress_errors = False


class TinyLM(nn.Module):
    def __init__(self, V=24, d=16):
        super().__init__()
        self.emb = nn.Embedding(V, d)
        layer = nn.TransformerEncoderLayer(d, 2, 32, dropout=0.0, batch_first=True)
        self.body = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.head = nn.Linear(d, V)

    def forward(self, idx):
        T = idx.size(1)
        mask = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)
        return self.head(self.body(self.emb(idx), mask=mask))


@torch.compiler.disable
def log_stats(step, loss):
    print(f"step {step} loss {loss.item():.5f} compiling={torch.compiler.is_compiling()}")


@torch.compile(fullgraph=True, dynamic=False, backend="eager")
def lm_loss(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))


eager = TinyLM()
model = TinyLM()
model.load_state_dict(eager.state_dict())
cmodel = torch.compile(model, backend="eager")
print(type(cmodel).__name__, type(cmodel._orig_mod).__name__, cmodel._orig_mod is model)
print("param names", [n for n, _ in cmodel.named_parameters()][:2])
data = torch.randint(0, 24, (4, 9))
torch._dynamo.mark_dynamic(data, 1)
with torch.no_grad():
    print("compiled == eager", torch.allclose(cmodel(data), eager(data), atol=1e-6))
opt = torch.optim.AdamW(cmodel.parameters(), lr=1e-2)
for step in range(5):
    logits = cmodel(data[:, :-1])
    loss = lm_loss(logits, data[:, 1:])
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    log_stats(step, loss)
sd = cmodel._orig_mod.state_dict()
print("saved keys", list(sd)[:2], any(k.startswith("_orig_mod") for k in cmodel.state_dict()))
fresh = TinyLM()
fresh.load_state_dict(sd)
with torch.no_grad():
    print("reloaded", torch.allclose(fresh(data), cmodel(data), atol=1e-6))
gen = torch.compile(lambda x: torch.softmax(x, -1).argmax(-1), backend="eager")
print(gen(torch.tensor([[0.1, 2.0, 0.3]])).tolist())
torch.compiler.reset()
print("is_compiling outside", torch.compiler.is_compiling())
