"""utils.positional.rope and alibi_bias: worked values, the relative property of RoPE as a
hypothesis test, its link to notebook 03's M_k, the two layouts, and the paper's slopes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils.pe_properties import interleaved_to_concatenated, shift_matrix
from utils.positional import alibi_bias, alibi_slopes, pair_frequencies, rope


def _rope_complex(x, positions, base=10000.0):
    """An independent reference: Su et al.'s complex form, pair (a, b) as a + ib turned by
    multiplying with exp(i * position * theta_i)."""
    d = x.shape[-1]
    theta = base ** (-2 * np.arange(d // 2) / d)  # (d/2,)
    z = x[..., 0::2] + 1j * x[..., 1::2]  # (..., n, d/2)
    z = z * np.exp(1j * np.asarray(positions, dtype=float)[..., None] * theta)
    out = np.empty(x.shape)
    out[..., 0::2], out[..., 1::2] = z.real, z.imag
    return out


def test_rope_worked_values():
    x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    out = rope(x)  # positions 0, 1, 2; d = 2: one pair, frequency 1
    np.testing.assert_allclose(out[0], [1, 0])  # position 0: no turn
    np.testing.assert_allclose(out[1], [np.cos(1), np.sin(1)])  # turned by 1 radian
    np.testing.assert_allclose(out[2], [-np.sin(2), np.cos(2)])
    # d = 4: pair 1 turns 100 times slower (10000^(-2/4) = 1/100)
    y = rope(np.array([[0.0, 0.0, 1.0, 0.0]]), positions=[3])
    np.testing.assert_allclose(y, [[0, 0, np.cos(0.03), np.sin(0.03)]])


@given(st.integers(1, 5).map(lambda i: 2 * i), st.integers(1, 12), st.integers(0, 3))
def test_rope_matches_the_complex_form(d, n, seed):
    x = np.random.default_rng(seed).normal(size=(2, n, d))
    positions = np.random.default_rng(seed + 1).integers(0, 5000, size=n)
    np.testing.assert_allclose(rope(x, positions), _rope_complex(x, positions), atol=1e-9)


@given(
    st.integers(0, 2000),
    st.integers(0, 2000),
    st.integers(-1000, 1000),
    st.sampled_from([2, 8, 64]),
    st.sampled_from(["interleaved", "half"]),
)
def test_rope_scores_depend_only_on_the_offset(m, n, shift, d, layout):
    rng = np.random.default_rng(m + 7 * n)
    q, k = rng.normal(size=(1, d)), rng.normal(size=(1, d))

    def score(pos_q, pos_k):
        return (rope(q, [pos_q], layout=layout) @ rope(k, [pos_k], layout=layout).T).item()

    moved = score(m + shift, n + shift)
    np.testing.assert_allclose(moved, score(m, n), atol=1e-9 * d)
    np.testing.assert_allclose(score(m - n, 0), score(m, n), atol=1e-9 * d)


@pytest.mark.parametrize("k", [0, 1, 7, 300])
def test_rope_at_position_k_is_notebook_03s_rotation(k):
    d = 8
    x = np.random.default_rng(k).normal(size=(3, d))
    turned = rope(x, positions=np.full(3, k))
    # M_k turns 03's [sin, cos] pairs by -k*w_i: RoPE turns the other way, M_k^T = M_{-k};
    # in the row-vector convention that is x @ M_k
    np.testing.assert_allclose(turned, x @ shift_matrix(k, d), atol=1e-12)
    np.testing.assert_allclose(turned, x @ shift_matrix(-k, d).T, atol=1e-12)


@given(st.integers(1, 16).map(lambda i: 2 * i), st.integers(1, 10))
def test_half_layout_is_a_column_permutation_of_interleaved(d, n):
    x = np.random.default_rng(d + n).normal(size=(n, d))
    order = interleaved_to_concatenated(d)  # even columns first, then odd: pair i -> (i, i+d/2)
    np.testing.assert_allclose(rope(x[:, order], layout="half"), rope(x)[:, order], atol=1e-12)


def test_half_layout_pairs_column_i_with_i_plus_half():
    x = np.zeros((1, 4))
    x[0, 1] = 1.0  # column 1 = the first half of pair 1 (frequency 1/100)
    out = rope(x, positions=[5], layout="half")
    np.testing.assert_allclose(out, [[0, np.cos(0.05), 0, np.sin(0.05)]])


def test_rope_keeps_norms_dtype_and_shape():
    x = np.random.default_rng(0).normal(size=(2, 3, 6, 8)).astype(np.float32)
    out = rope(x)
    assert out.shape == x.shape and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), np.linalg.norm(x, axis=-1), rtol=1e-5)
    assert rope(np.ones((3, 2), dtype=np.int64)).dtype == np.float64
    per_batch = np.stack([np.arange(6), np.arange(6) + 10])[:, None, :]  # (2, 1, 6)
    np.testing.assert_allclose(rope(x, per_batch)[1], rope(x[1], np.arange(6) + 10), atol=1e-6)


def test_rope_uses_the_frequencies_of_notebook_03():
    x = np.tile([1.0, 0.0], 4)[None, :]  # every pair starts at angle 0
    out = rope(x, positions=[1.0], base=100.0)
    np.testing.assert_allclose(np.arctan2(out[0, 1::2], out[0, 0::2]), pair_frequencies(8, 100.0))


def test_rope_rejects_bad_input():
    with pytest.raises(ValueError, match="even"):
        rope(np.ones((3, 5)))
    with pytest.raises(ValueError, match="layout"):
        rope(np.ones((3, 4)), layout="concatenated")
    with pytest.raises(ValueError, match="positions"):
        rope(np.ones((3, 4)), positions=[0, 1])
    with pytest.raises(ValueError, match="NaN"):
        rope(np.ones((3, 4)), positions=[0, np.nan, 2])
    with pytest.raises(ValueError, match="base"):
        rope(np.ones((3, 4)), base=1.0)
    with pytest.raises(ValueError):
        rope(np.ones(4))


# --- ALiBi ----------------------------------------------------------------------------------


def test_alibi_slopes_from_the_paper():
    np.testing.assert_allclose(alibi_slopes(8), [2.0**-i for i in range(1, 9)])  # 1/2 .. 1/256
    np.testing.assert_allclose(alibi_slopes(16), 2.0 ** (-0.5 * np.arange(1, 17)))  # 1/sqrt 2 ..
    np.testing.assert_allclose(alibi_slopes(1), [2.0**-8])
    # not a power of two (the paper's code): 4 heads' slopes, then every other slope of 8
    np.testing.assert_allclose(alibi_slopes(6), [2**-2, 2**-4, 2**-6, 2**-8, 2**-1, 2**-3])


@pytest.mark.parametrize("h", [1, 2, 4, 8, 16, 32])
def test_alibi_slopes_are_geometric_from_two_to_the_minus_eight_over_h(h):
    slopes = alibi_slopes(h)
    assert slopes[0] == pytest.approx(2 ** (-8 / h)) and slopes[-1] == pytest.approx(2**-8)
    np.testing.assert_allclose(slopes[1:] / slopes[:-1], 2 ** (-8 / h))


def test_alibi_bias_values():
    bias = alibi_bias(2, 4)  # slopes 1/16 and 1/256
    assert bias.shape == (2, 4, 4)
    np.testing.assert_allclose(bias[0, 3], [-3 / 16, -2 / 16, -1 / 16, 0])  # query 3, keys 0..3
    np.testing.assert_array_equal(np.diagonal(bias, axis1=1, axis2=2), 0.0)
    assert not np.signbit(np.diagonal(bias, axis1=1, axis2=2)).any()  # 0, not -0
    np.testing.assert_array_equal(bias, np.swapaxes(bias, 1, 2))  # the symmetric variant
    with pytest.raises(ValueError):
        alibi_bias(0, 4)
    with pytest.raises(ValueError):
        alibi_bias(4, 0)
