"""Grad-CAM and CAM as interpretability tutorials write them: a small CNN with a named last conv
layer, register_forward_hook storing activations and register_full_backward_hook storing
gradients, the class score backpropagated with one_hot gradient, weights by global-average of
gradients, ReLU of the weighted sum, bilinear upsampling with F.interpolate(align_corners=False),
min-max normalisation, CAM from the GAP-linear weights, a tensor hook variant via
register_hook, guided-backprop-style ReLU hooks, and hook handles removed at the end."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(self.gap(self.features(x)).flatten(1))


torch.manual_seed(0)
model = Net()
x = torch.randn(2, 3, 32, 32)
y = torch.tensor([1, 3])
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(10):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"{loss.item():.5f}")
model.eval()


class GradCAM:
    def __init__(self, model, target_layer):
        self.model = model
        self.activations = None
        self.gradients = None
        self.handles = [target_layer.register_forward_hook(self.save_activation),
                        target_layer.register_full_backward_hook(self.save_gradient)]

    def save_activation(self, module, input, output):
        self.activations = output.detach()

    def save_gradient(self, module, grad_input, grad_output):
        self.gradients = grad_output[0].detach()

    def __call__(self, x, class_idx=None):
        self.model.zero_grad()
        logits = self.model(x)
        if class_idx is None:
            class_idx = logits.argmax(dim=1)
        one_hot = F.one_hot(class_idx, logits.shape[1]).float()
        logits.backward(gradient=one_hot)
        weights = self.gradients.mean(dim=(2, 3), keepdim=True)
        cam = F.relu((weights * self.activations).sum(dim=1, keepdim=True))
        cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)
        flat = cam.flatten(1)
        mn, mx = flat.min(1)[0], flat.max(1)[0]
        cam = (cam - mn[:, None, None, None]) / (mx - mn + 1e-8)[:, None, None, None]
        return cam, class_idx

    def remove(self):
        for h in self.handles:
            h.remove()


target = model.features[7]
gc = GradCAM(model, target)
cam, cls = gc(x)
print(cam.shape, cls, cam[0, 0, ::8, ::8])
print(cam.mean((1, 2, 3)), gc.activations.shape, gc.gradients.abs().sum().item())
cam2, _ = gc(x, torch.tensor([0, 0]))
print((cam2 - cam).abs().mean().item())
gc.remove()
print(len(target._forward_hooks), len(target._backward_hooks))

feats = {}
h = model.features.register_forward_hook(lambda m, i, o: feats.__setitem__("maps", o))
with torch.no_grad():
    logits = model(x)
h.remove()
w = model.fc.weight[logits.argmax(1)]  # (N, C)
cams = torch.einsum("nc,nchw->nhw", w, feats["maps"])
print("CAM", cams.shape, cams[1].argmax().item(), cams.amax((1, 2)))

grads = {}
xi = x.clone().requires_grad_(True)
act = model.features[:6](xi)
act.register_hook(lambda g: grads.__setitem__("a", g))
out = model.fc(model.gap(model.features[6:](act)).flatten(1))
out[range(2), out.argmax(1)].sum().backward()
print(torch.allclose(grads["a"].mean((2, 3)).sum(), grads["a"].mean((2, 3)).sum()),
      grads["a"].shape, xi.grad.abs().amax().item())


def guided_relu_hook(module, grad_input, grad_output):
    return (torch.clamp(grad_input[0], min=0.0),)


handles = [m.register_full_backward_hook(guided_relu_hook) for m in model.modules()
           if isinstance(m, nn.ReLU)]
xg = x.clone().requires_grad_(True)
model(xg)[:, 2].sum().backward()
for hd in handles:
    hd.remove()
print("guided", xg.grad.shape, (xg.grad > 0).float().mean().item(), xg.grad.abs().sum().item())
