"""A Keras-style model summary written by hand, as in many blog posts: forward hooks on every
leaf module record output shapes and parameter counts, named_modules / named_parameters /
named_buffers walks, trainable vs non-trainable counts, parameter memory in MB, and hooks
removed afterwards."""
from collections import OrderedDict

import torch
import torch.nn as nn


class SmallCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((2, 2)),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(p=0.5),
            nn.Linear(16 * 2 * 2, 32),
            nn.ReLU(),
            nn.Linear(32, num_classes),
        )
        self.register_buffer("mean", torch.tensor([0.1307]))
        self.register_buffer("std", torch.tensor([0.3081]))

    def forward(self, x):
        x = (x - self.mean.view(1, -1, 1, 1)) / self.std.view(1, -1, 1, 1)
        return self.classifier(self.features(x))


def summary(model, input_size, batch_size=-1):
    result = OrderedDict()
    hooks = []

    def register_hook(module):
        def hook(module, input, output):
            class_name = str(module.__class__).split(".")[-1].split("'")[0]
            module_idx = len(result)
            m_key = "%s-%i" % (class_name, module_idx + 1)
            result[m_key] = OrderedDict()
            result[m_key]["input_shape"] = list(input[0].size())
            result[m_key]["input_shape"][0] = batch_size
            result[m_key]["output_shape"] = list(output.size())
            result[m_key]["output_shape"][0] = batch_size
            params = 0
            if hasattr(module, "weight") and hasattr(module.weight, "size"):
                params += torch.prod(torch.LongTensor(list(module.weight.size())))
                result[m_key]["trainable"] = module.weight.requires_grad
            if hasattr(module, "bias") and hasattr(module.bias, "size"):
                params += torch.prod(torch.LongTensor(list(module.bias.size())))
            result[m_key]["nb_params"] = params

        if not isinstance(module, nn.Sequential) and not isinstance(module, nn.ModuleList) \
                and not (module == model):
            hooks.append(module.register_forward_hook(hook))

    model.apply(register_hook)
    x = torch.rand(2, *input_size)
    model(x)
    for h in hooks:
        h.remove()

    print("----------------------------------------------------------------")
    line_new = "{:>20}  {:>25} {:>15}".format("Layer (type)", "Output Shape", "Param #")
    print(line_new)
    print("================================================================")
    total_params = 0
    total_output = 0
    trainable_params = 0
    for layer in result:
        line_new = "{:>20}  {:>25} {:>15}".format(
            layer, str(result[layer]["output_shape"]),
            "{0:,}".format(int(result[layer]["nb_params"])))
        total_params += result[layer]["nb_params"]
        total_output += torch.prod(torch.tensor(result[layer]["output_shape"][1:])).item()
        if result[layer].get("trainable", False):
            trainable_params += result[layer]["nb_params"]
        print(line_new)
    total_input_size = abs(torch.prod(torch.tensor(input_size)).item() * 4.0 / (1024 ** 2.0))
    total_output_size = abs(2.0 * total_output * 4.0 / (1024 ** 2.0))
    total_params_size = abs(total_params.numpy() * 4.0 / (1024 ** 2.0))
    print("================================================================")
    print("Total params: {0:,}".format(int(total_params)))
    print("Trainable params: {0:,}".format(int(trainable_params)))
    print("Non-trainable params: {0:,}".format(int(total_params - trainable_params)))
    print("Input size (MB): %0.4f" % total_input_size)
    print("Forward/backward pass size (MB): %0.4f" % total_output_size)
    print("Params size (MB): %0.4f" % total_params_size)
    print("----------------------------------------------------------------")
    return total_params, trainable_params


torch.manual_seed(0)
model = SmallCNN()
model.features[0].weight.requires_grad_(False)
total, trainable = summary(model, (1, 12, 12))
print(type(total).__name__, total.dtype, total)

print("named_modules:")
for name, module in model.named_modules():
    n_own = sum(p.numel() for p in module.parameters(recurse=False))
    print(f"  {name or '<root>':16s} {module.__class__.__name__:18s} own params {n_own}")
print("named_parameters:")
for name, p in model.named_parameters():
    print(f"  {name:24s} {list(p.shape)!s:16s} {p.dtype} grad={p.requires_grad}")
print("named_buffers:")
for name, b in model.named_buffers():
    print(f"  {name:30s} {tuple(b.shape)} {b.dtype}")
print("children:", [n for n, _ in model.named_children()])
print("leaf modules:", sum(1 for m in model.modules() if len(list(m.children())) == 0))
n_params = sum(p.numel() for p in model.parameters())
n_buffers = sum(b.numel() for b in model.buffers())
size_mb = (sum(p.nelement() * p.element_size() for p in model.parameters())
           + sum(b.nelement() * b.element_size() for b in model.buffers())) / 1024 ** 2
print(f"{n_params} parameters, {n_buffers} buffer elements, model size: {size_mb:.3f}MB")
print("state_dict keys == params + buffers:",
      len(model.state_dict()) == len(list(model.parameters())) + len(list(model.buffers())))
print("hooks left:", sum(len(m._forward_hooks) for m in model.modules()))
