"""utils.positional: the paper's formula, the two other layouts, and the quoted properties."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils.positional import pair_frequencies, sinusoidal_encoding


def test_interleaved_known_values():
    pe = sinusoidal_encoding(3, 4)
    # pair 0: frequency 1; pair 1: frequency 10000^(-2/4) = 0.01
    np.testing.assert_allclose(pe[0], [0, 1, 0, 1])
    np.testing.assert_allclose(pe[2], [np.sin(2), np.cos(2), np.sin(0.02), np.cos(0.02)])


def test_tensor2tensor_width_4_uses_other_frequencies():
    # d/2 - 1 = 1, so pair 1 has frequency 1/10000 (the paper's would be 1/100)
    np.testing.assert_allclose(pair_frequencies(4, variant="tensor2tensor"), [1.0, 1e-4])
    pe = sinusoidal_encoding(2, 4, variant="tensor2tensor")
    np.testing.assert_allclose(pe[1], [np.sin(1), np.sin(1e-4), np.cos(1), np.cos(1e-4)])


@given(st.integers(1, 60), st.integers(1, 64).map(lambda i: 2 * i))
def test_concatenated_is_a_column_permutation_of_interleaved(n, d):
    inter = sinusoidal_encoding(n, d)
    concat = sinusoidal_encoding(n, d, variant="concatenated")
    perm = np.r_[0:d:2, 1:d:2]  # all even (sine) columns, then all odd (cosine) columns
    np.testing.assert_array_equal(concat, inter[:, perm])


def test_tensor2tensor_is_not_a_permutation():
    inter = sinusoidal_encoding(50, 16)
    t2t = sinusoidal_encoding(50, 16, variant="tensor2tensor")
    inter_cols = {tuple(np.round(c, 12)) for c in inter.T}
    assert sum(tuple(np.round(c, 12)) in inter_cols for c in t2t.T) < 16


@pytest.mark.parametrize("variant", ["interleaved", "concatenated", "tensor2tensor"])
def test_values_in_range_and_shape(variant):
    pe = sinusoidal_encoding(100, 32, variant=variant)
    assert pe.shape == (100, 32) and np.abs(pe).max() <= 1.0


@given(st.integers(0, 200), st.integers(0, 200))
def test_dot_product_depends_on_offset_only(p, k):
    pe = sinusoidal_encoding(401, 16)
    np.testing.assert_allclose(pe[p] @ pe[p + k], pe[0] @ pe[k], atol=1e-9)


def test_shift_is_a_rotation_per_pair():
    d, k = 8, 5
    pe = sinusoidal_encoding(30, d)
    w = pair_frequencies(d)
    for pos in (0, 3, 17):
        for i, wi in enumerate(w):
            c, s = np.cos(k * wi), np.sin(k * wi)
            rot = np.array([[c, -s], [s, c]])  # acts on the row vector [sin, cos]
            np.testing.assert_allclose(
                pe[pos, 2 * i : 2 * i + 2] @ rot, pe[pos + k, 2 * i : 2 * i + 2], atol=1e-12
            )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((10, 5), "even"),
        ((0, 4), "positive integer"),
        ((10, -2), "positive integer"),
        ((10, 4, 1.0), "base"),
    ],
)
def test_errors(args, words):
    with pytest.raises(ValueError, match=words):
        sinusoidal_encoding(*args)
    with pytest.raises(ValueError, match="variant"):
        sinusoidal_encoding(3, 4, variant="rotary")
