"""Findings of the random-streams fuzzer still open, as (call, class) pairs -- the call of the
sequence that diverged (``rng_cases.CALLS``) -- with where each is to be fixed. The CI sample
(``test_rng_fuzz.py``) fails on any other finding; remove an entry when its fix lands
(``python tests/fuzz/rng_fuzzer.py --seed 0 --case I`` shows a case)."""

KNOWN_OPEN = {
    ("distribution", "wrong"):
        "open, in gradkit/distributions: the draws are PyTorch's, but the transforms of "
        "Weibull, Laplace (rsample), LogNormal, RelaxedBernoulli and OneHotCategorical "
        "samples round differently in the last bit (float32 and float64 parameters; e.g. "
        "NumPy's SIMD exp/log/pow where PyTorch calls its own vectorised or glibc's)",
}
