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

``utils._checks`` (input validation) and ``utils._kernels`` (the fast in-place, threaded
code behind ``multi_head_attention``) are private.
"""
