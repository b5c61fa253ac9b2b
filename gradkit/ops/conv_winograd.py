"""Winograd F(2x2, 3x3) for 3x3, stride-1, undilated, ungrouped convolutions on the CPU.

Each 2x2 block of outputs is computed from the 4x4 input tile under it as
``A^T [(G w G^T) * (B^T d B)] A``: 16 products per output block and input channel instead of
36, so the GEMMs (one per tile position, ``(O, C) @ (C, tiles)``, batched over the 16
positions) do 2.25x fewer multiply-adds than the im2col product. The input (``B^T d B``) and
output (``A^T m A``) transforms are a few additions each; they run over long contiguous
stretches: the padded input is first split by row and column parity (``d4[p, q] = x_pad[p::2,
q::2]``), so that every element of a tile is a shifted slice of one flattened parity plane (a
tile row one element longer than the tile grid: that last, unused column is the price of
contiguous slices; it is computed and dropped).

Results differ from the direct product at rounding level (float32: about 1e-6 relative to the
largest output). Where an input or weight holds inf or nan, or a transform overflows, the
transforms would spread nan to outputs the direct product leaves finite: a chunk whose output
is not all finite is recomputed by the caller's direct path.

Measured on the CIFAR-sized layer (64->64, 3x3, padding 1, 64 x 32x32 inputs, one thread,
the development VM under load, the two paths taking turns in one process): per sample, the
GEMMs 1.14 -> 0.43-0.47 ms, the transforms 0.3 ms, the im2col copy (0.17 ms) gone; the layer
69-76 -> 49-56 ms. Its weight gradient stays on the im2col path: there the per-position
products are ``(O, tiles) @ (tiles, C)``, a 64 x 64 result that OpenBLAS runs at about half
its speed, and with the transforms the layer was no faster (68-101 vs 72-88 ms).

F(4x4, 3x3) (6x6 tiles, 36 products per 4x4 output block: 1.78x fewer multiply-adds again) was
measured in the same style (residue-4 planes, shifted slices, the transforms factored to 20 and
13 whole-array operations per output row) on the 2-core Xeon, one thread, under load: the
64->64 layer on 32x32 planes 841-1166 against 948-1066 us per sample (5 runs in turn, no
steady gain), 32->32 on 32x32 452-604 against 408-414, 128->128 and 64->64 on 16x16 917-1058
and 320-502 against 793-829 and 246-250 (F(4x4) in chunks of 1, 2 and 4 samples): its
transforms cost more NumPy passes than its GEMMs save, and its error is 20x larger (5e-6 to
1e-5 of the largest output against 2.4e-7 to 5.8e-7, float64 reference). F(2x2) stays.
"""

from __future__ import annotations

import numpy as np

from .._backend import _all_finite

__all__ = ["WinogradConv", "winograd_ok"]

# Smallest input-channel count worth it: with few channels the transforms cost more than the
# multiply-adds saved. One thread, batch 64, against the im2col path: 16->16 and 16->32 on
# 32x32 planes 14.0 vs 10.8 and 23.2 vs 15.2 ms (slower); 32->32 24.1 vs 25.2, 32->64 34.3 vs
# 35.9 ms; 64->32 38.6 vs 47.2, 48->48 on 16x16 11.6 vs 14.7, 128->128 on 16x16 68 vs 81 ms.
_MIN_CHANNELS = 32
# Bytes of one chunk's transformed input (16 positions x C x tiles): the chunk's buffers stay
# in cache between the transforms and the GEMMs (a 64-channel 32x32 layer: one sample per
# chunk, 1.1 MB; one thread, 2 MB chunks ran the layer in 51-53 ms, 4 MB in 54-61 ms).
_CHUNK_BYTES = 2 << 20

# G (4x3): the weight transform
_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


def winograd_ok(x, w, stride, dilation, groups) -> bool:
    """True for a convolution this module computes: NumPy float32/float64 arrays, a 3x3
    kernel, stride 1, no dilation, one group, at least ``_MIN_CHANNELS`` input channels."""
    return (type(x) is np.ndarray and type(w) is np.ndarray
            and x.dtype in (np.float32, np.float64) and w.dtype == x.dtype
            and w.ndim == 4 and w.shape[2:] == (3, 3) and groups == 1
            and tuple(stride) == (1, 1) and tuple(dilation) == (1, 1)
            and w.shape[1] >= _MIN_CHANNELS)


class WinogradConv:
    """The convolution of chunks of samples with one weight (``(O, C, 3, 3)``), padding
    ``(top, bottom, left, right)``; buffers are reused from chunk to chunk."""

    def __init__(self, x_shape, w, b, padding, dtype):
        n, c, h, wd = x_shape
        o = w.shape[0]
        top, bottom, left, right = padding
        self.ho, self.wo = h + top + bottom - 2, wd + left + right - 2
        th, tw = -(-self.ho // 2), -(-self.wo // 2)
        self.th, self.tw = th, tw
        self.row = tw + 1  # a flattened tile row: tw tiles and one unused column
        self.length = th * self.row  # tile slots per sample and channel
        self.plane = (th + 1) * self.row  # one parity plane, flattened
        self.c, self.o, self.pad = c, o, (top, left)
        self.h, self.w = h, wd
        # U[4a + b] = (G w G^T)[a, b]: (16, 1, O, C), computed in float64, rounded once
        u = np.einsum("ai,ocij,bj->aboc", _G, w.astype(np.float64), _G)
        self.u = np.ascontiguousarray(u.reshape(16, 1, o, c), dtype=dtype)
        self.bias = None if b is None else b.reshape(o, 1).astype(dtype, copy=False)
        per = 16 * c * self.length * np.dtype(dtype).itemsize
        self.step = max(1, min(n, _CHUNK_BYTES // max(1, per)))
        m = self.step
        # the parity-split padded input (its zero border written once; rows and columns of
        # the tile grid), the row-transformed planes (flat, one element of slack for the
        # column shift), the transformed input, the GEMM's result, the output transform's
        # intermediates: all but the first flat per chunk, so that every transform is one
        # pass over contiguous memory
        self.d4 = np.zeros((2, 2, m, c, self.plane), dtype)
        size = m * c * self.plane
        self.t = np.zeros((4, 2, size + 1), dtype)
        self.v = np.empty(16 * size, dtype)
        self.mm = np.empty(16 * m * o * self.length, dtype)
        self.q = np.empty(8 * m * o * self.length, dtype)
        self.z = np.empty(4 * m * o * self.length, dtype)

    def chunks(self, n):
        return [(a, min(n, a + self.step)) for a in range(0, n, self.step)]

    def _input(self, xc):
        """``B^T d B`` of every 4x4 tile of the padded ``xc`` (m, C, H, W): (16, m, C, tile
        slots), a view whose channel rows lie one parity plane apart."""
        m = xc.shape[0]
        c, th, row, length = self.c, self.th, self.row, self.length
        top, left = self.pad
        d4 = self.d4[:, :, :m]
        grid = d4.reshape(2, 2, m, c, th + 1, row)
        for p in (0, 1):
            r0 = (p - top) % 2  # first input row of padded-row parity p
            i0 = (r0 + top) // 2
            nr = len(range(r0, self.h, 2))
            for q in (0, 1):
                c0 = (q - left) % 2
                j0 = (c0 + left) // 2
                nc = len(range(c0, self.w, 2))
                grid[p, q, :, :, i0:i0 + nr, j0:j0 + nc] = xc[:, :, r0::2, c0::2]
        # rows: t[a] = B^T along the tile's rows, for both column parities at once, each one
        # pass over the whole chunk: a plane's last row (and the next channel's first, read in
        # its place) gives unused slots past each plane's tile slots, which the GEMM skips
        # (a 64-channel 32x32 sample's row transforms 60 -> 38 us, one thread: the per-plane
        # slices had run NumPy's inner loop once per channel and parity, 272 elements at a time)
        size = m * c * self.plane
        n = size - row
        flat = d4.reshape(2, 2, size)
        t = self.t[:, :, :size + 1]
        rk = [flat[k % 2, :, (k // 2) * row:(k // 2) * row + n] for k in range(4)]
        np.subtract(rk[0], rk[2], out=t[0, :, :n])
        np.add(rk[1], rk[2], out=t[1, :, :n])
        np.subtract(rk[2], rk[1], out=t[2, :, :n])
        np.subtract(rk[1], rk[3], out=t[3, :, :n])
        # columns: v[4a + b] = B^T along the tile's columns (a tile's next column is the next
        # element of the flat plane; the last slot of a tile row reads the next row: unused),
        # each b for the four a at once (4 NumPy calls, not 16: 75 -> 68 us a 64-channel
        # 32x32 sample, one thread)
        v = self.v[:16 * size].reshape(16, size)
        va = v.reshape(4, 4, size)
        s = [t[:, l % 2, l // 2:l // 2 + size] for l in range(4)]
        np.subtract(s[0], s[2], out=va[:, 0])
        np.add(s[1], s[2], out=va[:, 1])
        np.subtract(s[2], s[1], out=va[:, 2])
        np.subtract(s[1], s[3], out=va[:, 3])
        # the tile slots of each plane: a strided operand the GEMM reads as it is
        return v.reshape(16, m, c, self.plane)[..., :length]

    def __call__(self, xc, yc):
        """Write the convolution of ``xc`` (m, C, H, W), m <= step, into ``yc`` (m, O, Ho,
        Wo). Returns False (``yc`` then holds garbage) when the result is not all finite."""
        m = xc.shape[0]
        o, th, row, length = self.o, self.th, self.row, self.length
        v = self._input(xc)
        # one GEMM per tile position and sample: (O, C) @ (C, tiles)
        n2 = m * o * length
        mm = self.mm[:16 * n2].reshape(16, m, o, length)
        np.matmul(self.u, v, out=mm)
        if self.bias is not None:  # A^T e_11 A is all ones: the bias goes in once, at (1, 1)
            mm[5] += self.bias
        # output: A^T along rows, then along columns
        mr = mm.reshape(4, 4, n2)
        q = self.q[:8 * n2].reshape(2, 4, n2)
        np.add(mr[0], mr[1], out=q[0])
        q[0] += mr[2]
        np.subtract(mr[1], mr[2], out=q[1])
        q[1] -= mr[3]
        z = self.z[:4 * n2].reshape(2, 2, n2)
        for r in (0, 1):
            np.add(q[r, 0], q[r, 1], out=z[r, 0])
            z[r, 0] += q[r, 2]
            np.subtract(q[r, 1], q[r, 2], out=z[r, 1])
            z[r, 1] -= q[r, 3]
        zg = z.reshape(2, 2, m, o, th, row)
        for r in (0, 1):
            nr = len(range(r, self.ho, 2))
            for s in (0, 1):
                nc = len(range(s, self.wo, 2))
                yc[:, :, r::2, s::2] = zg[r, s, :, :, :nr, :nc]
        return _all_finite(yc)  # (one dot product over the chunk's output: no mask written)
