"""The torch.fx tutorials in one program: symbolically trace a small CNN, print its graph and
generated code, rewrite torch.add into torch.mul, fuse each Conv2d+BatchNorm2d pair into one
Conv2d (the "(beta) Building a Convolution/Batch Norm fuser in FX" tutorial), check the fused
model against the original, propagate shapes with ShapeProp, count calls with an Interpreter
(the profiling tutorial's run_node override, without the timings), and swap relu for sigmoid
with a Transformer."""
import copy

import torch
import torch.fx as fx
import torch.nn as nn
from torch.fx.passes.shape_prop import ShapeProp

torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(Block(3, 8), Block(8, 8))
        self.skip = nn.Conv2d(3, 8, 1)
        self.skip_bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)
        self.scale = nn.Parameter(torch.ones(8))

    def forward(self, x):
        y = self.layers(x)
        y = torch.add(y, self.skip_bn(self.skip(x)))
        y = y * self.scale.view(1, -1, 1, 1)
        y = torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1)
        return self.fc(y).softmax(dim=-1)


model = Net()
for m in model.modules():  # trained-looking statistics, so the fusion has work to do
    if isinstance(m, nn.BatchNorm2d):
        m.running_mean.uniform_(-0.5, 0.5)
        m.running_var.uniform_(0.5, 2.0)
        m.weight.data.uniform_(0.5, 1.5)
        m.bias.data.uniform_(-0.2, 0.2)
model.eval()
x = torch.randn(2, 3, 8, 8)

gm = fx.symbolic_trace(model)
print(gm.graph)
print(gm.code)
for node in gm.graph.nodes:
    print(node.op, node.name, node.target if isinstance(node.target, str) else "fn",
          [str(a) for a in node.all_input_nodes], len(node.users))
print("traced matches:", torch.allclose(gm(x), model(x), atol=1e-6))
print("parameters:", sum(p.numel() for p in gm.parameters()), len(gm.state_dict()))


# ---- rewrite: every torch.add becomes torch.mul
def add_to_mul(m):
    g = fx.symbolic_trace(m)
    for node in g.graph.nodes:
        if node.op == "call_function" and node.target == torch.add:
            node.target = torch.mul
    g.recompile()
    return g


mul_gm = add_to_mul(model)
print([n.name for n in mul_gm.graph.nodes if n.op == "call_function"])
print("add->mul changes output:", not torch.allclose(mul_gm(x), model(x)))


# ---- the conv/bn fuser
def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    if conv_b is None:
        conv_b = torch.zeros_like(bn_rm)
    bn_var_rsqrt = torch.rsqrt(bn_rv + bn_eps)
    conv_w = conv_w * (bn_w * bn_var_rsqrt).reshape([-1] + [1] * (len(conv_w.shape) - 1))
    conv_b = (conv_b - bn_rm) * bn_var_rsqrt * bn_w + bn_b
    return nn.Parameter(conv_w), nn.Parameter(conv_b)


def fuse_conv_bn_eval(conv, bn):
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def _parent_name(target):
    *parent, name = target.rsplit(".", 1)
    return parent[0] if parent else "", name


def replace_node_module(node, modules, new_module):
    parent_name, name = _parent_name(node.target)
    modules[node.target] = new_module
    setattr(modules[parent_name], name, new_module)


def fuse(model):
    model = copy.deepcopy(model)
    fx_model = fx.symbolic_trace(model)
    modules = dict(fx_model.named_modules())
    for node in fx_model.graph.nodes:
        if node.op != "call_module" or not isinstance(modules[node.target], nn.BatchNorm2d):
            continue
        prev = node.args[0]
        if prev.op != "call_module" or not isinstance(modules[prev.target], nn.Conv2d):
            continue
        if len(prev.users) > 1:  # the conv output is used elsewhere too
            continue
        replace_node_module(prev, modules, fuse_conv_bn_eval(modules[prev.target],
                                                             modules[node.target]))
        node.replace_all_uses_with(prev)
        fx_model.graph.erase_node(node)
    fx_model.graph.lint()
    fx_model.delete_all_unused_submodules()
    fx_model.recompile()
    return fx_model


fused = fuse(model)
print(fused.code)
print(fused)
print("fused nodes:", len(fused.graph.nodes), "unfused:", len(gm.graph.nodes))
print("fused matches:", torch.allclose(fused(x), model(x), atol=1e-5))
print("batchnorms left:", sum(isinstance(m, nn.BatchNorm2d) for m in fused.modules()))
print(sorted(fused.state_dict().keys()))

# ---- shape propagation
ShapeProp(fused).propagate(x)
for node in fused.graph.nodes:
    meta = node.meta.get("tensor_meta")
    if meta is not None:
        print(f"{node.name:>24} {str(list(meta.shape)):>16} {meta.dtype} {meta.stride}")


# ---- an Interpreter that counts what runs
class CountingInterpreter(fx.Interpreter):
    def __init__(self, mod):
        super().__init__(mod)
        self.counts = {}

    def run_node(self, n):
        self.counts[n.op] = self.counts.get(n.op, 0) + 1
        return super().run_node(n)


interp = CountingInterpreter(fused)
out = interp.run(x)
print(sorted(interp.counts.items()))
print("interpreter matches:", torch.allclose(out, fused(x)))


# ---- a Transformer: relu modules become torch.sigmoid calls
class ReluToSigmoid(fx.Transformer):
    def call_module(self, target, args, kwargs):
        if isinstance(self.submodules[target], nn.ReLU):
            return torch.sigmoid(args[0])
        return super().call_module(target, args, kwargs)


sig = ReluToSigmoid(fused).transform()
print(sig.code)
ref = torch.softmax(fused.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(
    (torch.sigmoid(getattr(fused.layers, "1").conv(torch.sigmoid(getattr(fused.layers, "0").conv(x))))
     * fused.skip(x)) * fused.scale.view(1, -1, 1, 1), 1), 1)), dim=-1)
print("transformer matches:", torch.allclose(sig(x), ref, atol=1e-6))
print(sig(x).detach().numpy().round(4))

# ---- what cannot be traced
class Branchy(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        return -x


try:
    fx.symbolic_trace(Branchy())
except fx.proxy.TraceError as e:
    print(type(e).__name__, e)
