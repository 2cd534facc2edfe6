"""The tested core behind the notebooks.

Split by role, never by chapter:

- ``utils.attention``: softmax, scaled dot-product and multi-head attention, masks, heads.
- ``utils.positional``: sinusoidal positional encodings (three layouts).
- ``utils.pe_properties``: the properties of those encodings (wavelengths, the shift
  rotation M_k, similarity by offset, telling the layouts apart).
- ``utils.cost``: parameters and multiply-adds of multi-head attention per number of heads.
- ``utils.examples``: the notebooks' worked examples (the toy sentence, the "it" sentence)
  and measurements (why divide by sqrt(d_k)), shared by figures, explorers and checkers.
- ``utils.plotting``: figures (heatmaps etc.); each topic module's ``FIGURES`` lists what
  ``make figures`` writes.
- ``utils.widgets``: interactive explorers that also survive strict nbval.
- ``utils.exercises``: checkers for the notebooks' exercises.
- ``utils.notebook``: the one setup call every notebook makes.

``utils._checks`` (input validation) is private. Every function is plain numpy, written
as the notebook that teaches it computes it: open one next to its notebook.
"""

# The functions the notebooks build, also reachable as ``utils.<name>``.
from utils.attention import (  # noqa: E402
    causal_mask,
    combine_heads,
    init_mha_params,
    multi_head_attention,
    padding_mask,
    scaled_dot_product_attention,
    softmax,
    split_heads,
)
from utils.positional import sinusoidal_encoding  # noqa: E402

__all__ = [
    "causal_mask",
    "combine_heads",
    "init_mha_params",
    "multi_head_attention",
    "padding_mask",
    "scaled_dot_product_attention",
    "sinusoidal_encoding",
    "softmax",
    "split_heads",
]
