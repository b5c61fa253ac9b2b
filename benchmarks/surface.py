"""How much of PyTorch's tensor surface gradkit has: the public torch functions (the names of
``torch._C._VariableFunctions`` that ``torch`` exports) and the public attributes of
``torch.Tensor``, outside the families gradkit does not aim at (complex, quantized, sparse,
nested, backend-specific kernels, storage internals). Prints the coverage and every missing name
with PyTorch's signature where it has one.

Run: python benchmarks/surface.py [--missing]   (needs torch; not part of the test suite)
"""

from __future__ import annotations

import re
import sys

import gradkit as gk

# families out of scope (matched against the whole name); ``saddmm`` is sparse-only (PyTorch
# raises "can only be called on sparse tensors" for dense ones) and ``Tensor.index`` binds
# functorch's first-class dims (``functorch.dim``), which gradkit does not have
OUT_OF_SCOPE = re.compile(
    r".*(complex|quantiz|q_per_channel|q_scale|q_zero_point|qscheme|int_repr|dequantize|"
    r"fake_quant|fbgemm|sparse|smm|spmm|spaddmm|hspmm|dsmm|coalesce|crow_indices|col_indices|"
    r"ccol_indices|row_indices|indices_copy|values_copy|^indices$|^values$|to_dense|dense_dim|"
    r"mkldnn|cudnn|miopen|nnpack|vulkan|mps|xpu|ipu|mtia|maia|xla|hpu|nested|to_padded_tensor|"
    r"conj|^real$|^imag$|^angle$|^polar$|view_as_real|view_as_complex|is_complex|isreal|"
    r"chalf|cfloat|cdouble|resolve_neg|is_neg|^stft$|^istft$|storage|data_ptr|record_stream|"
    r"pin_memory|is_pinned|share_memory|is_shared|^sym_|native_|_backward|_forward|"
    r"batch_norm_(stats|elemt|gather|update)|^segment_reduce$|^from_file$|choose_qparams|"
    r"^is_vulkan_available$|^hash_tensor$|^map_$|^map2_$|^apply_$|^reinforce$|^volatile$|"
    r"^output_nr$|^module_load$|^dim_order$|^as_subclass$|^grad_dtype$|^is_set_to$|^set_$|"
    r"^new$|^is_meta$|^is_cpu$|^is_cuda$|^layout$|^name$|^names$|^rename|^refine_names|"
    r"^align_|^has_names$|^unflatten_dense|^is_distributed$|^slice_inverse$|_copy$|^saddmm$|"
    r"^index$).*")


def surface(torch):
    functions = sorted(n for n in dir(torch._C._VariableFunctions)
                       if not n.startswith("_") and hasattr(torch, n) and not OUT_OF_SCOPE.match(n))
    methods = sorted(n for n in dir(torch.Tensor)
                     if not n.startswith("_") and not OUT_OF_SCOPE.match(n))
    return functions, methods


def _signature(obj):
    doc = (getattr(obj, "__doc__", None) or "").strip().splitlines()
    return doc[0] if doc else ""


def main():
    try:
        import torch
    except ImportError:
        sys.exit("surface.py compares with PyTorch: pip install torch==2.13.0")
    functions, methods = surface(torch)
    missing_f = [n for n in functions if not hasattr(gk, n)]
    missing_m = [n for n in methods if not hasattr(gk.Tensor, n)]
    for title, names, total, owner in (("torch functions", missing_f, functions, torch),
                                       ("Tensor methods", missing_m, methods, torch.Tensor)):
        have = len(total) - len(names)
        print(f"{title}: {have} of {len(total)} ({100 * have / len(total):.1f}%), "
              f"{len(names)} missing")
        if "--missing" in sys.argv:
            for n in names:
                print(f"  {n:28s} {_signature(getattr(owner, n, None))[:90]}")


if __name__ == "__main__":
    main()
