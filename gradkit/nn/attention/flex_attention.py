"""``torch.nn.attention.flex_attention``: the names model libraries import, not the kernel.

gradkit does not implement FlexAttention (attention with a user ``score_mod``/``mask_mod``
compiled into block-sparse kernels): :func:`flex_attention`, :func:`create_block_mask` and
:class:`BlockMask` raise ``NotImplementedError`` when used, saying what to use instead
(``F.scaled_dot_product_attention`` with a boolean ``attn_mask``). They exist so libraries that
import them at import time (Hugging Face transformers' masking utilities) load, and choose
another attention implementation.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["AuxOutput", "AuxRequest", "BlockMask", "create_block_mask", "flex_attention"]

_DEFAULT_SPARSE_BLOCK_SIZE = 128

_INSTEAD = (
    "gradkit does not implement FlexAttention; compute the mask as a boolean tensor and "
    "use torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask) (in Hugging "
    "Face transformers: attn_implementation='sdpa' or 'eager')"
)


class AuxRequest(NamedTuple):
    """Which extra outputs ``flex_attention`` should return (log-sum-exp, maximum scores)."""

    lse: bool = False
    max_scores: bool = False


class AuxOutput(NamedTuple):
    """The extra outputs ``flex_attention`` returns when an :class:`AuxRequest` asks."""

    lse: object = None
    max_scores: object = None


class BlockMask:
    """A block-sparse attention mask: named for ``isinstance`` tests, never created in gradkit."""

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        raise NotImplementedError(f"BlockMask: {_INSTEAD}")

    @classmethod
    def from_kv_blocks(cls, *args, **kwargs):
        raise NotImplementedError(f"BlockMask.from_kv_blocks: {_INSTEAD}")


def create_block_mask(mask_mod, B, H, Q_LEN, KV_LEN, device="cuda", **kwargs):  # noqa: N803 (PyTorch's names)
    """Not implemented in gradkit: raises ``NotImplementedError`` (see the module docstring)."""
    raise NotImplementedError(f"create_block_mask: {_INSTEAD}")


def flex_attention(
    query,
    key,
    value,
    score_mod=None,
    block_mask=None,
    scale=None,
    enable_gqa=False,
    return_lse=False,
    kernel_options=None,
    **kwargs,
):
    """Not implemented in gradkit: raises ``NotImplementedError`` (see the module docstring)."""
    raise NotImplementedError(f"flex_attention: {_INSTEAD}")
