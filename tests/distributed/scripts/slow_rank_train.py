"""Run under mpiexec -n 2: ``gradkit train ARGS...`` with one rank slowed down.

argv: the slow rank, the seconds it sleeps before each batch, then the command's arguments.
"""

import os
import sys
import time

from gradkit.cli import main
from gradkit.train import trainer

slow_rank, delay = int(sys.argv[1]), float(sys.argv[2])
if int(os.environ.get("PMI_RANK", "0")) == slow_rank:
    split = trainer.Trainer._split

    def slow_split(self, batch):
        time.sleep(delay)  # a busy machine or a slow data loader on this rank
        return split(self, batch)

    trainer.Trainer._split = slow_split
sys.exit(main(sys.argv[3:]))
