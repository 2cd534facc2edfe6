"""The tested core behind the notebooks.

Split by role, never by chapter:

- ``utils.attention``: softmax, scaled dot-product and multi-head attention, masks, heads.
- ``utils.positional``: sinusoidal positional encodings (three layouts).
- ``utils.plotting``: figures (heatmaps etc.); ``utils.plotting.figures`` lists what
  ``make figures`` writes.
- ``utils.widgets``: interactive explorers that also survive strict nbval.
- ``utils.exercises``: checkers for the notebooks' exercises.
- ``utils.notebook``: the one setup call every notebook makes.
"""
