"""Run under mpiexec -n 2: slow_rank_note's three answers, from given (seconds, waited)."""

import gradkit.distributed as dist
from gradkit.distributed._straggler import slow_rank_note

dist.init_process_group("gloo")
rank = dist.get_rank()
assert slow_rank_note(1.0, 0.30) is None  # a third or less: nothing to say
note = slow_rank_note(1.0, 0.6 if rank == 0 else 0.05, "epoch 3")
assert note is not None and note.startswith("rank 1 is the slowest"), note
assert "0.95 s of epoch 3 (1.00 s)" in note and "rank 0: 60%" in note, note
note = slow_rank_note(2.0, 0.05 if rank == 0 else 1.5)
assert note.startswith("rank 0 is the slowest") and "rank 1: 75%" in note, note
# the slow rank waits too (for a busy machine to run the other), less than half as much
note = slow_rank_note(1.0, 0.4 if rank == 0 else 0.9)
assert note.startswith("rank 0 is the slowest") and "rank 1: 90%" in note, note
note = slow_rank_note(1.0, 0.5 if rank == 0 else 0.7)
assert "50%-70% of the epoch on every rank" in note and "network" in note, note
print(f"straggler ok rank {rank}", flush=True)
dist.destroy_process_group()
