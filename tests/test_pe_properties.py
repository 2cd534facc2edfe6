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
from utils.positional import VARIANTS, sinusoidal_encoding


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
