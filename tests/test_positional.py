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


# --- adversarial inputs: a correct encoding, or an error that names the argument -------------

JUNK = st.one_of(  # anything a learner might pass by mistake
    st.text(max_size=3),
    st.booleans(),
    st.none(),
    st.complex_numbers(),
    st.lists(st.integers(0, 5), max_size=3).map(np.array),
)
NUMBERS = st.one_of(
    st.floats(),  # NaN, +-inf, huge, tiny and negative included
    st.integers(-(10**400), 10**400),
    st.floats(width=32).map(np.float32),
    st.integers(-(2**62), 2**62).map(np.int64),
)


def is_real(x) -> bool:
    """One real number: Python or numpy int/float, but not a bool."""
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def real_in(x, low, high) -> bool:
    """``x`` is one real number with low < x <= high (compared exactly, as a Python number)."""
    if not is_real(x):
        return False
    x = x.item() if isinstance(x, np.generic) else x  # no float32-vs-1e300 overflow warning
    return low < x <= high


def reference_encoding(n, d, base):
    """The paper's formula written out column by column: (n, d)."""
    pe = np.zeros((n, d))
    for pos in range(n):
        for i in range(d // 2):
            angle = pos / float(base) ** (2 * i / d)
            pe[pos, 2 * i], pe[pos, 2 * i + 1] = np.sin(angle), np.cos(angle)
    return pe


@given(st.one_of(NUMBERS, st.floats(1, 1e6), JUNK))
def test_any_base_gives_the_formula_or_an_error_naming_base(base):
    if real_in(base, 1, 1e300):
        pe = sinusoidal_encoding(5, 6, base=base)
        np.testing.assert_allclose(pe, reference_encoding(5, 6, base), atol=1e-12)
    else:
        error = TypeError if not is_real(base) else ValueError
        with pytest.raises(error, match="^base must"):
            sinusoidal_encoding(5, 6, base=base)


@pytest.mark.parametrize(
    ("base", "error"),
    [
        ("10000", TypeError),
        (True, TypeError),
        (10000 + 0j, TypeError),
        (np.array([10, 100]), TypeError),
        (None, TypeError),
        (np.nan, ValueError),
        (np.inf, ValueError),
        (1, ValueError),
        (-10.0, ValueError),
        (10**400, ValueError),  # too big for a float
        (1e301, ValueError),  # the longest wavelength, 2*pi*base, would overflow
    ],
)
def test_bad_base_names_base(base, error):
    with pytest.raises(error, match="^base must"):
        pair_frequencies(8, base)


def test_numpy_scalars_and_0d_arrays_are_accepted():
    expected = sinusoidal_encoding(3, 4, base=100.0)
    same = sinusoidal_encoding(np.int64(3), np.int32(4), base=np.array(100.0))
    np.testing.assert_array_equal(same, expected)
    np.testing.assert_array_equal(sinusoidal_encoding(3, 4, base=np.float32(100)), expected)
    np.testing.assert_array_equal(sinusoidal_encoding(3, 4, base=100), expected)


def test_largest_base_gives_finite_values():
    pe = sinusoidal_encoding(4, 4, base=1e300, variant="tensor2tensor")
    np.testing.assert_allclose(pe[3], [np.sin(3), np.sin(3e-300), np.cos(3), 1.0])


SIZES = st.one_of(st.integers(-4, 24), st.integers(-4, 24).map(np.int64), st.floats(), JUNK)


def is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


@given(SIZES)
def test_any_num_positions_gives_the_encoding_or_names_num_positions(n):
    if is_int(n) and n > 0:
        np.testing.assert_allclose(sinusoidal_encoding(n, 6), reference_encoding(n, 6, 1e4))
    else:
        with pytest.raises((TypeError, ValueError), match="^num_positions must"):
            sinusoidal_encoding(n, 6)


@given(SIZES)
def test_any_d_model_gives_the_encoding_or_names_d_model(d):
    if is_int(d) and d > 0 and d % 2 == 0:
        pe = sinusoidal_encoding(4, d)
        assert pe.shape == (4, d)
        np.testing.assert_allclose(pe, reference_encoding(4, d, 1e4), atol=1e-12)
    else:
        with pytest.raises((TypeError, ValueError), match="^d_model must"):
            sinusoidal_encoding(4, d)


@pytest.mark.parametrize("variant", [None, ["interleaved"], np.array(["interleaved"]), 1])
def test_variant_must_be_a_string(variant):
    with pytest.raises(TypeError, match="^variant must be a string"):
        sinusoidal_encoding(3, 4, variant=variant)
