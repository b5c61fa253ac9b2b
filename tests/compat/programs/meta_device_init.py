"""Building a model on the meta device (shapes, no data) and materialising it: `with
torch.device("meta"):`, is_meta, to_empty(device="cpu") + reset_parameters, and
load_state_dict(assign=True) replacing the meta parameters by a checkpoint's tensors."""
import torch
import torch.nn as nn

torch.manual_seed(0)
trained = nn.Linear(4, 3)
with torch.device("meta"):
    model = nn.Linear(4, 3)
print(model.weight.device, model.weight.is_meta)
model.load_state_dict(trained.state_dict(), assign=True)
print(model.weight.is_meta, torch.equal(model.weight, trained.weight))
with torch.device("meta"):
    empty = nn.Linear(4, 3)
empty = empty.to_empty(device="cpu")
torch.manual_seed(0)
empty.reset_parameters()
print(empty.weight.device, torch.equal(empty.weight, trained.weight))
