"""torch.utils.cpp_extension (gradkit/utils/cpp_extension.py): importable with PyTorch's names
(peft's BOFT imports ``load`` before trying it), and building refuses with a RuntimeError."""

import pytest

from gradkit.utils import cpp_extension as ours


def test_names_exist_as_in_torch(torch):
    theirs = pytest.importorskip("torch.utils.cpp_extension")
    for name in ours.__all__:
        assert hasattr(theirs, name), name
    assert ours.CUDA_HOME is None and ours.IS_LINUX == theirs.IS_LINUX
    assert ours.is_ninja_available() == theirs.is_ninja_available()


@pytest.mark.parametrize("call", [
    lambda: ours.load("ext", ["ext.cpp"]),
    lambda: ours.load_inline("ext", "int f() { return 1; }"),
    lambda: ours.CppExtension("ext", ["ext.cpp"]),
    lambda: ours.CUDAExtension("ext", ["ext.cu"]),
    lambda: ours.BuildExtension(),
    lambda: ours.include_paths(),
])
def test_building_refuses_saying_why(call):
    with pytest.raises(RuntimeError, match="cannot build C\\+\\+/CUDA extensions.*PyTorch"):
        call()


def test_a_library_fallback_around_load_is_taken():
    try:
        ext = ours.load(name="fbd", sources=["fbd.cpp", "fbd.cu"], verbose=True)
    except Exception:  # noqa: BLE001 (the pattern libraries use)
        ext = None
    assert ext is None
