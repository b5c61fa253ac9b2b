"""Mixed-precision code paths run on CPU with AMP turned off: GradScaler(enabled=False)
(scale() returns the loss, get_scale() is 1.0, unscale_ + clip, step/update), autocast with
enabled=False, gradient accumulation over micro-batches with loss / accum_steps, zero_grad
(set_to_none=True), and the scaler's state_dict."""
import torch
import torch.nn as nn

torch.manual_seed(0)
use_amp = False
device = "cpu"
model = nn.Sequential(nn.Linear(10, 32), nn.GELU(), nn.LayerNorm(32), nn.Linear(32, 3))
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
scaler = torch.amp.GradScaler(device, enabled=use_amp)
print("scaler enabled:", scaler.is_enabled(), "scale:", scaler.get_scale())

x = torch.randn(48, 10)
y = torch.randint(0, 3, (48,))
accum_steps = 3
micro = 4
criterion = nn.CrossEntropyLoss()
for epoch in range(3):
    optimizer.zero_grad(set_to_none=True)
    running = 0.0
    for step in range(12):
        xb, yb = x[step * micro:(step + 1) * micro], y[step * micro:(step + 1) * micro]
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=use_amp):
            logits = model(xb)
            loss = criterion(logits, yb) / accum_steps
        scaled = scaler.scale(loss)
        scaled.backward()
        running += loss.item()
        if (step + 1) % accum_steps == 0:
            scaler.unscale_(optimizer)
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
    print(f"epoch {epoch} loss {running / (12 / accum_steps):.6f} last grad norm {norm.item():.6f}"
          f" logits {logits.dtype} scaled is loss: {scaled is loss}")
print("grads cleared:", all(p.grad is None for p in model.parameters()))
print("scaler state:", scaler.state_dict())

# the same loop without the scaler gives the same weights
torch.manual_seed(0)
model2 = nn.Sequential(nn.Linear(10, 32), nn.GELU(), nn.LayerNorm(32), nn.Linear(32, 3))
opt2 = torch.optim.AdamW(model2.parameters(), lr=3e-3)
for epoch in range(3):
    opt2.zero_grad()
    for step in range(12):
        xb, yb = x[step * micro:(step + 1) * micro], y[step * micro:(step + 1) * micro]
        (criterion(model2(xb), yb) / accum_steps).backward()
        if (step + 1) % accum_steps == 0:
            torch.nn.utils.clip_grad_norm_(model2.parameters(), max_norm=1.0)
            opt2.step()
            opt2.zero_grad()
print("scaler-free loop identical:", all(torch.equal(a, b) for a, b in
                                         zip(model.parameters(), model2.parameters())))

# accumulation equals one big batch (up to rounding)
model3 = nn.Linear(10, 3)
model4 = nn.Linear(10, 3)
model4.load_state_dict(model3.state_dict())
for i in range(3):
    (criterion(model3(x[i * 4:(i + 1) * 4]), y[i * 4:(i + 1) * 4]) / 3).backward()
criterion(model4(x[:12]), y[:12]).backward()
print("accumulated == full batch:", torch.allclose(model3.weight.grad, model4.weight.grad,
                                                    atol=1e-6))
