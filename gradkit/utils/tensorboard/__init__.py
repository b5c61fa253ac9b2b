"""``gradkit.utils.tensorboard`` (PyTorch's ``torch.utils.tensorboard``): write TensorBoard logs.

``SummaryWriter`` has PyTorch's constructor and methods (``add_scalar``, ``add_scalars``,
``add_histogram``, ``add_image(s)``, ``add_figure``, ``add_text``, ``add_hparams``,
``add_graph``, ``add_embedding``, ...) and takes gradkit tensors, NumPy arrays and numbers. The
event files are written by the ``tensorboardX`` package (an optional dependency:
``pip install 'gradkit[tensorboard]'``) and read by TensorBoard as PyTorch's are::

    >>> from gradkit.utils.tensorboard import SummaryWriter
    >>> with SummaryWriter("runs/exp1") as writer:
    ...     for step in range(100):
    ...         writer.add_scalar("loss", 1.0 / (step + 1), step)

then ``tensorboard --logdir runs``. As in PyTorch, importing this module without the writer
package installed raises ``ImportError`` (saying what to install).
"""

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
