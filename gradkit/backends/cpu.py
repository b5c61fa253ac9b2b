"""``torch.backends.cpu``: the CPU's vector capability as PyTorch names it."""


def get_cpu_capability() -> str:
    """"DEFAULT": gradkit leaves vectorisation to NumPy."""
    return "DEFAULT"
