"""Module and tensor hooks as interpretability and debugging code uses them: forward pre-hooks
with with_kwargs=True that rewrite args and kwargs, forward hooks that replace the output,
register_full_backward_hook / register_full_backward_pre_hook (grad_input / grad_output shapes,
scaling gradients), tensor.register_hook on activations (gradient capture for Grad-CAM),
post-accumulate-grad hooks, global module hooks, hook handles' remove(), state_dict pre/post
hooks and load_state_dict post hooks."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x, scale=1.0):
        h = F.relu(self.conv(x)) * scale
        return self.fc(h.flatten(1))


net = Net()
x = torch.randn(2, 1, 4, 4)
log = []


def pre_kw(module, args, kwargs):
    log.append(("pre", type(module).__name__, tuple(args[0].shape), dict(kwargs)))
    return args, {**kwargs, "scale": 2.0}


h1 = net.register_forward_pre_hook(pre_kw, with_kwargs=True)
out = net(x, scale=0.5)
print(log[-1], out.shape)
h1.remove()
print(torch.allclose(net(x, scale=2.0), out))

acts, grads = {}, {}


def save_act(module, inp, output):
    acts["conv"] = output.detach()
    output.register_hook(lambda g: grads.__setitem__("conv", g))


def fwd_kw(module, args, kwargs, output):
    log.append(("fwd", list(kwargs)))
    return output * 1.0


h2 = net.conv.register_forward_hook(save_act)
h3 = net.register_forward_hook(fwd_kw, with_kwargs=True)
logits = net(x)
logits[:, 1].sum().backward()
weights = grads["conv"].mean(dim=(2, 3), keepdim=True)
cam = F.relu((weights * acts["conv"]).sum(1))
print(log[-1], cam.shape, cam[0])
h2.remove()
h3.remove()

bw = []


def full_bw(module, grad_input, grad_output):
    bw.append((type(module).__name__, [None if g is None else tuple(g.shape) for g in grad_input],
               [tuple(g.shape) for g in grad_output]))
    return tuple(None if g is None else g * 0.5 for g in grad_input)


def bw_pre(module, grad_output):
    bw.append(("pre", tuple(grad_output[0].shape)))
    return (grad_output[0] * 2,)


lin = nn.Linear(5, 2)
hb = lin.register_full_backward_hook(full_bw)
hp = lin.register_full_backward_pre_hook(bw_pre)
inp = torch.randn(3, 5, requires_grad=True)
lin(inp).sum().backward()
print(bw, inp.grad[0])
hb.remove()
hp.remove()
ref = torch.randn(3, 5, requires_grad=True)
with torch.no_grad():
    ref.copy_(inp)
lin(ref).sum().backward()
print(torch.allclose(ref.grad, inp.grad))

p = nn.Parameter(torch.ones(3))
seen = []
p.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
(p * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
(p * 2).sum().backward()
print(seen)
t = torch.randn(3, requires_grad=True)
t.register_hook(lambda g: g * 10)
hh = t.register_hook(lambda g: print("grad seen", g))
(t * 2).sum().backward()
print(t.grad)
hh.remove()

counts = {"n": 0}
gh = nn.modules.module.register_module_forward_hook(
    lambda m, i, o: counts.__setitem__("n", counts["n"] + 1))
nn.Sequential(nn.Linear(2, 2), nn.ReLU())(torch.randn(1, 2))
gh.remove()
nn.Linear(2, 2)(torch.randn(1, 2))
print(counts)

m = nn.Linear(2, 1)
m.register_state_dict_post_hook(lambda mod, sd, prefix, local: sd.__setitem__("extra", 1))
sd = m.state_dict()
print(sorted(sd))
m2 = nn.Linear(2, 1)
m2.register_load_state_dict_post_hook(lambda mod, keys: print("loaded", keys.missing_keys,
                                                               keys.unexpected_keys))
print(m2.load_state_dict({"weight": torch.ones(1, 2), "bias": torch.zeros(1)}))
