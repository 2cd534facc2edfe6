"""utils.exercises.positional: right answers pass, typical mistakes are named, starters are
"not attempted", and nothing a learner writes makes a checker raise."""

import numpy as np
import pytest

from utils.exercises.positional import (
    check_encoding,
    check_pe_value,
    check_variant_guesses,
    check_wavelength,
    mystery_encodings,
)
from utils.positional import sinusoidal_encoding


def test_pe_value():
    assert check_pe_value(...).status == "not attempted"
    assert check_pe_value(np.cos(0.7)).ok
    assert "sine" in check_pe_value(np.sin(0.7)).message
    assert "i instead of 2i" in check_pe_value(np.cos(7 / 10000 ** (1 / 8))).message
    assert "column index" in check_pe_value(np.cos(7 / 10000 ** (6 / 8))).message
    assert "tensor2tensor" in check_pe_value(np.cos(7 / 10000 ** (1 / 3))).message
    assert "position 7" in check_pe_value(np.cos(0.3)).message
    fb = check_pe_value(0.5)
    assert fb.status == "wrong" and fb.hint
    assert check_pe_value("abc").status == "wrong"
    assert check_pe_value([1, 2]).status == "wrong"


def _interleaved(n, d):
    pos = np.arange(n)[:, None]
    angle = pos / 10000 ** (2 * np.arange(d // 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
    return pe


def test_encoding_right_and_unattempted():
    assert check_encoding(_interleaved).ok

    def starter(num_positions, d_model):
        raise NotImplementedError

    assert check_encoding(starter).status == "not attempted"
    assert "0::2" in check_encoding(starter).hint
    assert check_encoding(...).status == "not attempted"


@pytest.mark.parametrize(
    ("function", "words"),
    [
        (lambda n, d: sinusoidal_encoding(n, d, variant="concatenated"), "concatenated"),
        (lambda n, d: sinusoidal_encoding(n, d, variant="tensor2tensor"), "tensor2tensor"),
        (
            lambda n, d: _interleaved(n, d)[:, np.r_[1:d:2, 0:d:2].reshape(2, -1).T.ravel()],
            "swapped",
        ),
        (lambda n, d: np.zeros((d, n)), "shape"),
        (lambda n, d: 1 / 0, "ZeroDivisionError"),
        (lambda n, d: "pe", "numeric"),
        (lambda n, d: _interleaved(n, d) + np.eye(n, d) * 0.1, "PE[0, 0]"),
    ],
)
def test_encoding_mistakes(function, words):
    fb = check_encoding(function)
    assert fb.status == "wrong"
    assert words in fb.message


def test_encoding_i_instead_of_2i():
    def mistaken(n, d):
        angle = np.arange(n)[:, None] / 10000 ** (np.arange(d // 2) / d)
        pe = np.zeros((n, d))
        pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
        return pe

    assert "i instead of 2i" in check_encoding(mistaken).message


def test_wavelength():
    assert check_wavelength(lambda i, d: 2 * np.pi * 10000 ** (2 * i / d)).ok

    def starter(i, d_model):
        raise NotImplementedError

    assert check_wavelength(starter).status == "not attempted"
    assert "2*pi / w" in check_wavelength(starter).hint
    assert "frequency" in check_wavelength(lambda i, d: 10000 ** (-2 * i / d)).message
    assert "2*pi" in check_wavelength(lambda i, d: 10000 ** (2 * i / d)).message
    assert "i instead of 2i" in check_wavelength(lambda i, d: 2 * np.pi * 10000 ** (i / d)).message
    assert check_wavelength(lambda i, d: "long").status == "wrong"
    assert check_wavelength(lambda i, d: 42.0).status == "wrong"


def test_variant_guesses():
    mats = mystery_encodings()
    assert set(mats) == {"A", "B", "C"} and mats["A"].shape == (10, 16)
    assert check_variant_guesses(...).status == "not attempted"
    right = {"A": "tensor2tensor", "B": "interleaved", "C": "concatenated"}
    assert check_variant_guesses(right).ok
    swapped = {"A": "concatenated", "B": "interleaved", "C": "tensor2tensor"}
    fb = check_variant_guesses(swapped)
    assert fb.status == "wrong" and "2 of 3" in fb.message and "sin" in fb.hint
    assert check_variant_guesses({"A": "rope", "B": "x", "C": "y"}).status == "wrong"
    assert check_variant_guesses({"A": "interleaved"}).status == "wrong"
    assert check_variant_guesses(["interleaved"]).status == "wrong"
