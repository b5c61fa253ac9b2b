"""Layer initialisation, nn.init, dropout masks and data orders against PyTorch after the same
seed (bit for bit, except orthogonal_'s QR: within float rounding, as the README says)."""

import warnings

import numpy as np
import pytest

import gradkit as gk

LAYERS = {
    "Linear": lambda nn: nn.Linear(37, 19),
    "Conv2d": lambda nn: nn.Conv2d(3, 8, 3),
    "Conv1d": lambda nn: nn.Conv1d(4, 6, 5),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(4, 6, 3),
    "LSTM": lambda nn: nn.LSTM(10, 20, num_layers=2, bidirectional=True),
    "GRU": lambda nn: nn.GRU(5, 7),
    "Embedding": lambda nn: nn.Embedding(100, 17),
    "LayerNorm": lambda nn: nn.LayerNorm(12),
    "MultiheadAttention": lambda nn: nn.MultiheadAttention(16, 4),
    "MultiheadAttention_kv": lambda nn: nn.MultiheadAttention(16, 4, kdim=8, vdim=6,
                                                              add_bias_kv=True),
    "TransformerEncoderLayer": lambda nn: nn.TransformerEncoderLayer(16, 4, 32),
}


def _same_state(torch):
    np.testing.assert_array_equal(gk.get_rng_state().numpy(), torch.get_rng_state().numpy())


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("seed", [0, 5])
def test_default_initialisation_equals_torch(torch, name, seed):
    torch.manual_seed(seed)
    gk.manual_seed(seed)
    tm, gm = LAYERS[name](torch.nn), LAYERS[name](gk.nn)
    tp, gp = dict(tm.named_parameters()), dict(gm.named_parameters())
    assert tp.keys() == gp.keys()
    for k in tp:
        np.testing.assert_array_equal(gp[k].detach().numpy(), tp[k].detach().numpy(), err_msg=k)
    _same_state(torch)


INITS = [("uniform_", (-0.5, 0.25)), ("normal_", (0.1, 0.3)), ("xavier_uniform_", ()),
         ("xavier_normal_", (2.0,)), ("kaiming_uniform_", ()),
         ("kaiming_uniform_", (0.0, "fan_out", "relu")), ("kaiming_normal_", ()),
         ("trunc_normal_", (0.0, 1.0)), ("trunc_normal_", (0.0, 1.0, 1.5, 3.0)),
         ("trunc_normal_", (0.0, 0.02)), ("sparse_", (0.3,))]


@pytest.mark.parametrize("name,args", INITS, ids=[f"{n}{a}" for n, a in INITS])
@pytest.mark.parametrize("shape", [(16, 8), (5, 3, 3, 3), (33, 17), (3, 40)])
def test_nn_init_equals_torch(torch, name, args, shape):
    if name == "sparse_" and len(shape) != 2:
        pytest.skip("sparse_ is 2-D only")
    for dtype in ("float32", "float64"):
        torch.manual_seed(1)
        gk.manual_seed(1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = getattr(torch.nn.init, name)(torch.empty(shape, dtype=getattr(torch, dtype)),
                                             *args)
            g = getattr(gk.nn.init, name)(gk.empty(shape, dtype=getattr(gk, dtype)), *args)
        np.testing.assert_array_equal(g.numpy(), t.numpy())
        _same_state(torch)


@pytest.mark.parametrize("shape", [(16, 8), (5, 3, 3, 3), (3, 40)])
def test_orthogonal_within_rounding(torch, shape):
    torch.manual_seed(2)
    gk.manual_seed(2)
    t = torch.nn.init.orthogonal_(torch.empty(shape), gain=1.5).numpy()
    g = gk.nn.init.orthogonal_(gk.empty(shape), gain=1.5).numpy()
    np.testing.assert_allclose(g, t, rtol=0, atol=2e-6)  # the same Gaussian matrix, QR rounding
    _same_state(torch)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("shape", [(7,), (4, 33), (2, 3, 5, 5)])
def test_dropout_masks_equal_torch(torch_default_bernoulli, p, shape):
    torch = torch_default_bernoulli
    F, G = torch.nn.functional, gk.nn.functional
    torch.manual_seed(3)
    gk.manual_seed(3)
    x, xg = torch.randn(shape), gk.randn(shape)
    np.testing.assert_array_equal(G.dropout(xg, p).numpy(), F.dropout(x, p).numpy())
    np.testing.assert_array_equal(gk.nn.Dropout(p)(xg).numpy(), torch.nn.Dropout(p)(x).numpy())
    if len(shape) == 4:
        np.testing.assert_array_equal(G.dropout2d(xg, p).numpy(), F.dropout2d(x, p).numpy())
        np.testing.assert_allclose(G.alpha_dropout(xg, p, True).numpy(),
                                   F.alpha_dropout(x, p, True).numpy(), rtol=1e-6, atol=1e-6)
    _same_state(torch)


def _orders(D, n, seed):
    w = [0.1 * (i % 5) + 0.05 for i in range(n)]
    return {
        "RandomSampler": list(D.RandomSampler(range(n))),
        "RandomSampler_num_samples": list(D.RandomSampler(range(n), num_samples=2 * n + 3)),
        "RandomSampler_replacement": list(D.RandomSampler(range(n), replacement=True,
                                                          num_samples=70)),
        "SubsetRandomSampler": list(D.SubsetRandomSampler(list(range(0, 3 * n, 3)))),
        "WeightedRandomSampler": list(D.WeightedRandomSampler(w, 25)),
        "WeightedRandomSampler_noreplace": list(D.WeightedRandomSampler(w, min(n, 5), False)),
        "random_split": [list(s) for s in D.random_split(range(n), [0.3, 0.7])],
        "DataLoader_shuffle": [b.tolist() for _ in range(2) for b in D.DataLoader(
            np.arange(n, dtype=np.float32), batch_size=4, shuffle=True)],
        "DistributedSampler": list(D.DistributedSampler(range(n), num_replicas=2, rank=1,
                                                        seed=seed)),
    }


@pytest.mark.parametrize("n", [2, 17, 1000])
@pytest.mark.parametrize("seed", [0, 9])
def test_data_orders_equal_torch(torch, n, seed):
    from torch.utils import data as TD

    from gradkit.utils import data as GD

    torch.manual_seed(seed)
    gk.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, g = _orders(TD, n, seed), _orders(GD, n, seed)
    for k in t:
        assert g[k] == t[k], k
    _same_state(torch)
    tg, gg = torch.Generator().manual_seed(seed + 5), gk.Generator().manual_seed(seed + 5)
    t = [b.tolist() for _ in range(2) for b in TD.DataLoader(np.arange(n), 3, True, generator=tg)]
    g = [b.tolist() for _ in range(2) for b in GD.DataLoader(np.arange(n), 3, True, generator=gg)]
    assert g == t


def test_old_checkpoint_rng_state_resumes_with_a_warning():
    from gradkit.train.trainer import _restore_rng

    gen = gk.Generator()
    old = {"bit_generator": "PCG64", "state": {"state": 123456789, "inc": 5},
           "has_uint32": 0, "uinteger": 0, "seed": 7}
    with pytest.warns(RuntimeWarning, match="PCG64"):
        _restore_rng(gen, old)
    first = gk.rand(4, generator=gen).numpy()
    with pytest.warns(RuntimeWarning):
        _restore_rng(gen, old)
    np.testing.assert_array_equal(gk.rand(4, generator=gen).numpy(), first)  # the same seed
    state = gen.get_state()
    _restore_rng(gen, state)  # the new layout restores exactly, silently
    np.testing.assert_array_equal(gen.get_state().numpy(), state.numpy())
