"""Device selection and speed flags as training scripts write them: accelerator, cuda, mps,
cudnn.benchmark/deterministic, TF32 switches, set_float32_matmul_precision, torch.compile,
autocast and GradScaler disabled on CPU, torch.backends.opt_einsum."""
import torch
import torch.nn as nn

if torch.accelerator.is_available():
    device = torch.accelerator.current_accelerator()
elif torch.backends.mps.is_available():
    device = torch.device("mps")
else:
    device = torch.device("cpu")
print("device", device, torch.cuda.is_available(), torch.accelerator.device_count(),
      torch.cuda.device_count())
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = True
torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True
torch.set_float32_matmul_precision("high")
print(torch.backends.cudnn.benchmark, torch.backends.cudnn.enabled,
      torch.get_float32_matmul_precision(), torch.backends.mps.is_built())
torch.manual_seed(0)
model = nn.Linear(4, 2).to(device)
model = torch.compile(model, disable=(device.type == "cpu"))  # compile only on a GPU
opt = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cuda", enabled=(device.type == "cuda"))
x, y = torch.randn(8, 4, device=device), torch.randn(8, 2, device=device)
for step in range(3):
    with torch.autocast(device_type=device.type, dtype=torch.float16,
                        enabled=(device.type == "cuda")):
        loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    print(step, round(loss.item(), 5), scaler.is_enabled())
x = torch.ones(2)
print(x.is_cuda, x.device, x.is_xpu if hasattr(x, "is_xpu") else False)
