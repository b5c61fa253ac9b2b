"""torch.export's errors against PyTorch's: the same exception type for control flow on tensor
values, a dynamic dimension the program fixes, inputs of the wrong shape, bad arguments; and
messages that name the input, the dimension and the fix."""

import io
import json
import zipfile

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _both(build):
    return build(gk), build(torch)


def _branchy(lib):
    class Branch(lib.nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x + 1
            return x - 1
    return Branch()


def _fixed_view(lib):
    class Fixed(lib.nn.Module):
        def forward(self, x):
            return x.view(5, -1)
    return Fixed()


def _linear(lib):
    lib.manual_seed(0)
    return lib.nn.Linear(3, 2)


def test_data_dependent_control_flow():
    for lib, mod in zip((gk, torch), _both(_branchy)):
        with pytest.raises(RuntimeError) as info:
            lib.export.export(mod, (lib.ones(3),))
        if lib is gk:
            assert type(info.value).__name__ == "GuardOnDataDependentSymNode"
            assert "torch.where" in str(info.value)


def test_dynamic_dim_fixed_by_the_program():
    for lib, mod in zip((gk, torch), _both(_fixed_view)):
        b = lib.export.Dim("batch")
        with pytest.raises(RuntimeError, match=r"Constraints violated \(batch\)"):
            lib.export.export(mod, (lib.ones(5, 3),), dynamic_shapes=({0: b},))


def test_dynamic_dim_used_as_python_int():
    class Loop(gk.nn.Module):
        def forward(self, x):
            return sum(x[i] for i in range(int(x.size(0))))

    b = gk.export.Dim("batch")
    with pytest.raises(gk.export.UserError, match="batch"):
        gk.export.export(Loop(), (gk.ones(4, 3),), dynamic_shapes=({0: b},))
    ep = gk.export.export(Loop(), (gk.ones(4, 3),))  # static: unrolled
    assert ep.module()(gk.full((4, 3), 2.0)).tolist() == [8.0, 8.0, 8.0]


def test_wrong_input_shape_names_input_and_dim():
    for lib, mod in zip((gk, torch), _both(_linear)):
        ep = lib.export.export(mod, (lib.ones(4, 3),))
        with pytest.raises(AssertionError) as info:
            ep.module()(lib.ones(4, 5))
        assert "x.size()[1] == 3" in str(info.value) or "input.size()[1] == 3" in \
            str(info.value)
    b = gk.export.Dim("batch", min=2, max=8)
    ep = gk.export.export(_linear(gk), (gk.ones(4, 3),), dynamic_shapes=({0: b},))
    assert tuple(ep.module()(gk.ones(8, 3)).shape) == (8, 2)
    with pytest.raises(AssertionError, match=r"input.size\(\)\[0\] <= 8"):
        ep.module()(gk.ones(9, 3))
    with pytest.raises(AssertionError, match=r"input.dim\(\) == 2"):
        ep.module()(gk.ones(3))


def test_calling_the_program_directly():
    for lib, mod in zip((gk, torch), _both(_linear)):
        ep = lib.export.export(mod, (lib.ones(4, 3),))
        with pytest.raises(RuntimeError, match="module()"):
            ep(lib.ones(4, 3))


def test_bad_arguments():
    for lib in (gk, torch):
        with pytest.raises(ValueError, match="nn.Module"):
            lib.export.export(lambda x: x, (lib.ones(2),))
        with pytest.raises(RuntimeError, match="tuple"):
            lib.export.export(_linear(lib), lib.ones(4, 3))
        with pytest.raises(RuntimeError, match="arg names"):
            lib.export.export(_linear(lib), (lib.ones(4, 3),),
                              dynamic_shapes={"y": {0: lib.export.Dim("b")}})
    with pytest.raises(gk.export.UserError, match="outside the range"):
        gk.export.export(_linear(gk), (gk.ones(4, 3),),
                         dynamic_shapes=({0: gk.export.Dim("b", min=5)},))


def test_load_refuses_foreign_files_and_targets():
    with pytest.raises(RuntimeError, match="not a zip"):
        gk.export.load(io.BytesIO(b"not a program"))
    ep = gk.export.export(_linear(gk), (gk.ones(4, 3),))
    buf = io.BytesIO()
    gk.export.save(ep, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    program = json.loads(src.read("program.json"))
    for node in program["nodes"]:
        if node["op"] == "call_function":
            node["target"] = "os:system"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in src.namelist():
            z.writestr(name, json.dumps(program) if name == "program.json" else src.read(name))
    with pytest.raises(RuntimeError, match="refusing target 'os:system'"):
        gk.export.load(io.BytesIO(out.getvalue()))
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("data.pkl", b"x")
    with pytest.raises(RuntimeError, match="pt2"):
        gk.export.load(plain)
