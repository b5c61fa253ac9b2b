"""The short-time Fourier transform and its inverse (``stft``, ``istft``), as PyTorch's: frames
of ``n_fft`` samples every ``hop_length``, times the window, through ``gradkit.fft``. Written
with other gradkit functions, so they are differentiable (PyTorch's complex convention)."""

from __future__ import annotations

import warnings

import numpy as np

from .._complex import CArray
from .._tensor.tensor import Tensor
from .._warnings import warn_once
from ._args import _t
from ._registry import declare

__all__ = ["istft", "stft"]


def _window(name, window, n_fft, win_length, like):
    from .. import factories

    if win_length is None:
        win_length = n_fft
    if not 0 < win_length <= n_fft:
        raise RuntimeError(f"{name}: expected 0 < win_length <= n_fft, but got "
                           f"win_length={win_length}")
    if window is None:
        window = factories.ones(win_length, dtype=like.dtype.to_real() if like.is_complex()
                                else like.dtype)
    elif not isinstance(window, Tensor) or window.ndim != 1 or window.shape[0] != win_length:
        shape = tuple(window.shape) if isinstance(window, Tensor) else type(window).__name__
        raise RuntimeError(f"{name}: expected a 1D window tensor of size equal to "
                           f"win_length={win_length}, but got window with size {shape}")
    if win_length < n_fft:  # centred in n_fft samples, as PyTorch
        from .. import nn
        left = (n_fft - win_length) // 2
        window = nn.functional.pad(window, (left, n_fft - win_length - left))
    return window


def _checks(name, n_fft, hop_length, length):
    if not isinstance(n_fft, (int, np.integer)) or isinstance(n_fft, bool) or n_fft <= 0:
        raise RuntimeError(f"{name}: expected 0 < n_fft, but got n_fft={n_fft}")
    hop = n_fft // 4 if hop_length is None else hop_length
    if hop <= 0:
        raise RuntimeError(f"{name}: expected hop_length > 0, but got hop_length={hop}")
    return int(hop)


@declare(differentiable=True)
def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None):
    """The short-time Fourier transform of a 1-D (L) or 2-D (B, L) signal: a complex tensor
    (B, n_fft // 2 + 1 (onesided) or n_fft, frames). ``return_complex`` must be given for a
    real input, as in PyTorch (False: its ``view_as_real``, deprecated)."""
    from .. import fft, nn

    if not isinstance(input, Tensor):  # (PyTorch's Python stft fails reading input.dim())
        raise TypeError(f"stft(): argument 'input' must be Tensor, not {type(input).__name__}")
    x = _t(input)
    # PyTorch's Python stft pads a centred signal before any other check: the padding's
    # errors come first (its sizes, then a Bool input, which reflect/replicate refuse)
    pad = n_fft // 2 if isinstance(n_fft, (int, np.integer)) else 0
    shown = [1, *x.shape] if x.ndim == 2 else [1, 1, *x.shape] if x.ndim else [1, 1, 1]
    if center and pad_mode in ("reflect", "replicate", "circular") and x.ndim in (0, 1, 2):
        if x.ndim and x.shape[-1] == 0:
            raise RuntimeError(f"stft: Expected 2D or 3D (batch mode) tensor with possibly 0 "
                               f"batch size and other non-zero dimensions for input, but got: "
                               f"{shown}")
        if pad_mode == "reflect" and pad >= (x.shape[-1] if x.ndim else 1):
            raise RuntimeError(f"stft: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({pad}, {pad}) at dimension "
                               f"{x.ndim} of input {shown}")
        kernel = {"reflect": "reflection", "replicate": "replication"}.get(pad_mode)
        if kernel and x.dtype == np.bool_:
            raise NotImplementedError(f'"{kernel}_pad1d" not implemented for \'Bool\' (stft '
                                      f"takes a floating point or complex signal; convert it "
                                      f"with .float())")
    cplx = type(x._data) is CArray or (window is not None and window.is_complex())
    if return_complex is None:
        if not cplx:
            raise RuntimeError("stft requires the return_complex parameter be given for real "
                               "inputs, and will further require that return_complex=True in "
                               "a future PyTorch release.")
        return_complex = True
    if not return_complex:  # (PyTorch's TORCH_WARN_ONCE, before its other checks)
        warn_once("stft return_complex", "stft with return_complex=False is deprecated. In a "
                  "future pytorch release, stft will return complex tensors for all inputs, "
                  "and return_complex=False will raise an error.\nNote: you can still call "
                  "torch.view_as_real on the complex output to recover the old return format.")
    hop = _checks("stft", n_fft, hop_length, None)
    if x.ndim not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {x.ndim}D tensor")
    if window is None:
        warn_once("stft window", "A window was not provided. A rectangular window will be "
                  "applied,which is known to cause spectral leakage. Other windows such as "
                  "torch.hann_window or torch.hamming_window are recommended to reduce spectral "
                  "leakage.To suppress this warning and use a rectangular window, explicitly set "
                  "`window=torch.ones(n_fft, device=<device>)`.")
    if not x.dtype.is_floating_point and not x.is_complex():
        raise RuntimeError(f"stft: expected a tensor of floating point or complex values, got "
                           f"{x.dtype}")
    batched = x.ndim == 2
    if not batched:
        x = x.unsqueeze(0)
    if center:
        x = nn.functional.pad(x.unsqueeze(0), (pad, pad), mode=pad_mode).squeeze(0)
    length = x.shape[-1]
    if not 0 < n_fft <= length:
        raise RuntimeError(f"stft: expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    win = _window("stft", window, n_fft, win_length, x)
    frames = x.unfold(-1, n_fft, hop) * win  # (B, frames, n_fft)
    if onesided is None:
        onesided = not cplx
    if onesided and cplx:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    norm = "ortho" if normalized else "backward"
    spec = fft.rfft(frames, norm=norm) if onesided else fft.fft(frames, norm=norm)
    spec = spec.transpose(-2, -1)
    if not batched:
        spec = spec.squeeze(0)
    if not return_complex:
        from .complex import view_as_real
        return view_as_real(spec)
    return spec


@declare(differentiable=True)
def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
          normalized=False, onesided=None, length=None, return_complex=False):
    """The inverse of :func:`stft`: overlap-add of the windowed inverse transforms, divided by
    the overlap-added squared window (which must not vanish: PyTorch's NOLA check)."""
    from .. import factories, fft
    from .indexing import index_add
    from .shape import transpose

    z = _t(input)
    hop = _checks("istft", n_fft, hop_length, length)
    if not z.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True.")
    if z.ndim not in (2, 3):
        raise RuntimeError(f"istft: expected a tensor with 2 or 3 dimensions of complex values, "
                           f"got {z.ndim}D")
    if window is None:
        warn_once("istft window", "A window was not provided. A rectangular window will be "
                  "applied.Please provide the same window used by stft to make the inversion "
                  "lossless.To suppress this warning and use a rectangular window, explicitly "
                  "set `window=torch.ones(n_fft, device=<device>)`.")
    batched = z.ndim == 3
    if not batched:
        z = z.unsqueeze(0)
    n_freq, n_frames = z.shape[-2], z.shape[-1]
    if onesided is None:
        onesided = n_freq != n_fft
    if onesided and n_fft // 2 + 1 != n_freq:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the "
                           f"input tensor to match n_fft / 2 + 1 when onesided=True, but got "
                           f"{n_freq}")
    if not onesided and n_freq != n_fft:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the "
                           f"input tensor to match n_fft when onesided=False, but got {n_freq}")
    real_dtype = z.dtype.to_real()
    win = _window("istft", window, n_fft, win_length, factories.zeros(1, dtype=real_dtype))
    norm = "ortho" if normalized else "backward"
    spec = transpose(z, -2, -1)  # (B, frames, freq)
    if onesided:
        frames = fft.irfft(spec, n=n_fft, norm=norm)
    else:
        frames = fft.ifft(spec, n=n_fft, norm=norm)
        if not return_complex:
            frames = frames.real
    frames = frames * win
    total = n_fft + hop * (n_frames - 1)
    pos = (np.arange(n_frames)[:, None] * hop + np.arange(n_fft)[None, :]).reshape(-1)
    idx = factories.tensor(pos)
    b = frames.shape[0]
    y = index_add(factories.zeros(b, total, dtype=frames.dtype), 1, idx,
                  frames.reshape(b, -1))
    env = np.zeros(total, dtype=np.float64)
    np.add.at(env, pos, np.tile(win.detach().numpy().astype(np.float64) ** 2, n_frames))
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = total - n_fft // 2
    else:
        end = total
    end_env = min(end, total)
    if np.abs(env[start:end_env]).min(initial=np.inf) < 1e-11:
        raise RuntimeError(f"istft: window overlap add min: "
                           f"{np.abs(env[start:end_env]).min()} (the squared window summed "
                           f"over the frames vanishes somewhere: PyTorch's NOLA condition)")
    y = y[:, start:end_env] / factories.tensor(env[start:end_env].astype(real_dtype.dtype))
    if end > total:  # a length past the signal: zeros, as PyTorch
        warnings.warn("The length of signal is shorter than the length parameter. Result is "
                      "being padded with zeros in the tail. Please check your center and "
                      "hop_length settings.", UserWarning, stacklevel=2)
        from .. import nn
        y = nn.functional.pad(y, (0, end - total))
    if not batched:
        y = y.squeeze(0)
    return y
