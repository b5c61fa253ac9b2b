"""Quasi-random sequences (``torch.quasirandom``): :class:`SobolEngine`.

The engine draws the same points as PyTorch's for the same arguments and seed: the direction
numbers are Joe and Kuo's (``new-joe-kuo-6.21201``, the table PyTorch and SciPy ship, stored in
``_sobol_direction_numbers.npz``), points are generated in Gray-code order with 30 bits, and
scrambling draws its random digital shift and lower-triangular matrices from a
:class:`gradkit.Generator` in PyTorch's order (Owen's linear matrix scrambling plus a shift).
The integer state lives in int64 tensors (``sobolstate``, ``shift``, ``quasi``) as in PyTorch.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["SobolEngine"]

_TABLE = os.path.join(os.path.dirname(__file__), "_sobol_direction_numbers.npz")
_directions = None


def _direction_numbers(dimension):
    """(polynomials, initial direction numbers) of the first ``dimension`` dimensions."""
    global _directions
    if _directions is None:
        with np.load(_TABLE) as z:
            _directions = (z["poly"].astype(np.int64), z["vinit"].astype(np.int64))
    poly, vinit = _directions
    return poly[:dimension], vinit[:dimension]


def _initial_state(dimension, maxbit):
    """The (dimension, maxbit) direction integers: the first dimension is van der Corput's,
    the others follow the recurrence of their primitive polynomial from Joe and Kuo's initial
    numbers; bit ``i`` is then moved to place ``maxbit - 1 - i``."""
    poly, vinit = _direction_numbers(dimension)
    degree = np.zeros(dimension, dtype=np.int64)
    degree[1:] = np.floor(np.log2(poly[1:])).astype(np.int64)  # bit length - 1
    v = np.zeros((dimension, maxbit), dtype=np.int64)
    rows = np.arange(dimension)
    for i in range(maxbit):
        init = i < degree
        lag = np.clip(i - degree, 0, None)
        new = v[rows, lag].copy()
        for k in range(int(degree.max(initial=0))):
            tap = (k < degree) & ~init & (((poly >> np.clip(degree - 1 - k, 0, None)) & 1) == 1)
            prev = v[rows, max(i - k - 1, 0)] << (k + 1)
            new ^= np.where(tap, prev, 0)
        col = np.where(init, vinit[:, i] if i < vinit.shape[1] else 0, new)
        col[0] = 1
        v[:, i] = col
    return v << np.arange(maxbit - 1, -1, -1, dtype=np.int64)


def _rightmost_zero(n):
    z = 0
    while n & 1:
        n >>= 1
        z += 1
    return z


class SobolEngine:
    r"""A generator of (optionally scrambled) Sobol' sequences, as ``torch.quasirandom``.

    Args:
        dimension: the dimension of each point, from 1 to 21201.
        scramble: scramble the sequence (a random linear matrix scrambling and digital shift).
        seed: the seed of the scrambling's random numbers (None: they come from the global
            generator, so ``manual_seed`` makes them reproducible).

    Example:
        >>> engine = SobolEngine(dimension=3, scramble=True, seed=0)
        >>> engine.draw(4).shape
        gradkit.Size([4, 3])
    """

    MAXBIT = 30
    MAXDIM = 21201

    def __init__(self, dimension, scramble=False, seed=None):
        from . import factories
        from . import random as _random

        if not isinstance(dimension, (int, np.integer)) or isinstance(dimension, bool) or \
                dimension > self.MAXDIM or dimension < 1:
            raise ValueError("Supported range of dimensionality for SobolEngine is "
                             f"[1, {self.MAXDIM}], got dimension={dimension!r}")
        self.seed = seed
        self.scramble = scramble
        self.dimension = int(dimension)
        state = _initial_state(self.dimension, self.MAXBIT)
        shift = np.zeros(self.dimension, dtype=np.int64)
        if scramble:
            g = None  # without a seed: the global generator's stream, as PyTorch
            if seed is not None:
                g = _random.Generator()
                g.manual_seed(seed)
            bits = factories.randint(2, (self.dimension, self.MAXBIT), generator=g).numpy()
            shift = bits @ (np.int64(1) << np.arange(self.MAXBIT, dtype=np.int64))
            ltm = factories.randint(2, (self.dimension, self.MAXBIT, self.MAXBIT),
                                    generator=g).numpy()
            state = self._scrambled(state, np.tril(ltm))
        self.sobolstate = factories.tensor(state)
        self.shift = factories.tensor(shift)
        self.quasi = self.shift.clone()
        self._first_point = (self.quasi / 2 ** self.MAXBIT).reshape(1, -1)
        self.num_generated = 0

    def _scrambled(self, state, ltm):
        """Each direction integer multiplied (over GF(2)) by its dimension's lower-triangular
        matrix with a unit diagonal: bit ``p`` of the result (from the top) is the parity of
        row ``p`` of the matrix and the integer's bits."""
        ltm = ltm.copy()
        idx = np.arange(self.MAXBIT)
        ltm[:, idx, idx] = 1
        rows = ltm @ (np.int64(1) << np.arange(self.MAXBIT - 1, -1, -1, dtype=np.int64))
        parity = np.bitwise_count(rows[:, None, :] & state[:, :, None]) & 1
        return parity.astype(np.int64) @ (
            np.int64(1) << np.arange(self.MAXBIT - 1, -1, -1, dtype=np.int64))

    def _advance(self, n, start, dtype=None):
        """Moves ``quasi`` ``n`` points on in Gray-code order from point ``start``; returns the
        points (n, dimension) scaled to [0, 1) in ``dtype`` when one is given."""
        from . import factories

        quasi = self.quasi.numpy().copy()
        state = self.sobolstate.numpy()
        out = np.empty((n, self.dimension), dtype=np.int64) if dtype is not None else None
        for i in range(n):
            quasi ^= state[:, _rightmost_zero(start + i)]
            if out is not None:
                out[i] = quasi
        self.quasi = factories.tensor(quasi)
        if out is None:
            return None
        return factories.tensor(out * (1.0 / (1 << self.MAXBIT)), dtype=dtype)

    def draw(self, n=1, out=None, dtype=None):
        """The next ``n`` points of the sequence, a (n, dimension) tensor in [0, 1).

        Args:
            n: the number of points.
            out: a tensor to write the points into (resized to them).
            dtype: the points' floating dtype (default: ``get_default_dtype()``).
        """
        from . import _dtype, functions

        if dtype is None:
            dtype = _dtype.get_default_dtype()
        if self.num_generated == 0:
            if n == 1:
                result = self._first_point.to(dtype)
            else:
                rest = self._advance(n - 1, 0, dtype)
                result = functions.cat((self._first_point.to(dtype), rest), dim=-2)
        else:
            result = self._advance(n, self.num_generated - 1, dtype)
        self.num_generated += n
        if out is not None:
            out.resize_as_(result).copy_(result)
            return out
        return result

    def draw_base2(self, m, out=None, dtype=None):
        """The next ``2**m`` points; the points drawn so far and these must number a power of
        two (the balance properties of Sobol' points hold for such counts)."""
        n = 2 ** m
        total_n = self.num_generated + n
        if total_n & (total_n - 1):
            raise ValueError(
                "The balance properties of Sobol' points require n to be a power of 2. "
                f"{self.num_generated} points have been previously generated, then: "
                f"n={self.num_generated}+2**{m}={total_n}. If you still want to do this, "
                "please use 'SobolEngine.draw()' instead.")
        return self.draw(n=n, out=out, dtype=dtype)

    def reset(self):
        """Back to the first point of the sequence."""
        self.quasi.copy_(self.shift)
        self.num_generated = 0
        return self

    def fast_forward(self, n):
        """Skips the next ``n`` points."""
        if self.num_generated == 0:
            self._advance(n - 1, 0)
        else:
            self._advance(n, self.num_generated - 1)
        self.num_generated += n
        return self

    def __repr__(self):
        parts = [f"dimension={self.dimension}"]
        if self.scramble:
            parts.append("scramble=True")
        if self.seed is not None:
            parts.append(f"seed={self.seed}")
        return f"{type(self).__name__}({', '.join(parts)})"
