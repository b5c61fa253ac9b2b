"""Findings of the wrong-kind-argument fuzzer (``arg_fuzzer.py``) still open, as (name, class)
pairs with where each is to be fixed. The CI sample (seed 0) fails on any other finding, and on
a new class of finding in a listed name; remove an entry when its fix lands
(``python tests/fuzz/arg_fuzzer.py --seed 0 --case I`` shows the case).
"""

KNOWN_OPEN = {
    ('addcmul_', 'accepted-invalid'):
        'open, in addcmul_: accepted-invalid for tensor1=big (torch TypeError: addcmul_(): '
        "argument 'tensor1' (position 1); case 418)",
    ('allclose', 'accepted-invalid'):
        'open, in allclose: accepted-invalid for atol=list-t (torch TypeError: allclose(): '
        "argument 'atol' must be float, ; case 63)",
    ('asarray', 'wrong-error-type'):
        "open, in the factories' and conversions' keyword checks (gradkit/factories.py, "
        'Tensor.to/type/new_*): requires_grad is not checked for its kind (case 1102)',
    ('bitwise_and', 'wrong-error-type'):
        'open, in bitwise_and: wrong-error-type for input=nan (TypeError: bitwise_and(): argument'
        " 'input' (position 1) must; case 700)",
    ('blackman_window', 'accepted-invalid'):
        "open, in the factories' and conversions' keyword checks (gradkit/factories.py, "
        'Tensor.to/type/new_*): layout is not checked for its kind (case 451)',
    ('blackman_window', 'raw'):
        'open, in gradkit/_windows.py: a raw error for window_length=huge (ValueError: array is '
        'too big; `arr.size * arr.dtype.itemsize; case 1112)',
    ('celu_', 'accepted-invalid'):
        'open, in celu_: accepted-invalid for alpha=t1-int (torch TypeError: celu_(): argument '
        "'alpha' must be Number, n; case 980)",
    ('celu_', 'raw'):
        'open, in gradkit/nn/functional/activation.py: a raw error for alpha=py-type (TypeError: '
        "unsupported operand type(s) for /: 'float' and 't; case 309)",
    ('cosine_similarity', 'accepted-invalid'):
        'open, in cosine_similarity: accepted-invalid for dim=none (torch TypeError: '
        "cosine_similarity(): argument 'dim' must be; case 1173)",
    ('cumprod', 'accepted-invalid'):
        'open, in cumprod: accepted-invalid for dtype=device (torch TypeError: cumprod(): '
        "argument 'dtype' must be torch.d; case 1279)",
    ('diag', 'accepted-invalid'):
        'open, in diag: accepted-invalid for diagonal=t1-int (torch TypeError: diag(): argument '
        "'diagonal' must be int, no; case 1515)",
    ('diag', 'raw'):
        "open, in diag: a raw error for diagonal=object (TypeError: '>=' not supported between "
        "instances of 'Opaque' ; case 1640)",
    ('einsum', 'wrong-error-type'):
        'open, in einsum: wrong-error-type for equation=device (ValueError: einsum(): subscript '
        'in subscript list is not wit; case 295)',
    ('eye', 'accepted-invalid'):
        'open, in eye: accepted-invalid for m=none (torch TypeError: eye() received an invalid '
        'combination of ar; case 1442)',
    ('flip', 'accepted-invalid'):
        'open, in flip: accepted-invalid for missing (torch TypeError: flip() missing 1 required '
        'positional argume; case 13)',
    ('get_device', 'accepted-invalid'):
        'open, in get_device: accepted-invalid for input=list-t (torch TypeError: get_device(): '
        "argument 'input' (position 1); case 1636)",
    ('gradient', 'raw'):
        'open, in gradkit/functions/reduction.py: a raw error for dim=dtype-int (TypeError: '
        "'dtype' object is not iterable; case 386)",
    ('hamming_window', 'accepted-invalid'):
        "open, in the factories' and conversions' keyword checks (gradkit/factories.py, "
        'Tensor.to/type/new_*): pin_memory is not checked for its kind (case 1836)',
    ('histogramdd', 'accepted-invalid'):
        'open, in histogramdd: accepted-invalid for density=nested (torch TypeError: '
        'histogramdd() received an invalid combinati; case 1105)',
    ('hsplit', 'wrong-error-type'):
        'open, in hsplit: wrong-error-type for split_size_or_sections=t0-float (RuntimeError: '
        'tensor_split(): indices_or_sections must be a ; case 1666)',
    ('index_select', 'raw'):
        'open, in gradkit/functions/indexing.py: a raw error for index=none (AttributeError: '
        "'NoneType' object has no attribute 'dtype'; case 543)",
    ('isclose', 'raw'):
        "open, in isclose: a raw error for rtol=tuple-str (TypeError: ufunc 'isfinite' not "
        'supported for the input type; case 512)',
    ('logit', 'raw'):
        "open, in gradkit/functions/special.py: a raw error for eps=tuple-str (TypeError: '>=' "
        "not supported between instances of 'tuple' a; case 1702)",
    ('min', 'accepted-invalid'):
        "open, in min: accepted-invalid for keepdim=bool (torch TypeError: min(): argument 'dim' "
        '(position 1) must be ; case 1273)',
    ('movedim', 'wrong-error-type'):
        'open, in movedim: wrong-error-type for destination=empty-list (RuntimeError: movedim(): '
        'source and destination must have th; case 848)',
    ('nan_to_num', 'wrong-error-type'):
        'open, in nan_to_num: wrong-error-type for neginf=tuple-str (ValueError: could not '
        "convert string to float: 'a' -- torch ; case 95)",
    ('nanmean', 'wrong-error-type'):
        'open, in nanmean: wrong-error-type for dtype=t0-int (RuntimeError: nanmean(): expected '
        'input to have floating poi; case 1881)',
    ('ne', 'wrong-error-type'):
        'open, in ne: a NumPy value where PyTorch takes a number (other=np-array, case 110)',
    ('new_empty_strided', 'accepted-invalid'):
        "open, in the factories' and conversions' keyword checks (gradkit/factories.py, "
        'Tensor.to/type/new_*): pin_memory is not checked for its kind (case 516)',
    ('new_tensor', 'wrong-error-type'):
        'open, in new_tensor: a NumPy value where PyTorch takes a number (dtype=np-array, case '
        '1550)',
    ('new_zeros', 'accepted-invalid'):
        'open, in new_zeros: accepted-invalid for missing (torch TypeError: new_zeros() missing 1'
        ' required positional a; case 809)',
    ('new_zeros', 'raw'):
        'open, in gradkit/factories.py: a raw error for size=huge (ValueError: array is too big; '
        '`arr.size * arr.dtype.itemsize; case 1831)',
    ('prod', 'accepted-invalid'):
        'open, in prod: accepted-invalid for dtype=t0-int (torch TypeError: prod() received an '
        'invalid combination of a; case 205)',
    ('quantile', 'wrong-error-type'):
        'open, in quantile: wrong-error-type for interpolation=device (RuntimeError: Expected one'
        ' of cpu, cuda device type at start; case 247)',
    ('rand', 'raw'):
        'open, in rand: a raw error for *size=huge (ValueError: array is too big; `arr.size * '
        'arr.dtype.itemsize; case 1372)',
    ('randperm', 'wrong'):
        'open, in randperm: wrong for dtype=py-type (result: dtype float32, torch float64; case '
        '253)',
    ('range', 'raw'):
        'open, in gradkit/_range_values.py: a raw error for end=huge (ValueError: array is too '
        'big; `arr.size * arr.dtype.itemsize; case 1139)',
    ('resize_', 'accepted-invalid'):
        "open, in the factories' and conversions' keyword checks (gradkit/factories.py, "
        'Tensor.to/type/new_*): memory_format is not checked for its kind (case 997)',
    ('resize_as', 'wrong-error-type'):
        'open, in resize_as: wrong-error-type for other=empty-list (TypeError: resize_as(): '
        "argument 'the_template' (position 1); case 1263)",
    ('resize_as_', 'accepted-invalid'):
        "open, in the factories' and conversions' keyword checks (gradkit/factories.py, "
        'Tensor.to/type/new_*): memory_format is not checked for its kind (case 187)',
    ('rot90', 'wrong-error-type'):
        'open, in rot90: a NumPy value where PyTorch takes a number (dims=np-int, case 1490)',
    ('softmax', 'raw'):
        'open, in gradkit/ops/reduction.py: a raw error for dtype=t1-int (UFuncTypeError: Cannot '
        "cast ufunc 'exp' output from dtype('f; case 396)",
    ('subtract_', 'wrong-error-type'):
        'open, in subtract_: a NumPy value where PyTorch takes a number (other=np-array, case '
        '1027)',
    ('sum', 'accepted-invalid'):
        'open, in sum: accepted-invalid for dtype=t0-float (torch TypeError: sum() received an '
        'invalid combination of ar; case 1168)',
    ('sum_to_size', 'wrong-error-type'):
        'open, in sum_to_size: wrong-error-type for *size=nan (RuntimeError: sum_to_size(): size '
        '[nan] is not expandable to; case 1919)',
    ('to', 'wrong-error-type'):
        'open, in to: wrong-error-type for dtype=neg2 (TypeError: expected a dtype such as '
        'gradkit.float32, got int; case 1858)',
    ('trapz', 'accepted-invalid'):
        'open, in trapz: accepted-invalid for x=huge (torch TypeError: trapz() received an '
        'invalid combination of ; case 139)',
    ('type', 'accepted-invalid'):
        "open, in the factories' and conversions' keyword checks (gradkit/factories.py, "
        'Tensor.to/type/new_*): non_blocking is not checked for its kind (case 887)',
    ('view', 'accepted-invalid'):
        'open, in view: accepted-invalid for *shape=t0-float (torch TypeError: view() received an'
        ' invalid combination of a; case 208)',
    ('view', 'wrong'):
        'open, in view: wrong for *shape=dtype-int (result: values differ at [[0, 0], [0, 1]]; '
        'case 1200)',
}
