"""What diffusion and adapter libraries touch in PyTorch around a model, then a short training run.

At import: per-backend tables of cache, seed and peak-memory functions (with a device named
"mps" that this machine does not have), a table of the sub-byte integer dtypes a quantizer
accepts, the functional collectives module and a device-mesh annotation taken from
``torch.distributed`` without importing its submodule, the first FSDP API's option records and
an auto-wrap policy, a CPU stream used as a context, and a fused kernel built with
``cpp_extension.load`` that falls back to Python when building fails. Then a small denoiser with
low-rank adapters (kept in a ModuleDict grown from another ModuleDict) learns to predict the noise
of a cosine schedule, its noise drawn by a helper that reads the generator's device type."""
import functools
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributed.fsdp import CPUOffload, MixedPrecision, ShardingStrategy
from torch.distributed.fsdp.wrap import transformer_auto_wrap_policy

if torch.distributed.is_available():
    import torch.distributed._functional_collectives as funcol
else:
    funcol = None

torch.manual_seed(0)

EMPTY_CACHE = {"cuda": torch.cuda.empty_cache, "mps": torch.mps.empty_cache, "cpu": None}
RESET_PEAK = {"cuda": torch.cuda.reset_max_memory_allocated, "cpu": None}
print("backend tables", sorted(EMPTY_CACHE), sorted(RESET_PEAK), callable(RESET_PEAK["cuda"]))
for name in ("mps", "xpu:1", "cpu"):
    d = torch.device(name)
    print("device", repr(d), d.type, d.index, d == torch.device("mps"), d == "cpu")

QUANT_DTYPES = (torch.int8, torch.uint1, torch.uint2, torch.uint4, torch.uint7)
print("quant dtypes", [str(t) for t in QUANT_DTYPES], [t.itemsize for t in QUANT_DTYPES])
print("uint8 accepted", torch.uint8 in QUANT_DTYPES, "uint4 accepted", torch.uint4 in QUANT_DTYPES,
      "is_signed", torch.uint4.is_signed, torch.int4.is_signed,
      "same object", torch.bit is torch.uint1)

mesh_annotation = torch.distributed.device_mesh.DeviceMesh
print("functional collectives", funcol is not None, mesh_annotation.__name__)

policy = functools.partial(transformer_auto_wrap_policy, transformer_layer_cls={nn.Linear})
print("fsdp", [s.name for s in ShardingStrategy][:4], CPUOffload(), MixedPrecision().param_dtype,
      policy(module=nn.Linear(2, 2), recurse=False, nonwrapped_numel=4),
      policy(module=nn.ReLU(), recurse=False, nonwrapped_numel=4))


def fused_kernel():
    from torch.utils.cpp_extension import load

    try:
        return load(name="fused_gelu", sources=["fused_gelu_missing.cu"], verbose=False)
    except Exception:  # noqa: BLE001 (libraries fall back on any failure)
        return None


print("fused kernel", fused_kernel())


def noise_like(shape, generator):
    # libraries draw on the generator's device, then move to the tensor's
    where = generator.device.type if generator is not None else "cpu"
    return torch.randn(shape, generator=generator, device=where)


class LoRALinear(nn.Module):
    def __init__(self, base, rank=2):
        super().__init__()
        self.base = base
        self.lora_A, self.lora_B = nn.ModuleDict(), nn.ModuleDict()
        self.dropout = nn.ModuleDict({"default": nn.Identity()})
        self.add("default", rank)

    def add(self, name, rank):
        self.lora_A.update(nn.ModuleDict({name: nn.Linear(self.base.in_features, rank, bias=False)}))
        self.lora_B.update(nn.ModuleDict({name: nn.Linear(rank, self.base.out_features, bias=False)}))
        nn.init.normal_(self.lora_B[name].weight, std=0.02)

    def forward(self, x):
        out = self.base(x)
        for name in self.lora_A:
            out = out + self.lora_B[name](self.lora_A[name](self.dropout["default"](x))) * 0.5
        return out


class Denoiser(nn.Module):
    def __init__(self, dim=6, hidden=16):
        super().__init__()
        self.inp = LoRALinear(nn.Linear(dim + 1, hidden))
        self.out = LoRALinear(nn.Linear(hidden, dim))

    def forward(self, x, t):
        return self.out(F.silu(self.inp(torch.cat([x, t[:, None]], dim=1))))


steps = 50
betas = torch.tensor([min(1 - math.cos((i + 1) / steps * math.pi / 2) ** 2
                          / math.cos(i / steps * math.pi / 2) ** 2, 0.999) for i in range(steps)])
alphas_cumprod = torch.cumprod(1 - betas, dim=0)

model = Denoiser()
for p in model.parameters():
    p.requires_grad_(False)
model.inp.add("second", 3)
lora = [p for n, p in model.named_parameters() if "lora_" in n]
for p in lora:
    p.requires_grad_(True)
print("adapters", list(model.inp.lora_A), sum(p.numel() for p in lora))
opt = torch.optim.AdamW(lora, lr=5e-2)
data = torch.randn(8, 6)
gen = torch.Generator().manual_seed(3)
stream = torch.Stream()
with stream:
    for step in range(4):
        noise = noise_like(data.shape, gen)
        t = torch.randint(0, steps, (8,), generator=gen)
        a = alphas_cumprod[t][:, None]
        noisy = a.sqrt() * data + (1 - a).sqrt() * noise
        loss = F.mse_loss(model(noisy, t.float() / steps), noise)
        opt.zero_grad()
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(lora, 1.0)
        opt.step()
        print(f"step {step} t {t[:4].tolist()} loss {loss.item():.5f} grad {grad_norm.item():.5f}")
stream.synchronize()
print("stream", stream.query(), repr(stream))
