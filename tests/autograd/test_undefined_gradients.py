"""A custom Function's backward returning None for an input: no gradient reaches it (PyTorch's
undefined gradient), which is not a gradient of zeros. ``.grad`` stays None where nothing else
reaches it, ``autograd.grad`` reports it as unused, nodes it reaches pass none on, hooks see
None, optimizers skip the parameter. Each scenario runs on gradkit and on PyTorch and both must
log the same values."""

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _v(t):
    return None if t is None else t.detach().tolist()


def _fns(lib):
    class Drop(lib.autograd.Function):  # the gradient of b is None
        @staticmethod
        def forward(ctx, a, b):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    class Pass(lib.autograd.Function):  # materializes zeros for a missing gradient (default)
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return g

    class PassLazy(lib.autograd.Function):  # set_materialize_grads(False): backward gets None
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return g

    class Two(lib.autograd.Function):  # two outputs
        @staticmethod
        def forward(ctx, a, b):
            ctx.set_materialize_grads(False)
            return a * 2, b * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return (None if ga is None else ga * 2), (None if gb is None else gb * 3)

    return Drop, Pass, PassLazy, Two


def _leaves(lib):
    return lib.ones(3, requires_grad=True), lib.ones(3, requires_grad=True)


def _backward_and_grad(lib):
    Drop = _fns(lib)[0]
    a, b = _leaves(lib)
    Drop.apply(a, b).sum().backward()
    log = [_v(a.grad), _v(b.grad)]
    log.append([_v(g) for g in lib.autograd.grad(Drop.apply(a, b).sum(), [a, b],
                                                 allow_unused=True)])
    log.append([_v(g) for g in lib.autograd.grad(Drop.apply(a, b).sum(), [a, b],
                                                 materialize_grads=True)])
    try:
        lib.autograd.grad(Drop.apply(a, b).sum(), [a, b])
    except RuntimeError as e:
        log.append("not used" in str(e) or "not have been used" in str(e))
    a.grad = b.grad = None
    (Drop.apply(a, b).sum() + b.sum() * 3).backward()  # another path reaches b
    log += [_v(a.grad), _v(b.grad)]
    b.grad = lib.full((3,), 5.0)
    Drop.apply(a, b).sum().backward()  # an existing .grad is left as it is
    log.append(_v(b.grad))
    return log


def _through_builtin_nodes(lib):
    Drop, Pass, PassLazy, Two = _fns(lib)
    a, b = _leaves(lib)
    log = []
    for make in (lambda: (b.sin() * 3 + 1).relu(),  # a chain of one-input nodes
                 lambda: a * b,                      # a two-input node
                 lambda: b.split([1, 2])[1].repeat(2)[:3],  # views, a broadcast
                 lambda: lib.var_mean(b)[0] + b.max(0)[0],  # several-output nodes
                 lambda: Pass.apply(b),             # zeros materialized for backward
                 lambda: PassLazy.apply(b)):        # None given to backward
        a.grad = b.grad = None
        Drop.apply(a, make()).sum().backward()
        log += [_v(a.grad), _v(b.grad)]
    for first in (0, 1):
        a.grad = b.grad = None
        x, y = Two.apply(a, b)
        (Drop.apply(x, y) if first == 0 else Drop.apply(y, x)).sum().backward()
        log += [_v(a.grad), _v(b.grad)]
    return log


def _hooks(lib):
    Drop = _fns(lib)[0]
    a, b = _leaves(lib)
    log = []
    b.register_hook(lambda g: log.append(("b", _v(g))))
    b.register_post_accumulate_grad_hook(lambda t: log.append(("post", _v(t.grad))))
    c = b.exp()
    c.register_hook(lambda g: log.append(("c", _v(g))))
    c.retain_grad()
    c.grad_fn.register_prehook(lambda go: log.append(("prehook", [_v(g) for g in go])))
    c.grad_fn.register_hook(lambda gi, go: log.append(("node", [_v(g) for g in gi])))
    Drop.apply(a, c).sum().backward()
    log += [_v(a.grad), _v(b.grad), _v(c.grad), c.retains_grad]
    d = b * 1
    Drop.apply(a, d).sum().backward(inputs=[d])  # a non-leaf input: it retains its gradient
    log += [_v(d.grad), d.retains_grad]
    e = b * 1
    e.register_hook(lambda g: lib.ones(3))  # a hook may not turn no gradient into one
    try:
        Drop.apply(a, e).sum().backward()
    except RuntimeError as err:
        log.append("None gradient" in str(err))
    return log


def _double_backward(lib):
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 2 * a, None

    a, b = _leaves(lib)
    ga, gb = lib.autograd.grad(Square.apply(a * a, b * b).sum(), [a, b], create_graph=True,
                               allow_unused=True)
    log = [_v(ga), _v(gb), ga.requires_grad]
    ga.sum().backward()
    return log + [_v(a.grad), _v(b.grad)]


def _optimizer(lib):
    Drop = _fns(lib)[0]
    w = lib.nn.Parameter(lib.ones(3))
    v = lib.nn.Parameter(lib.ones(3))
    opt = lib.optim.SGD([w, v], lr=0.1, momentum=0.9, weight_decay=0.1)
    for _ in range(2):
        opt.zero_grad()
        Drop.apply(w, v).sum().backward()
        opt.step()
    return [[round(x, 5) for x in _v(w)], _v(v), _v(v.grad)]


def _graph_freed(lib):
    """A node no gradient reached is freed as one that ran: a second backward through a node
    that saved its output fails, through one that saved nothing works."""
    Drop = _fns(lib)[0]
    a, b = _leaves(lib)
    log = []
    for make, again in ((lambda: b.view(3), lambda c: c * 3), (lambda: b.exp(), lambda c: c)):
        c = make()
        Drop.apply(a, c).sum().backward()
        try:
            again(c).sum().backward()
            log.append(_v(b.grad))
        except RuntimeError as e:
            log.append("second time" in str(e))
    return log


def _func_transforms(lib):
    """torch.func materializes a missing gradient: zeros there, not None."""
    class Drop(lib.autograd.Function):
        @staticmethod
        def forward(a, b):
            return a * 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    ones = lib.ones(3), lib.ones(3)
    grads = lib.func.grad(lambda a, b: Drop.apply(a, b).sum(), argnums=(0, 1))(*ones)
    _, fn = lib.func.vjp(Drop.apply, *ones)
    jac = lib.func.jacrev(Drop.apply, argnums=(0, 1))(*ones)
    return [[_v(g) for g in grads], [_v(g) for g in fn(lib.ones(3))], [_v(j) for j in jac]]


@pytest.mark.parametrize("scenario", [_backward_and_grad, _through_builtin_nodes, _hooks,
                                      _double_backward, _optimizer, _graph_freed,
                                      _func_transforms])
def test_no_gradient_flows_as_pytorch(scenario):
    assert scenario(gk) == scenario(torch)
