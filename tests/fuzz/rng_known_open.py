"""Findings of the random-streams fuzzer still open, as (call, class) pairs -- the call of the
sequence that diverged (``rng_cases.CALLS``) -- with where each is to be fixed. The CI sample
(``test_rng_fuzz.py``) fails on any other finding; remove an entry when its fix lands
(``python tests/fuzz/rng_fuzzer.py --seed 0 --case I`` shows a case)."""

KNOWN_OPEN = {
    ("distribution", "wrong"):
        "open, in gradkit/distributions: the draws are PyTorch's, but the transforms of "
        "Weibull, Laplace, Gumbel, LogNormal and RelaxedBernoulli "
        "samples round differently in the last bit (float32 and float64 parameters; e.g. "
        "NumPy's SIMD exp/log/pow where PyTorch calls its own vectorised or glibc's). "
        "Measured for float32 exp (LogNormal): NumPy's exp differs from torch.exp in about 39% "
        "of values, exp in float64 rounded once in about 1% (only in the vectorised part: "
        "the last n % 32 elements on AVX-512, PyTorch's scalar tail, agree), and a Sleef "
        "expf_u10-style evaluation in about 10%: the vectorised exp of PyTorch 2.13 is still "
        "to be identified",
}
