"""What a learner sees without an emoji font or a running kernel: checker verdicts named in
words, and explorers that show a static picture of their state."""

import html

import pytest

from utils.exercises.base import Feedback, correct, not_attempted, wrong


@pytest.mark.parametrize(
    ("feedback", "word", "colour"),
    [
        (correct("all rows sum to 1"), "correct", "#dcfce7"),
        (wrong("row 0 sums to 0.5", "divide by the sum"), "wrong", "#fee2e2"),
        (not_attempted("start with np.exp"), "not attempted yet", "#f3f4f6"),
    ],
)
def test_html_view_names_the_verdict_in_words_and_colour(feedback, word, colour):
    markup = feedback._repr_html_()
    assert f"<b>{word}</b>" in markup and colour in markup
    assert ("hint:" in markup) == (not feedback.ok)


def test_html_view_escapes_the_learners_text():
    markup = (
        wrong("you returned <function f>", "use x < 0").__repr__(),
        wrong("you returned <function f>", "use x < 0")._repr_html_(),
    )
    assert "&lt;function f&gt;" in markup[1] and "x &lt; 0" in markup[1]
    assert "<function f>" in markup[0]  # the plain-text view stays as it was


def test_plain_text_view_keeps_words_next_to_the_symbol():
    assert repr(Feedback("correct", "ok")).startswith("✅ correct")
    assert "wrong" in repr(wrong("no"))


# --- explorers carry a static view of their state -------------------------------------------


def test_every_explorer_display_has_a_static_html_view_of_its_state():
    from utils.widgets import all_explorers
    from utils.widgets.base import svg_as_images

    for cls in all_explorers():
        explorer = cls()
        bundle = explorer._repr_mimebundle_()
        static = bundle["text/html"]
        assert explorer.name in static and "run this cell" in static
        view = explorer.last_png or svg_as_images(explorer.last_view)
        assert view in static and "<svg" not in static  # untrusted outputs drop inline SVG
        for control in explorer.controls:
            description = getattr(control, "description", "")
            assert html.escape(description) in static
        assert static == explorer._repr_mimebundle_()["text/html"]  # deterministic


def test_inline_svg_becomes_an_image_of_the_same_svg():
    import base64

    from utils.widgets.base import svg_as_images

    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect/></svg>'
    markup = svg_as_images(f"<div>a {svg} b</div>")
    assert markup.startswith("<div>a <img") and markup.endswith(" b</div>")
    encoded = markup.split("base64,")[1].split('"')[0]
    assert base64.b64decode(encoded).decode() == svg
