"""Code snippets that make PyTorch warn (deprecations, likely mistakes), run by
``test_warnings_as_torch.py`` in a fresh interpreter, once under PyTorch and once under gradkit
(through the import hook, so that ``torch`` names gradkit): each snippet runs twice, and the
warnings it gives (category, text, whether they point at the snippet's line) are printed as
JSON. Left out: the DataLoader's warning about more workers than CPUs (gradkit's workers are
threads by default) and the legacy ``torch.sparse.FloatTensor`` constructor's deprecation."""

import json
import re
import sys
import warnings

import numpy as np

# name -> code; each runs with torch, nn, F, np, a fresh `m = nn.Linear(2, 2)` and
# `o = torch.optim.SGD(m.parameters(), lr=0.1)` (made before the warnings are recorded)
_STEP = "s = torch.optim.lr_scheduler.StepLR(o, 1); "
_ONE_CYCLE = "s = torch.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=2); "
_PLATEAU = "torch.optim.lr_scheduler.ReduceLROnPlateau(o, verbose=True)"
_ENCODER = "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2{}), 2)"
_SPECTRUM = "torch.stft(torch.ones(64), 16, window=torch.hann_window(16), return_complex=True)"
CASES = {
    "hardtanh_min_value": "nn.Hardtanh(min_value=-1.0, max_value=0.5)",
    "init_zero_element": "nn.init.kaiming_uniform_(torch.empty(0, 3))",
    "linear_zero_element": "nn.Linear(0, 3)",
    "conv_zero_element": "nn.Conv2d(2, 0, 3)",
    "conv_transpose_zero_element": "nn.ConvTranspose3d(2, 0, 2)",
    "copy_construct": "torch.tensor(torch.ones(2))",
    "copy_construct_grad": "torch.tensor(torch.ones(2, requires_grad=True))",
    "mse_target": "F.mse_loss(torch.ones(4, 1), torch.ones(4))",
    "l1_target": "F.l1_loss(torch.ones(4, 1), torch.ones(4))",
    "smoothl1_target": "F.smooth_l1_loss(torch.ones(4, 1), torch.ones(4))",
    "huber_target": "F.huber_loss(torch.ones(4, 1), torch.ones(4))",
    "mse_module_target": "nn.MSELoss()(torch.ones(4, 1), torch.ones(4))",
    "mse_same_size": "F.mse_loss(torch.ones(4), torch.ones(4))",
    "sched_before_opt": _STEP + "s.step()",
    "sched_after_opt": _STEP + "o.step(); s.step()",
    "sched_get_lr": _STEP + "s.get_lr()",
    "sched_verbose": "torch.optim.lr_scheduler.StepLR(o, 1, verbose=True)",
    "sched_epoch": _STEP + "o.step(); s.step(1)",
    "sched_one_cycle": _ONE_CYCLE + "o.step(); s.step(); s.step()",
    "plateau_verbose": _PLATEAU,
    "upsample": "F.upsample(torch.ones(1, 1, 2, 2), scale_factor=2)",
    "upsample_nearest": "F.upsample_nearest(torch.ones(1, 1, 2, 2), scale_factor=2)",
    "upsample_bilinear": "F.upsample_bilinear(torch.ones(1, 1, 2, 2), scale_factor=2)",
    "interpolate": "F.interpolate(torch.ones(1, 1, 2, 2), scale_factor=2, mode='bilinear')",
    "clip_grad_norm": "nn.utils.clip_grad_norm(m.parameters(), 1.0)",
    "clip_grad_nonfinite": "m.weight.grad = torch.full((2, 2), float('nan')); "
                           "nn.utils.clip_grad_norm_(m.parameters(), 1.0)",
    "nonleaf_grad": "x = torch.ones(2, requires_grad=True); (x * 2).grad",
    "float_requires_grad": "float(torch.ones((), requires_grad=True))",
    "item_requires_grad": "torch.ones((), requires_grad=True).item()",
    "range": "torch.range(0, 3)",
    "init_normal": "nn.init.normal(torch.empty(2))",
    "init_xavier": "nn.init.xavier_uniform(torch.empty(2, 2))",
    "init_kaiming": "nn.init.kaiming_normal(torch.empty(2, 2))",
    "init_constant": "nn.init.constant(torch.empty(2), 1.0)",
    "rnn_dropout": "nn.LSTM(2, 3, num_layers=1, dropout=0.5)",
    "gru_dropout": "nn.GRU(2, 3, dropout=0.2)",
    "transformer_nested": _ENCODER.format(""),
    "transformer_nested_ok": _ENCODER.format(", batch_first=True"),
    "transformer_nested_norm_first": _ENCODER.format(", batch_first=True, norm_first=True"),
    "size_average": "F.mse_loss(torch.ones(2), torch.zeros(2), size_average=False)",
    "reduce_module": "nn.CrossEntropyLoss(reduce=False)",
    "size_average_nll": "nn.NLLLoss(size_average=True)",
    "cuda_gradscaler": "torch.cuda.amp.GradScaler()",
    "amp_gradscaler_cuda": "torch.amp.GradScaler('cuda')",
    "amp_gradscaler": "torch.amp.GradScaler()",
    "amp_gradscaler_cpu": "torch.amp.GradScaler('cpu')",
    "cuda_autocast": "torch.cuda.amp.autocast()",
    "cpu_autocast_old": "torch.cpu.amp.autocast()",
    "autocast_cuda": "torch.autocast('cuda')",
    "weight_norm_old": "nn.utils.weight_norm(nn.Linear(2, 2))",
    "spectral_norm_old": "nn.utils.spectral_norm(nn.Linear(2, 2))",
    "meshgrid": "torch.meshgrid(torch.arange(2), torch.arange(3))",
    "meshgrid_ij": "torch.meshgrid(torch.arange(2), torch.arange(3), indexing='ij')",
    "set_default_tensor_type": "torch.set_default_tensor_type(torch.FloatTensor)",
    "assert_allclose": "torch.testing.assert_allclose(torch.ones(2), torch.ones(2))",
    "list_of_ndarrays": "torch.tensor([np.ones(2), np.ones(2)])",
    "nonwritable_numpy": "a = np.ones(2); a.flags.writeable = False; torch.from_numpy(a)",
    "nonwritable_as_tensor": "a = np.ones(2); a.flags.writeable = False; torch.as_tensor(a)",
    "softmax_dim": "F.softmax(torch.ones(2, 2))",
    "log_softmax_dim": "F.log_softmax(torch.ones(2, 2))",
    "softmax_module": "nn.Softmax()(torch.ones(2, 2))",
    "T_1d": "torch.ones(3).T",  # (before T_3d: the two share PyTorch's once-per-process flag)
    "T_3d": "torch.ones(2, 3, 4).T",
    "T_0d": "torch.ones(()).T",
    "resize": "x = torch.ones(2, 2); x.resize_(4)",
    "gumbel_eps": "F.gumbel_softmax(torch.zeros(3), eps=1e-5)",
    "state_dict_positional": "nn.Linear(2, 2).state_dict({}, 'p.')",
    "tanh_F": "F.tanh(torch.ones(1))",
    "sigmoid_F": "F.sigmoid(torch.ones(1))",
    "instancenorm_features": "nn.InstanceNorm1d(3)(torch.ones(2, 4, 5))",
    "dropout2d_on_3d": "nn.Dropout2d(0.5)(torch.ones(2, 3, 4))",
    "dropout2d_on_2d": "F.dropout2d(torch.ones(2, 3), 0.5)",
    "dropout3d_on_4d": "nn.Dropout3d(0.5)(torch.ones(2, 3, 4, 4))",
    "max_pool_ceil": "F.max_pool2d(torch.ones(1, 1, 4, 4), 2, ceil_mode=True)",
    "norm_fro": "torch.ones(2).norm(p='fro')",
    "lstsq": "torch.linalg.lstsq(torch.ones(3, 2), torch.ones(3, 1))",
    "chain_matmul": "torch.chain_matmul(torch.ones(2, 2), torch.ones(2, 2))",
    "lu": "torch.lu(torch.ones(2, 2) + torch.eye(2))",
    "lu_solve": "torch.lu_solve(torch.ones(2, 1), *torch.linalg.lu_factor(torch.eye(2)))",
    "triangular_solve": "torch.triangular_solve(torch.ones(2, 1), torch.eye(2))",
    # a list where the tensor goes: PyTorch's TypeError comes before its deprecation warning,
    # which these functions give once, so they run before the cases below that warn
    "cholesky_list": "torch.cholesky([[1.0]])",
    "qr_list": "torch.qr([[1.0]])",
    "cross_list": "torch.cross([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])",
    "frobenius_norm_list": "torch.frobenius_norm([[1.0]], (0, 1))",
    "nuclear_norm_list": "torch.nuclear_norm([[1.0]])",
    "cholesky": "torch.cholesky(torch.eye(2))",
    "qr": "torch.qr(torch.eye(2))",
    # their out= faces after them: a flag of their own (qr, lu_solve, cholesky), the function's
    # (triangular_solve), none (cross without dim)
    "qr_out": "torch.qr(torch.eye(2), out=(torch.empty(2, 2), torch.empty(2, 2)))",
    "lu_solve_out": "torch.lu_solve(torch.ones(2, 1), *torch.linalg.lu_factor(torch.eye(2)), "
                    "out=torch.empty(2, 1))",
    "cholesky_out": "torch.cholesky(torch.eye(2), out=torch.empty(2, 2))",
    "triangular_solve_out": "torch.triangular_solve(torch.ones(2, 1), torch.eye(2), "
                            "out=(torch.empty(2, 1), torch.empty(2, 2)))",
    "matrix_rank": "torch.linalg.matrix_rank(torch.eye(2))",
    "stft_window": "torch.stft(torch.ones(64), 16, return_complex=True)",
    "istft_window": f"torch.istft({_SPECTRUM}, 16)",
    "nonzero": "torch.ones(2).nonzero()",
    "tensor_from_np_scalar": "torch.tensor(np.float64(1.0))",
    "floor_divide": "torch.floor_divide(torch.tensor([5]), 2)",
    "adam_tensor_lr": "torch.optim.Adam(m.parameters(), lr=torch.tensor(0.1))",
    "load_default": "import io; b = io.BytesIO(); torch.save({'a': torch.ones(1)}, b); "
                    "b.seek(0); torch.load(b)",
    "legacy_backward_hook": "m.register_backward_hook(lambda *a: None); "
                            "m(torch.ones(1, 2, requires_grad=True)).sum().backward()",
    "full_backward_hook_no_input_grad": "m.register_full_backward_hook(lambda *a: None); "
                                        "m(torch.ones(1, 2)).sum().backward()",
    "batchnorm_one_value": "nn.BatchNorm1d(3)(torch.ones(1, 3))",
    "embedding_max_norm": "nn.Embedding(3, 2, max_norm=1.0)(torch.tensor([0]))",
    "multinomial": "torch.multinomial(torch.ones(3), 2)",
    "cross_entropy_probs": "F.cross_entropy(torch.ones(2, 3), torch.ones(2, 3) / 3)",
    "kl_div_mean": "F.kl_div(torch.zeros(2, 2), torch.ones(2, 2) / 2)",
    "kl_div_batchmean": "F.kl_div(torch.zeros(2, 2), torch.ones(2, 2) / 2, reduction='batchmean')",
    "kl_div_mean_module": "nn.KLDivLoss()(torch.zeros(2, 2), torch.ones(2, 2) / 2)",
    "bce_target_size": "F.binary_cross_entropy(torch.full((2, 1), 0.5), torch.ones(2))",
    "rrelu_eval": "F.rrelu_(torch.ones(2), training=False)",
    "numpy_of_detached": "torch.ones(2, requires_grad=True).detach().numpy()",
    "div_floor": "torch.div(torch.tensor([5]), 2, rounding_mode='floor')",
    "pack_padded": "nn.utils.rnn.pack_padded_sequence(torch.ones(3, 2, 1), torch.tensor([3, 2]))",
    "optimizer_without_grads": "torch.optim.SGD([torch.ones(2, requires_grad=True)]).step()",
    "normal_log_prob": "torch.distributions.Normal(0., 1.).log_prob(torch.tensor(0.))",
    "backward_create_graph": "m(torch.ones(1, 2)).sum().backward(create_graph=True)",
    "autograd_grad_create_graph": "torch.autograd.grad(m(torch.ones(1, 2)).sum(), m.weight, "
                                  "create_graph=True)",
    "backward_grad_variables": "x = torch.ones(2, requires_grad=True); "
                               "torch.autograd.backward([x * 2], grad_variables=[torch.ones(2)])",
    "grad_only_inputs": "x = torch.ones(2, requires_grad=True); "
                        "torch.autograd.grad((x * 2).sum(), x, only_inputs=True)",
    "duplicate_params": "torch.optim.SGD([m.weight, m.weight], lr=0.1)",
    "random_split_empty": "torch.utils.data.random_split(list(range(3)), [0.5, 0.5, 0.0])",
    "pack_list_lengths": "nn.utils.rnn.pack_padded_sequence(torch.ones(3, 2, 1), [3, 2])",
    "mha_byte_mask": "a = nn.MultiheadAttention(4, 2); q = torch.ones(3, 1, 4); "
                     "a(q, q, q, key_padding_mask=torch.zeros(1, 3, dtype=torch.uint8))",
    "mha_byte_attn_mask": "a = nn.MultiheadAttention(4, 2); q = torch.ones(3, 1, 4); "
                          "a(q, q, q, attn_mask=torch.zeros(3, 3, dtype=torch.uint8))",
    "mha_mixed_masks": "a = nn.MultiheadAttention(4, 2); q = torch.ones(3, 1, 4); "
                       "a(q, q, q, key_padding_mask=torch.zeros(1, 3, dtype=torch.bool), "
                       "attn_mask=torch.zeros(3, 3))",
    "transformer_mask_types": "e = nn.TransformerEncoderLayer(4, 2); q = torch.ones(3, 1, 4); "
                              "e(q, src_key_padding_mask=torch.zeros(1, 3, dtype=torch.bool), "
                              "src_mask=torch.zeros(3, 3))",
    "forward_hook_non_tensor_output": "m.register_backward_hook(lambda *a: None); m.forward = "
                                      "lambda x: [x]; m(torch.ones(1, 2))",
    "load_meta": "with torch.device('meta'): q = nn.Linear(2, 2)\n"
                 "q.load_state_dict(m.state_dict())",
    "complex_module": "nn.Linear(2, 2, dtype=torch.complex64)",
    "normal_validate": "torch.distributions.Categorical(probs=torch.tensor([0.5, 0.5]))"
                       ".log_prob(torch.tensor(1))",
    "cross_warn_dim": "torch.cross(torch.ones(3, 3), torch.ones(3, 3))",
    "cross_out_no_dim": "torch.cross(torch.ones(3, 3), torch.ones(3, 3), out=torch.empty(3, 3))",
    "tensor_type_float": "torch.ones(2).type(torch.DoubleTensor)",
    "index_byte_mask": "torch.ones(3)[torch.tensor([1, 0, 1], dtype=torch.uint8)]",
    "masked_fill_byte": "torch.ones(3).masked_fill(torch.tensor([1, 0, 1], dtype=torch.uint8), 0.)",
    "index_byte_get": "torch.ones(2, 3)[torch.tensor([1, 0], dtype=torch.uint8), 1]",
    "index_byte_set_scalar": "x = torch.ones(3); x[torch.tensor([1, 0, 1]).byte()] = 2",
    "index_byte_set_values": "x = torch.ones(3); "
                             "x[torch.tensor([1, 0, 1]).byte()] = torch.tensor([5., 6.])",
    "index_put_byte_one": "torch.ones(3).index_put_((torch.tensor([1, 0, 1], dtype=torch.uint8),), "
                          "torch.tensor([5.]))",
    "index_put_byte_acc": "torch.ones(3).index_put_((torch.tensor([1, 0, 1], dtype=torch.uint8),), "
                          "torch.tensor([5., 6.]), accumulate=True)",
    "index_byte_set_2d_int": "x = torch.ones(2, 3); x[torch.tensor([1, 0]).byte(), 1] = 2",
    "masked_select_byte": "torch.ones(3).masked_select(torch.tensor([1, 0, 1], dtype=torch.uint8))",
    "std_one": "torch.ones(1).std()",
    "var_one_dim": "torch.ones(2, 1).var(dim=1)",
    "std_mean_one": "torch.std_mean(torch.ones(1))",
    "var_mean_one": "torch.var_mean(torch.ones(1))",
    "std_correction": "torch.ones(3).std(correction=5)",
    "cov_one": "torch.cov(torch.ones(1, 1))",
    "cov_correction": "torch.cov(torch.ones(2, 3), correction=3)",
    "cov_weighted": "torch.cov(torch.ones(2, 1), fweights=torch.tensor([1]))",
    "corrcoef_one": "torch.corrcoef(torch.ones(1, 1))",
    "where_byte": "torch.where(torch.tensor([1, 0], dtype=torch.uint8), torch.ones(2), "
                  "torch.zeros(2))",
    "sum_bool_grad": "torch.ones(2, requires_grad=True).data.add_(1)",
    "nll_weights_float64": "F.nll_loss(torch.zeros(2, 3), torch.tensor([0, 1]))",
    "lr_scheduler_chained_form": "torch.optim.lr_scheduler.ChainedScheduler("
                                 "[torch.optim.lr_scheduler.StepLR(o, 1)])",
    "frobenius_norm_int": "torch.frobenius_norm(torch.ones(3, 3).int(), (0, 1))",
    "frobenius_norm_out": "x = torch.ones(3, 3); torch.frobenius_norm(x, (0, 1)); "
                          "torch.frobenius_norm(x, (0, 1), out=torch.empty(()))",
    "nuclear_norm_overloads": "x = torch.ones(3, 3); torch.nuclear_norm(x); "
                              "torch.nuclear_norm(x, (0, 1)); "
                              "torch.nuclear_norm(x, out=torch.empty(())); "
                              "torch.nuclear_norm(x, (0, 1), out=torch.empty(()))",
    "chain_matmul_out": "torch.chain_matmul(torch.ones(2, 2), torch.ones(2, 2), "
                        "out=torch.empty(0))",
    "stft_0d_pad": "torch.stft(torch.tensor(1.), 8, window=torch.ones(8), return_complex=False)",
    "stft_real_out": "torch.stft(torch.ones(9), 0, window=torch.ones(8), return_complex=False)",
    "stft_real_out_again": "torch.ones(64).stft(8, window=torch.ones(8), return_complex=False)",
    "index_reduce_beta": "torch.ones(2, 2).index_reduce(0, torch.tensor([0]), torch.ones(1, 2), "
                         "'amax')",
    "searchsorted_strided": "torch.searchsorted(torch.ones(3, 4)[:, ::2], "
                            "torch.ones(3, 4)[:, ::2])",
    "searchsorted_sorter": "torch.searchsorted(torch.ones(4), torch.ones(2), "
                           "sorter=torch.zeros(8, dtype=torch.long)[::2])",
    "rms_norm_int": "torch.rms_norm(torch.ones(2, 4).int(), [4], torch.ones(4).double())",
    "rms_norm_dtypes": "F.rms_norm(torch.ones(2, 4), [4], torch.ones(4).half())",
    "polar_half": "torch.polar(torch.ones(2).half(), torch.ones(2).double())",
    "mean_empty": "torch.ones(3, 0).mean(1)",
    "var_mean_empty": "torch.var_mean(torch.ones(3, 0), -1)",
    "resize_as_list": "torch.ones(3, 3).resize_as([])",
    "range_bad_start": "torch.range({}, 5)",
    "conv_same_even": "F.conv2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 2, 2), padding='same')",
    "affine_grid_unit": "F.affine_grid(torch.ones(2, 2, 3), [2, 1, 1, 3], align_corners=True)",
    "affine_grid_unit_empty": "F.affine_grid(torch.ones(0, 2, 3), [0, 1, 1, 3], "
                              "align_corners=True)",
    "triangular_solve_dtypes": "torch.triangular_solve(torch.ones(2, 1).int(), torch.eye(2))",
    "triangular_solve_int": "torch.triangular_solve(torch.ones(2, 1).int(), torch.eye(2).int())",
    "bucketize_out_dtype": "torch.bucketize(torch.ones(3), torch.ones(8)[::2], out=torch.empty(0))",
    "sequential_lr": "a = torch.optim.lr_scheduler.StepLR(o, 1); "
                     "b = torch.optim.lr_scheduler.ExponentialLR(o, 0.9); "
                     "s = torch.optim.lr_scheduler.SequentialLR(o, [a, b], [1]); s.step()",
    # a non-empty out= of another shape, resized: PyTorch's text word for word (gradkit's own
    # words failed the op fuzzer's --warnings comparison, seed 45)
    "out_resized_elementwise": "torch.sqrt(torch.ones(3, 4), out=torch.zeros(1, 2))",
    "out_resized_matmul": "torch.mm(torch.ones(3, 4), torch.ones(4, 2), out=torch.zeros(1))",
    "out_resized_reduction": "torch.nansum(torch.ones(3, 4), 1, keepdim=True, "
                             "out=torch.zeros(1, 2))",

}




def _message(w) -> str:
    text = re.sub(r" \(Triggered internally at [^)]*\)", "", str(w.message))
    return text.replace("gradkit.Size(", "torch.Size(")


def main(lib: str) -> None:
    if lib == "gradkit":
        import gradkit.compat.hook as hook
        hook.install()
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    out = {}
    for name, code in CASES.items():
        runs = []
        for _ in range(2):   # the second run shows which warnings come once per process
            m = nn.Linear(2, 2)
            scope = {"torch": torch, "nn": nn, "F": F, "np": np, "m": m,
                     "o": torch.optim.SGD(m.parameters(), lr=0.1)}
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                # (gradkit keeps its filter for NumPy's floating-point warnings in front)
                try:
                    exec(compile(code, "<case>", "exec"), scope)
                    err = None
                except Exception as e:  # noqa: BLE001 (the type is what is compared)
                    err = type(e).__name__
            runs.append({"error": err, "warnings": [
                [w.category.__name__, _message(w), w.filename == "<case>"] for w in caught]})
        out[name] = runs
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
