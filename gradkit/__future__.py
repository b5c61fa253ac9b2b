"""``gradkit.__future__``: PyTorch's switches for how ``module.to()``/``_apply`` treat
parameters. gradkit always converts a parameter in place (the Parameter object is kept, as
PyTorch's default); the switches are stored and read back."""

__all__ = ["set_overwrite_module_params_on_conversion", "get_overwrite_module_params_on_conversion",
           "set_swap_module_params_on_conversion", "get_swap_module_params_on_conversion"]

_FLAGS = {"overwrite": False, "swap": False}


def set_overwrite_module_params_on_conversion(value: bool) -> None:
    _FLAGS["overwrite"] = bool(value)


def get_overwrite_module_params_on_conversion() -> bool:
    return _FLAGS["overwrite"]


def set_swap_module_params_on_conversion(value: bool) -> None:
    _FLAGS["swap"] = bool(value)


def get_swap_module_params_on_conversion() -> bool:
    return _FLAGS["swap"]
