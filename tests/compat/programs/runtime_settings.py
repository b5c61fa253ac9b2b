"""Runtime settings and tools programs call: threads, determinism, cudnn/mps flags, anomaly
detection, the profiler, seeds of every backend, default dtype and device."""
import torch
import torch.nn as nn

torch.set_num_threads(1)
print(torch.get_num_threads())
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = True
torch.use_deterministic_algorithms(True)
print(torch.are_deterministic_algorithms_enabled(), torch.backends.mps.is_available(),
      torch.cuda.is_available(), torch.cuda.device_count())
g = torch.manual_seed(0)
torch.cuda.manual_seed_all(0)
print(type(g).__name__, g.initial_seed())
torch.set_float32_matmul_precision("high")
with torch.autograd.set_detect_anomaly(True):
    x = torch.randn(3, requires_grad=True)
    (x * 2).sum().backward()
print(x.grad)
model = nn.Linear(8, 4)
with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
    with torch.profiler.record_function("forward"):
        model(torch.randn(2, 8)).sum().backward()
print(isinstance(prof.key_averages().table(sort_by="cpu_time_total", row_limit=3), str))
with torch.autograd.profiler.profile() as p2:
    model(torch.randn(2, 8))
print(type(p2).__name__ != "")
torch.set_default_dtype(torch.float64)
print(torch.zeros(1).dtype, torch.tensor([1.0]).dtype, nn.Linear(2, 2).weight.dtype)
torch.set_default_dtype(torch.float32)
print(torch.get_default_dtype(), torch.finfo(torch.float32).eps, torch.iinfo(torch.int8).max)
print(torch.__version__ is not None, torch.version.cuda)
state = torch.get_rng_state()
a = torch.rand(2)
torch.set_rng_state(state)
print(torch.equal(a, torch.rand(2)))
with torch.random.fork_rng():
    torch.rand(5)
print(torch.rand(1))
