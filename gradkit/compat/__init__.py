"""Running PyTorch programs on gradkit unchanged (``gradkit run prog.py``).

- :mod:`gradkit.compat.hook`: the opt-in import hook that makes ``torch`` (and ``torch.X.Y``)
  resolve to gradkit and ``torchvision`` to ``gradkit.vision``. ``import gradkit`` never installs
  it: a real torch beside gradkit stays the real torch.
- :mod:`gradkit.compat.runner`: ``gradkit run prog.py [args]`` (``sys.argv``, ``__main__``,
  tracebacks that point at the program, exit codes).
- :mod:`gradkit.compat.jit`: ``torch.jit.script``/``trace`` pass their argument through.
- :mod:`gradkit.compat._api`: the top-level names PyTorch programs touch (``torch.inf``,
  ``torch.LongTensor``, ``set_printoptions``, ``compile``, ...), exported as ``gradkit.X``.
"""
