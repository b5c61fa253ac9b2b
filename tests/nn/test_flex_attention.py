"""torch.nn.attention.flex_attention's names: importable, refusing with a pointer to SDPA."""

import pytest

import gradkit as gk
from gradkit.nn.attention import SDPBackend
from gradkit.nn.attention.flex_attention import (
    _DEFAULT_SPARSE_BLOCK_SIZE,
    AuxRequest,
    BlockMask,
    create_block_mask,
    flex_attention,
)

torch = pytest.importorskip("torch")


def test_names_match_torch_and_use_refuses_clearly():
    from torch.nn.attention import flex_attention as theirs

    assert _DEFAULT_SPARSE_BLOCK_SIZE == theirs._DEFAULT_SPARSE_BLOCK_SIZE
    assert AuxRequest(lse=True).lse and not AuxRequest().max_scores
    assert SDPBackend.MATH == 0  # the package kept torch.nn.attention's names
    q = gk.ones(1, 1, 2, 4)
    for call in (
        lambda: flex_attention(q, q, q),
        lambda: create_block_mask(None, 1, 1, 2, 2),
        lambda: BlockMask(),
    ):
        with pytest.raises(NotImplementedError, match="scaled_dot_product_attention"):
            call()
