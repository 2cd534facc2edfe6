"""utils.pe_properties: rotation matrices, offset similarity, wavelengths, variant detection."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils.pe_properties import (
    identify_variant,
    interleaved_to_concatenated,
    offset_similarity,
    random_cosines,
    shift_matrix,
    sin_cos_columns,
    wavelengths,
)
from utils.positional import VARIANTS, pair_frequencies, sinusoidal_encoding


def test_wavelengths_paper_geometric_from_two_pi():
    lam = wavelengths(512)
    assert lam[0] == pytest.approx(2 * np.pi)
    ratios = lam[1:] / lam[:-1]
    np.testing.assert_allclose(ratios, 10000 ** (2 / 512))
    assert lam[-1] < 10000 * 2 * np.pi
    assert wavelengths(512, variant="tensor2tensor")[-1] == pytest.approx(10000 * 2 * np.pi)


def test_sin_cos_columns():
    s, c = sin_cos_columns(6)
    assert s.tolist() == [0, 2, 4] and c.tolist() == [1, 3, 5]
    s, c = sin_cos_columns(6, "concatenated")
    assert s.tolist() == [0, 1, 2] and c.tolist() == [3, 4, 5]
    with pytest.raises(ValueError, match="variant"):
        sin_cos_columns(6, "rope")


@pytest.mark.parametrize("variant", VARIANTS)
@given(k=st.integers(0, 60), pos=st.integers(0, 60))
def test_shift_matrix_moves_every_position_by_k(variant, k, pos):
    pe = sinusoidal_encoding(130, 16, variant=variant)
    m = shift_matrix(k, 16, variant=variant)
    np.testing.assert_allclose(m @ pe[pos], pe[pos + k], atol=1e-12)
    np.testing.assert_allclose(pe[pos] @ m.T, pe[pos + k], atol=1e-12)


def test_shift_matrix_is_block_diagonal_rotation():
    m = shift_matrix(3, 8)
    np.testing.assert_allclose(m @ m.T, np.eye(8), atol=1e-12)  # orthogonal
    assert np.linalg.det(m) == pytest.approx(1.0)  # a rotation, not a reflection
    off_block = m.copy()
    for i in range(4):
        off_block[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = 0
    assert np.all(off_block == 0)
    b = 3.0  # pair 0 has frequency 1
    np.testing.assert_allclose(m[:2, :2], [[np.cos(b), np.sin(b)], [-np.sin(b), np.cos(b)]])
    np.testing.assert_allclose(shift_matrix(0, 8), np.eye(8))
    np.testing.assert_allclose(shift_matrix(1, 8) @ shift_matrix(2, 8), m, atol=1e-12)


@given(st.integers(0, 300), st.integers(-100, 100))
def test_offset_similarity_matches_dot_products(p, k):
    pe = sinusoidal_encoding(401, 32)
    q = p + k
    if 0 <= q < 401:
        assert pe[p] @ pe[q] == pytest.approx(offset_similarity(k, 32), abs=1e-9)


def test_offset_similarity_peak_and_symmetry():
    ks = np.arange(-50, 51)
    sim = offset_similarity(ks, 64)
    assert sim.shape == (101,)
    assert sim.max() == pytest.approx(32) and sim[50] == pytest.approx(32)
    np.testing.assert_allclose(sim, sim[::-1])


def test_interleaved_to_concatenated():
    order = interleaved_to_concatenated(8)
    assert order.tolist() == [0, 2, 4, 6, 1, 3, 5, 7]
    inter = sinusoidal_encoding(10, 8)
    np.testing.assert_array_equal(
        inter[:, order], sinusoidal_encoding(10, 8, variant="concatenated")
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_identify_variant(variant):
    assert identify_variant(sinusoidal_encoding(20, 16, variant=variant)) == variant


def test_identify_variant_unknown():
    assert identify_variant(np.zeros((5, 4))) is None
    assert identify_variant(np.zeros((5, 3))) is None
    assert identify_variant(sinusoidal_encoding(5, 8, base=100)) is None


def test_random_cosines_spread_shrinks_with_d():
    rng = np.random.default_rng(0)
    small = random_cosines(4, 2000, rng)
    big = random_cosines(512, 2000, rng)
    assert small.shape == big.shape == (2000,)
    assert np.all(np.abs(small) <= 1 + 1e-12)
    assert big.std() == pytest.approx(1 / np.sqrt(512), rel=0.1)
    assert small.std() > 3 * big.std()


# --- adversarial inputs: a correct result, or an error that names the argument ---------------

JUNK = st.one_of(  # anything a learner might pass by mistake
    st.text(max_size=3),
    st.booleans(),
    st.none(),
    st.complex_numbers(),
    st.lists(st.integers(0, 5), min_size=1, max_size=3).map(np.array),
)
NUMBERS = st.one_of(
    st.floats(),  # NaN, +-inf, huge, tiny and negative included
    st.floats(-1e3, 1e3),
    st.integers(-(10**400), 10**400),
    st.floats(width=32).map(np.float32),
    st.integers(-(2**62), 2**62).map(np.int64),
)


def is_real(x) -> bool:
    """One real number: Python or numpy int/float, but not a bool."""
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def is_finite_real(x) -> bool:
    try:
        return is_real(x) and bool(np.isfinite(float(x)))
    except OverflowError:  # an int beyond the float range
        return False


@given(st.one_of(NUMBERS, JUNK))
def test_shift_matrix_any_k_is_a_rotation_by_k_or_names_k(k):
    if not is_finite_real(k):
        with pytest.raises(TypeError if not is_real(k) else ValueError, match="^k must"):
            shift_matrix(k, 4)
        return
    m = shift_matrix(k, 4)
    b0, b1 = float(k) * pair_frequencies(4)  # rotation angle of each pair
    np.testing.assert_allclose(m[:2, :2], [[np.cos(b0), np.sin(b0)], [-np.sin(b0), np.cos(b0)]])
    np.testing.assert_allclose(m[2:, 2:], [[np.cos(b1), np.sin(b1)], [-np.sin(b1), np.cos(b1)]])
    np.testing.assert_allclose(m @ m.T, np.eye(4), atol=1e-12)  # a rotation for every k
    assert np.all(m[:2, 2:] == 0) and np.all(m[2:, :2] == 0)


@pytest.mark.parametrize(
    ("k", "error"),
    [
        (np.nan, ValueError),
        (np.inf, ValueError),
        (-np.inf, ValueError),
        (10**400, ValueError),
        (np.array([1, 2]), TypeError),
        ("1", TypeError),
        (True, TypeError),
        (1j, TypeError),
        (None, TypeError),
    ],
)
def test_shift_matrix_bad_k(k, error):
    with pytest.raises(error, match="^k must"):
        shift_matrix(k, 8)


def test_shift_matrix_negative_fractional_and_0d_k():
    np.testing.assert_allclose(shift_matrix(-3, 8), shift_matrix(3, 8).T, atol=1e-15)
    half = shift_matrix(0.5, 8, variant="concatenated")
    np.testing.assert_allclose(half @ half, shift_matrix(1, 8, variant="concatenated"))
    np.testing.assert_array_equal(shift_matrix(np.array(3), 8), shift_matrix(3, 8))


@given(st.lists(st.one_of(st.floats(), st.integers(-(10**6), 10**6)), max_size=5))
def test_offset_similarity_any_offsets_is_the_cosine_sum_or_names_offsets(offsets):
    if not np.isfinite(np.array(offsets, dtype=float)).all():
        with pytest.raises(ValueError, match="^offsets "):
            offset_similarity(offsets, 8)
        return
    freqs = 1e4 ** (-np.arange(4) / 4)  # d_model = 8
    expected = [np.cos(k * freqs).sum() for k in offsets]
    sim = offset_similarity(offsets, 8)
    assert sim.shape == (len(offsets),)
    np.testing.assert_allclose(sim, expected, atol=1e-12)
    np.testing.assert_allclose(offset_similarity([-k for k in offsets], 8), sim)  # even in k
    assert np.all(np.abs(sim) <= 4 + 1e-12)


@pytest.mark.parametrize(
    ("offsets", "error"),
    [
        ([np.inf], ValueError),
        ([0, -np.inf], ValueError),
        (np.nan, ValueError),
        (["a"], TypeError),
        ([1j], TypeError),
        ([True, False], TypeError),
        (None, TypeError),
    ],
)
def test_offset_similarity_bad_offsets(offsets, error):
    with pytest.raises(error, match="^offsets "):
        offset_similarity(offsets, 8)


def test_offset_similarity_empty_and_2d_offsets_keep_their_shape():
    assert offset_similarity([], 8).shape == (0,)
    grid = offset_similarity(np.arange(6).reshape(2, 3), 8)
    np.testing.assert_allclose(grid.ravel(), offset_similarity(np.arange(6), 8))


@given(st.one_of(st.integers(-6, 40), st.floats(), st.text(max_size=2), st.booleans()))
def test_column_helpers_any_d_model(d):
    if isinstance(d, int) and not isinstance(d, bool) and d > 0 and d % 2 == 0:
        sin_cols, cos_cols = sin_cos_columns(d)
        order = interleaved_to_concatenated(d)
        np.testing.assert_array_equal(np.sort(np.r_[sin_cols, cos_cols]), np.arange(d))
        np.testing.assert_array_equal(order, np.r_[sin_cols, cos_cols])
        return
    for func in (sin_cos_columns, interleaved_to_concatenated):
        with pytest.raises((TypeError, ValueError), match="^d_model must"):
            func(d)


@pytest.mark.parametrize("func", [sin_cos_columns, interleaved_to_concatenated])
def test_column_helpers_odd_d_model_has_no_sin_cos_pairs(func):
    with pytest.raises(ValueError, match=r"^d_model must be even .*got 5"):
        func(5)


@pytest.mark.parametrize("shape", [(0, 4), (4, 0), (0, 0), (8,), (2, 3, 4)])
def test_identify_variant_needs_a_non_empty_matrix(shape):
    with pytest.raises(ValueError, match=r"^pe must be a non-empty 2-D"):
        identify_variant(np.zeros(shape))


def test_identify_variant_bad_values_and_arguments():
    pe = sinusoidal_encoding(6, 4)
    with pytest.raises(TypeError, match="^pe "):
        identify_variant([["a", "b"]])
    with pytest.raises(ValueError, match="^pe contains NaN"):
        identify_variant(np.where(pe > 0.9, np.nan, pe))
    for atol in (-1e-9, np.nan):
        with pytest.raises(ValueError, match="^atol must"):
            identify_variant(pe, atol=atol)
    with pytest.raises(TypeError, match="^base must"):
        identify_variant(pe, base="10000")
    with pytest.raises(ValueError, match="^base must"):
        identify_variant(np.zeros((5, 3)), base=0.5)  # checked even when the width is odd
    assert identify_variant(np.where(pe > 0.9, np.inf, pe)) is None  # an inf matches nothing


@pytest.mark.parametrize("variant", VARIANTS)
def test_identify_variant_float32_and_lists(variant):
    pe = sinusoidal_encoding(40, 16, variant=variant)
    assert identify_variant(pe.astype(np.float32)) == variant  # e.g. from TensorFlow
    assert identify_variant(pe.tolist()) == variant


def test_random_cosines_accepts_an_int_seed():
    by_seed = random_cosines(16, 50, 7)
    np.testing.assert_array_equal(by_seed, random_cosines(16, 50, np.random.default_rng(7)))
    np.testing.assert_array_equal(by_seed, random_cosines(16, 50, np.int64(7)))  # same seed
    rng = np.random.default_rng(7)
    first, second = random_cosines(16, 50, rng), random_cosines(16, 50, rng)
    assert not np.array_equal(first, second)  # one Generator moves on between calls


@pytest.mark.parametrize(
    ("rng", "error"),
    [
        (-1, ValueError),
        (None, TypeError),
        (0.5, TypeError),
        ("0", TypeError),
        (True, TypeError),
        (np.random.RandomState(0), TypeError),
    ],
)
def test_random_cosines_bad_rng(rng, error):
    with pytest.raises(error, match="^rng "):
        random_cosines(4, 10, rng)


@pytest.mark.parametrize("base", [1e300, 1 + 1e-9])
def test_wavelengths_stay_finite_at_extreme_bases(base):
    lam = wavelengths(8, base=base, variant="tensor2tensor")
    assert np.all(np.isfinite(lam))
    assert lam[-1] == pytest.approx(2 * np.pi * base)
