"""The heap options gradkit sets at import (gradkit/_malloc.py): freed array memory is kept
for the next training step instead of being faulted in again."""

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"),
    reason="glibc heap options")

# A step whose temporaries (here 8 arrays of 16 MiB, under the 32 MiB mmap threshold, so from
# the heap) outgrow the 64 MiB top pad: the second step must find its pages already there.
_CHILD = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import gradkit  # noqa: F401 (its import sets the heap options)

    def step():
        arrays = [np.ones(4 << 20, dtype=np.float32) for _ in range(8)]
        return sum(float(a[-1]) for a in arrays)

    step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    step()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
""")


def _faults(env_extra):
    env = dict(os.environ, **env_extra)
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                         env=env, timeout=120, check=True)
    return int(out.stdout.split()[-1])


def test_a_step_larger_than_the_top_pad_reuses_its_pages():
    # 128 MiB of 4 KiB pages is 32768 faults when faulted in again; a few hundred at most
    # remain (the interpreter's own allocations)
    assert _faults({}) < 2000


def test_tuning_off_keeps_glibc_defaults():
    # the same step under glibc's own (adaptive) thresholds gives memory back and faults at
    # least one 16 MiB array in again: the count above does see re-faulted pages
    assert _faults({"GRADKIT_MALLOC_TUNING": "0"}) > 2000
