"""Training logs through the logging module as projects set it up: a named logger with a
StreamHandler to stdout and a FileHandler, a Formatter without timestamps, %-style arguments
that are tensors (their str() in the log), logger.warning on a non-finite loss that skips the
step, logging.getLogger(__name__) in a helper, warnings.warn captured with catch_warnings, and
the log file read back at the end."""
import logging
import math
import os
import sys
import tempfile
import warnings

import torch
import torch.nn as nn

log_path = os.path.join(tempfile.mkdtemp(), "train.log")
logger = logging.getLogger("trainer")
logger.setLevel(logging.DEBUG)
console = logging.StreamHandler(sys.stdout)
console.setLevel(logging.INFO)
console.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
file_handler = logging.FileHandler(log_path, mode="w")
file_handler.setFormatter(logging.Formatter("%(name)s|%(levelname)s|%(message)s"))
logger.addHandler(console)
logger.addHandler(file_handler)
logger.propagate = False


def describe(model):
    log = logging.getLogger("trainer.model")
    n = sum(p.numel() for p in model.parameters())
    log.info("model has %d parameters in %d tensors", n, len(list(model.parameters())))
    log.debug("layers: %s", [type(m).__name__ for m in model.children()])


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 16), nn.Softplus(), nn.Linear(16, 1))
describe(model)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
x = torch.randn(32, 3)
y = x.pow(2).sum(1, keepdim=True)
bad_steps = {2, 5}
for step in range(8):
    opt.zero_grad()
    pred = model(x)
    loss = nn.functional.mse_loss(pred, y)
    if step in bad_steps:
        loss = loss * float("nan")
    if not torch.isfinite(loss):
        logger.warning("step %d: non-finite loss %s, skipping", step, loss)
        continue
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
    opt.step()
    logger.info("step %d loss %.5f grad_norm %.4f", step, loss.item(), grad_norm)
    logger.debug("step %d raw loss tensor %s", step, loss.detach())
    if step == 3:
        logger.info("prediction sample: %s", pred[:2].detach().squeeze(1))

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    warnings.warn("learning rate is high", UserWarning, stacklevel=1)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    logger.info("a leaf with grad: %s; its sum: %r", t, t.sum())
for w in caught:
    logger.info("captured %s: %s", w.category.__name__, w.message)
logger.info("final lr %s, loss isfinite %s, math.isnan %s", opt.param_groups[0]["lr"],
            torch.isfinite(loss).item(), math.isnan(loss.item()))
for h in list(logger.handlers):
    h.close()
    logger.removeHandler(h)
with open(log_path) as f:
    lines = f.read().splitlines()
print(len(lines), "lines in the log file")
print("\n".join(lines[:3]))
print(sum("WARNING" in ln for ln in lines), "warnings,", sum("DEBUG" in ln for ln in lines),
      "debug lines")
