"""Random number generation: ``manual_seed``, ``Generator``, and the default generator.

gradkit draws from NumPy's PCG64. Seeding makes runs reproducible within gradkit; the streams are
not PyTorch's, so ``manual_seed(0); randn(3)`` gives other numbers than in PyTorch.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator"]


class Generator:
    """A seeded random stream, like ``torch.Generator``.

    Example:
        >>> g = gradkit.Generator().manual_seed(0)
        >>> gradkit.randn(3, generator=g)
    """

    def __init__(self, device="cpu"):
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed) -> "Generator":
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"manual_seed expects a non-negative integer, got {seed}")
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        """The stream's state as a JSON-serialisable dict (gradkit checkpoints store it)."""
        st = self._rng.bit_generator.state
        return {"bit_generator": st["bit_generator"],
                "state": {"state": int(st["state"]["state"]), "inc": int(st["state"]["inc"])},
                "has_uint32": int(st["has_uint32"]), "uinteger": int(st["uinteger"]),
                "seed": self._seed}

    def set_state(self, state: dict) -> "Generator":
        if not isinstance(state, dict) or "state" not in state:
            raise TypeError("set_state expects a dict from Generator.get_state()")
        st = {k: v for k, v in state.items() if k != "seed"}
        self._rng.bit_generator.state = st
        self._seed = state.get("seed", self._seed)
        return self

    @property
    def numpy(self) -> np.random.Generator:
        """The underlying ``numpy.random.Generator``."""
        return self._rng


default_generator = Generator().manual_seed(0x5EED)


def _gen(generator=None) -> np.random.Generator:
    return (generator if generator is not None else default_generator)._rng


def manual_seed(seed) -> Generator:
    """Seed the default generator (and return it)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)
