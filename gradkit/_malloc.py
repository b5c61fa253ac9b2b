"""Keep freed array memory in the process heap between training steps (glibc on Linux only).

A training step allocates and frees the same large arrays (activations, im2col matrices,
gradients) every time. With glibc's defaults the heap shrinks back to the system after each
step and grows again in the next, and every re-grown page costs a page fault when it is first
written: on the CNN benchmark that was about 40% of the step. At import gradkit asks glibc to
serve arrays up to 32 MiB from the heap, to grow it 64 MiB at a time, and to give its free top
back only once that exceeds 256 MiB (then down to 64 MiB): a process keeps up to 256 MiB it no
longer uses, memory its own peak had already taken (the high-water mark does not move). With
the 64 MiB top alone, a step whose temporaries outgrow it (the CIFAR-sized CNN step: about 115
MiB) gave the rest back after every step and faulted it in again in the next: 3,100-3,600 page
faults, 12-14 ms of kernel time in a step of about 270 ms; none now. ``GRADKIT_MALLOC_TUNING=0``
leaves glibc's defaults alone.
"""

from __future__ import annotations

import os
import sys

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 << 20
_TOP_PAD = 64 << 20
_TRIM_THRESHOLD = 256 << 20


def tune() -> bool:
    """Set the heap options; True when glibc accepted them."""
    if os.environ.get("GRADKIT_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):  # not glibc (musl has no such name)
            return False
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
                    and libc.mallopt(_M_TOP_PAD, _TOP_PAD)
                    and libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    except (OSError, AttributeError, ValueError):  # no glibc, or no such name
        return False


tune()
