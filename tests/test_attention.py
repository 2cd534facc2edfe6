"""utils.attention: known answers, properties, dtypes and the errors learners will hit."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from utils.attention import (
    causal_mask,
    combine_heads,
    init_mha_params,
    multi_head_attention,
    padding_mask,
    scaled_dot_product_attention,
    softmax,
    split_heads,
)

finite = st.floats(-50, 50, allow_nan=False, width=64)


# --- softmax -----------------------------------------------------------------------------


def test_softmax_known_answer():
    # exp(0), exp(ln 3) -> 1 : 3
    np.testing.assert_allclose(softmax(np.array([0.0, np.log(3.0)])), [0.25, 0.75])


@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)), elements=finite))
def test_softmax_rows_sum_to_one_and_ignore_a_constant_shift(x):
    w = softmax(x)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-12)
    assert (w >= 0).all()
    np.testing.assert_allclose(softmax(x + 7.5), w, atol=1e-12)


@given(arrays(np.float64, (3, 4), elements=finite))
def test_softmax_axis_0_normalises_columns(x):
    np.testing.assert_allclose(softmax(x, axis=0).sum(axis=0), 1.0, rtol=1e-12)


def test_softmax_large_logits_do_not_overflow():
    w = softmax(np.array([1e4, 1e4 - 1.0, -1e4]))
    assert np.isfinite(w).all()
    np.testing.assert_allclose(w[:2], [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1))])


def test_softmax_minus_inf_gets_zero_and_all_blocked_row_is_zero(recwarn):
    x = np.array([[0.0, -np.inf, 0.0], [-np.inf, -np.inf, -np.inf]])
    w = softmax(x)
    np.testing.assert_array_equal(w, [[0.5, 0.0, 0.5], [0.0, 0.0, 0.0]])
    assert len(recwarn) == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_softmax_keeps_float_dtype(dtype):
    assert softmax(np.zeros((2, 3), dtype=dtype)).dtype == dtype


def test_softmax_integers_become_float64():
    assert softmax(np.array([1, 2, 3])).dtype == np.float64


@pytest.mark.parametrize(
    ("bad", "words"), [([1.0, np.nan], "NaN"), ([1.0, np.inf], r"\+inf"), (["a"], "numeric")]
)
def test_softmax_rejects_bad_input_with_a_clear_message(bad, words):
    with pytest.raises((ValueError, TypeError), match=words):
        softmax(np.array(bad))


# --- scaled dot-product attention ---------------------------------------------------------


def test_attention_two_tokens_worked_by_hand():
    q = k = np.eye(2)  # scores = I / sqrt(2)
    v = np.array([[1.0, 2.0], [3.0, 4.0]])
    out, w = scaled_dot_product_attention(q, k, v)
    big = 1 / (1 + np.exp(-1 / np.sqrt(2)))  # e^(1/sqrt2) / (e^(1/sqrt2) + 1)
    np.testing.assert_allclose(w, [[big, 1 - big], [1 - big, big]])
    np.testing.assert_allclose(out[0], big * v[0] + (1 - big) * v[1])
    np.testing.assert_allclose(out[0], [1.660478, 2.660478], atol=1e-6)


def test_attention_custom_scale_and_shapes():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 7, 4)), rng.normal(size=(2, 7, 3))
    out, w = scaled_dot_product_attention(q, k, v, scale=1.0)
    assert out.shape == (2, 5, 3) and w.shape == (2, 5, 7)
    np.testing.assert_allclose(w, softmax(q @ k.transpose(0, 2, 1)))


def test_attention_float32_stays_float32():
    x = np.ones((3, 4), dtype=np.float32)
    out, w = scaled_dot_product_attention(x, x, x)
    assert out.dtype == np.float32 and w.dtype == np.float32


def test_attention_mask_true_means_may_attend():
    q = k = np.zeros((3, 2))
    v = np.array([[1.0], [2.0], [4.0]])
    out, w = scaled_dot_product_attention(q, k, v, mask=causal_mask(3))
    np.testing.assert_allclose(w, [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(out[:, 0], [1.0, 1.5, 7 / 3])


def test_fully_blocked_row_gives_zero_weights_and_zero_output(recwarn):
    x = np.arange(6.0).reshape(3, 2)
    mask = np.array([[True, True, True], [False, False, False], [True, False, False]])
    out, w = scaled_dot_product_attention(x, x, x, mask=mask)
    np.testing.assert_array_equal(w[1], 0.0)
    np.testing.assert_array_equal(out[1], 0.0)
    assert np.isfinite(out).all() and len(recwarn) == 0


def test_attention_shape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="n_k"):
        scaled_dot_product_attention(np.ones((2, 3)), np.ones((4, 3)), np.ones((5, 3)))
    with pytest.raises(ValueError, match="at least 2 axes"):
        scaled_dot_product_attention(np.ones(3), np.ones((2, 3)), np.ones((2, 3)))


def test_attention_mask_errors():
    x = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"\(4, 4\).*\(3, 3\)"):
        scaled_dot_product_attention(x, x, x, mask=causal_mask(4))
    with pytest.raises(TypeError, match="boolean"):
        scaled_dot_product_attention(x, x, x, mask=np.ones((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        scaled_dot_product_attention(x, x, np.full((3, 2), np.nan))


@given(st.permutations(range(5)), st.integers(0, 1000))
def test_self_attention_is_permutation_equivariant(perm, seed):
    x = np.random.default_rng(seed).normal(size=(5, 4))
    params = init_mha_params(4, 2, seed=seed)
    out, _ = multi_head_attention(x, x, params, 2)
    out_perm, _ = multi_head_attention(x[list(perm)], x[list(perm)], params, 2)
    np.testing.assert_allclose(out_perm, out[list(perm)], atol=1e-12)


@given(st.integers(0, 4), st.integers(0, 1000))
def test_causal_output_row_ignores_later_tokens(i, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(5, 4))
    changed = x.copy()
    changed[i + 1 :] = rng.normal(size=changed[i + 1 :].shape)
    params = init_mha_params(4, 2, seed=seed)
    out, _ = multi_head_attention(x, x, params, 2, mask=causal_mask(5))
    out2, _ = multi_head_attention(changed, changed, params, 2, mask=causal_mask(5))
    np.testing.assert_allclose(out2[: i + 1], out[: i + 1], atol=1e-12)


# --- masks ---------------------------------------------------------------------------------


def test_causal_mask_values():
    np.testing.assert_array_equal(causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    assert causal_mask(3).dtype == bool


def test_padding_mask_values_and_shape():
    m = padding_mask([2, 3, 0], 3)
    assert m.shape == (3, 1, 3) and m.dtype == bool
    np.testing.assert_array_equal(m[:, 0], [[1, 1, 0], [1, 1, 1], [0, 0, 0]])


def test_padding_mask_blanks_key_columns_only():
    x = np.random.default_rng(1).normal(size=(2, 4, 3))
    out, w = scaled_dot_product_attention(x, x, x, mask=padding_mask([2, 4], 4))
    np.testing.assert_array_equal(w[0, :, 2:], 0.0)  # padded keys get no weight
    assert np.abs(out[0, 2:]).sum() > 0  # padded queries still produce output


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: causal_mask(0), "positive integer"),
        (lambda: padding_mask([4], 3), r"\[0, n=3\]"),
        (lambda: padding_mask([[1]], 3), "1-D"),
    ],
)
def test_mask_errors(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# --- heads ---------------------------------------------------------------------------------


def test_split_heads_gives_each_head_its_columns_of_every_token():
    x = np.arange(12).reshape(2, 6)  # 2 tokens, d = 6
    heads = split_heads(x, 3)
    assert heads.shape == (3, 2, 2)
    np.testing.assert_array_equal(heads[1], [[2, 3], [8, 9]])  # columns 2:4 of both tokens


def test_combine_heads_puts_head_0_first():
    heads = np.stack([np.full((2, 3), i) for i in range(4)])  # (4, 2, 3)
    np.testing.assert_array_equal(combine_heads(heads)[0], [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])


@given(st.integers(1, 3), st.integers(1, 5), st.sampled_from([1, 2, 3, 4, 6]), st.integers(1, 4))
def test_split_combine_round_trip(batch, n, h, d_h):
    x = np.random.default_rng(0).normal(size=(batch, n, h * d_h))
    np.testing.assert_array_equal(combine_heads(split_heads(x, h)), x)
    assert split_heads(x, h).shape == (batch, h, n, d_h)


def test_split_heads_errors():
    with pytest.raises(ValueError, match="d=6.*num_heads=4"):
        split_heads(np.ones((2, 6)), 4)
    with pytest.raises(ValueError, match="positive integer"):
        split_heads(np.ones((2, 6)), 0)
    with pytest.raises(ValueError, match=r"\(\.\.\., h, n, d_h\)"):
        combine_heads(np.ones((2, 6)))


# --- multi-head attention --------------------------------------------------------------------


def test_init_mha_params_shapes_default_and_full_width():
    p = init_mha_params(512, 8)
    assert p["W_q"].shape == (512, 512) and p["W_o"].shape == (512, 512)
    p = init_mha_params(3, 8, d_k=3, d_v=3)  # every head full width: concat (n, 24)
    assert p["W_v"].shape == (3, 24) and p["W_o"].shape == (24, 3) and p["b_o"].shape == (3,)
    assert init_mha_params(4, 2, bias=False)["b_q"] is None


def test_init_mha_params_is_seeded_and_checks_divisibility():
    np.testing.assert_array_equal(init_mha_params(4, 2)["W_q"], init_mha_params(4, 2)["W_q"])
    with pytest.raises(ValueError, match="d_model=10 is not divisible by num_heads=4"):
        init_mha_params(10, 4)


def _mha_loop(x, params, h, mask=None):
    """Reference: one head at a time, slicing each head's columns of the weight matrices."""
    d_k = params["W_q"].shape[1] // h
    d_v = params["W_v"].shape[1] // h
    outs = []
    for i in range(h):
        qs, vs = slice(i * d_k, (i + 1) * d_k), slice(i * d_v, (i + 1) * d_v)
        q = x @ params["W_q"][:, qs] + params["b_q"][qs]
        k = x @ params["W_k"][:, qs] + params["b_k"][qs]
        v = x @ params["W_v"][:, vs] + params["b_v"][vs]
        outs.append(scaled_dot_product_attention(q, k, v, mask=mask)[0])
    return np.concatenate(outs, axis=-1) @ params["W_o"] + params["b_o"]


@pytest.mark.parametrize(("d_model", "h", "d_v"), [(8, 1, None), (8, 2, None), (3, 8, 3)])
def test_mha_equals_loop_over_heads(d_model, h, d_v):
    x = np.random.default_rng(3).normal(size=(5, d_model))
    params = init_mha_params(d_model, h, d_k=d_v, d_v=d_v, seed=4)
    out, w = multi_head_attention(x, x, params, h)
    np.testing.assert_allclose(out, _mha_loop(x, params, h), atol=1e-12)
    assert w.shape == (h, 5, 5)


def test_mha_shapes_batch_and_cross_attention_and_float32():
    p = {name: w.astype(np.float32) for name, w in init_mha_params(6, 3).items()}
    xq = np.ones((2, 4, 6), dtype=np.float32)
    xkv = np.ones((2, 7, 6), dtype=np.float32)
    out, w = multi_head_attention(xq, xkv, p, 3, mask=padding_mask([7, 5], 7))
    assert out.shape == (2, 4, 6) and w.shape == (2, 3, 4, 7)
    assert out.dtype == np.float32 and w.dtype == np.float32
    np.testing.assert_array_equal(w[1, :, :, 5:], 0.0)


def test_mha_errors():
    p = init_mha_params(6, 3)
    with pytest.raises(ValueError, match=r"W_q must have shape .*\(4, width\).*\(6, 6\)"):
        multi_head_attention(np.ones((2, 4)), np.ones((2, 4)), p, 3)
    with pytest.raises(ValueError, match="width 6 must be a positive multiple of num_heads=4"):
        multi_head_attention(np.ones((2, 6)), np.ones((2, 6)), p, 4)
    with pytest.raises(ValueError, match="does not broadcast"):
        multi_head_attention(np.ones((2, 6)), np.ones((2, 6)), p, 3, mask=causal_mask(3))


# --- every result is the caller's own ----------------------------------------------------------


def test_a_later_call_never_changes_an_earlier_result():
    x = np.random.default_rng(7).normal(size=(2, 5, 8)).astype(np.float32)
    params = {k: v.astype(np.float32) for k, v in init_mha_params(8, 2, seed=7).items()}
    out_1, w_1 = multi_head_attention(x, x, params, 2)
    kept_out, kept_w = out_1.copy(), w_1.copy()
    for scale in (2.0, -1.0, 0.0):
        out_2, w_2 = multi_head_attention(scale * x, scale * x, params, 2)
        assert not np.shares_memory(w_1, w_2) and not np.shares_memory(out_1, out_2)
    np.testing.assert_array_equal(w_1, kept_w)
    np.testing.assert_array_equal(out_1, kept_out)
    s_1 = softmax(x)
    kept_s = s_1.copy()
    softmax(3 * x)
    np.testing.assert_array_equal(s_1, kept_s)


def test_results_are_new_arrays_not_views_of_the_inputs():
    x = np.random.default_rng(1).normal(size=(4, 3))
    out, w = scaled_dot_product_attention(x, x, x)
    assert not np.shares_memory(out, x) and not np.shares_memory(w, x)
    assert not np.shares_memory(softmax(x), x)


# --- dtypes: float16, float32, float64 against a float64 reference ----------------------------

TOLERANCE = {np.float16: 2e-2, np.float32: 2e-5, np.float64: 1e-12}


def _reference_attention(q, k, v, mask=None):
    """Float64 attention written out independently (no utils): exp(s - max) / sum."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    s = q @ k.T / np.sqrt(q.shape[-1])  # (n_q, n_k)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(m), m, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    w = np.where(total > 0, e / np.where(total > 0, total, 1.0), 0.0)
    return w @ v, w


def _rows_with_scores_near(level, n_k, d_k=4, seed=0):
    """q (2, d_k), k (n_k, d_k), v (n_k, 3) whose scaled scores all lie within 1 of ``level``."""
    rng = np.random.default_rng(seed)
    q = np.zeros((2, d_k))
    q[:, 0] = level * np.sqrt(d_k)  # scores = k[:, 0] * level: k[:, 0] near 1
    k = rng.normal(size=(n_k, d_k)) * 0.1
    k[:, 0] = 1.0 + rng.uniform(-1, 1, size=n_k) / max(abs(level), 1.0)
    v = rng.normal(size=(n_k, 3))
    return q, k, v


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(
    ("level", "n_k"), [(0.0, 6), (-17.6, 6), (12.0, 6), (-60.0, 40), (79.9, 7000)]
)
def test_every_float_dtype_agrees_with_a_float64_reference(dtype, level, n_k):
    q, k, v = (a.astype(dtype) for a in _rows_with_scores_near(level, n_k))
    out, w = scaled_dot_product_attention(q, k, v)
    ref_out, ref_w = _reference_attention(q, k, v)  # from the same (rounded) inputs
    assert out.dtype == dtype and w.dtype == dtype
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(w.astype(np.float64).sum(axis=-1), 1.0, atol=10 * tol)
    np.testing.assert_allclose(w, ref_w, atol=tol)
    np.testing.assert_allclose(out, ref_out, atol=10 * tol * np.abs(v).max())


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_multi_head_attention_in_each_dtype_matches_float64(dtype):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(2, 11, 6))
    params = init_mha_params(6, 2, seed=11)
    ref_out, ref_w = multi_head_attention(x, x, params, 2, mask=causal_mask(11))
    cast = {name: w.astype(dtype) for name, w in params.items()}
    out, w = multi_head_attention(x.astype(dtype), x.astype(dtype), cast, 2, mask=causal_mask(11))
    assert out.dtype == dtype and w.dtype == dtype
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(w, ref_w, atol=5 * tol)
    np.testing.assert_allclose(out, ref_out, atol=20 * tol)


def test_mixed_dtypes_follow_numpy_promotion():
    x32 = np.ones((3, 4), dtype=np.float32)
    assert scaled_dot_product_attention(x32, x32, x32.astype(np.float64))[0].dtype == np.float64
    assert scaled_dot_product_attention(x32, x32, x32.astype(np.float16))[0].dtype == np.float32
    params = init_mha_params(4, 2)  # float64
    assert multi_head_attention(x32, x32, params, 2)[0].dtype == np.float64
    params32 = {name: w.astype(np.float32) for name, w in params.items()}
    assert multi_head_attention(x32, x32, params32, 2)[0].dtype == np.float32
    assert softmax(np.arange(3)).dtype == np.float64  # integers become float64
    assert scaled_dot_product_attention(np.eye(2, dtype=int), np.eye(2), np.eye(2))[0].dtype == (
        np.float64
    )


@pytest.mark.parametrize(
    ("dtype", "value"), [(np.float16, 300.0), (np.float32, 3e19), (np.float64, 1e155)]
)
def test_overflow_is_a_clear_error_not_inf_or_nan(dtype, value, recwarn):
    x = np.full((2, 3), value, dtype=dtype)
    with pytest.raises(ValueError, match=f"overflowed {np.dtype(dtype).name}"):
        scaled_dot_product_attention(x, x, x)
    params = {name: w.astype(dtype) for name, w in init_mha_params(3, 1, seed=0).items()}
    with pytest.raises(ValueError, match="overflowed"):
        multi_head_attention(x, x, params, 1)
    assert len(recwarn) == 0


# --- edges a fuzzing review found: each a clear error ----------------------------------------


def test_softmax_of_a_scalar_and_a_missing_axis():
    with pytest.raises(ValueError, match="at least one axis"):
        softmax(np.float64(3.0))
    with pytest.raises(ValueError, match=r"axis 5 does not exist: the input has 2 axes"):
        softmax(np.ones((2, 3)), axis=5)
    with pytest.raises(TypeError, match="axis must be an integer"):
        softmax(np.ones((2, 3)), axis=1.0)
    np.testing.assert_allclose(softmax(np.zeros((2, 4)), axis=-2), 0.5)


def test_nan_messages_show_plain_indices():
    with pytest.raises(ValueError, match=r"NaN at index \(0, 1\)"):
        softmax(np.array([[0.0, np.nan]]))


def _params(**changes):
    p = init_mha_params(6, 2, seed=0)
    p.update(changes)
    return p


@pytest.mark.parametrize(
    ("params", "error", "words"),
    [
        ({k: v for k, v in _params().items() if k != "W_o"}, ValueError, r"missing \['W_o'\]"),
        (_params(W_k=np.ones((6, 8))), ValueError, "W_q and W_k must have the same shape"),
        (_params(W_q=np.full((6, 6), np.nan)), ValueError, "W_q contains NaN"),
        (_params(W_v=np.ones((6, 6)) * 1j), TypeError, "W_v must be real"),
        (_params(W_q=np.ones((6, 0)), W_k=np.ones((6, 0))), ValueError, "positive multiple"),
        (_params(W_o=np.ones((4, 6))), ValueError, r"W_o must have shape \(h\*d_v"),
        (_params(b_o=np.ones(5)), ValueError, r"b_o must have shape \(6,\)"),
        (_params(b_q=np.array([np.nan] * 6)), ValueError, "b_q contains NaN"),
        ([1, 2], TypeError, "params must be a dict"),
    ],
)
def test_mha_rejects_bad_params_clearly(params, error, words):
    x = np.ones((3, 6))
    with pytest.raises(error, match=words):
        multi_head_attention(x, x, params, 2)


def test_d_k_zero_and_bad_scale():
    with pytest.raises(ValueError, match="d_k"):
        scaled_dot_product_attention(np.ones((2, 0)), np.ones((3, 0)), np.ones((3, 2)))
    x = np.ones((2, 2))
    with pytest.raises(ValueError, match="scale must be a finite real number"):
        scaled_dot_product_attention(x, x, x, scale=np.inf)
    with pytest.raises(TypeError, match="scale must be a real number"):
        scaled_dot_product_attention(x, x, x, scale="0.5")


def test_mha_without_biases_and_with_a_wide_output():
    p = init_mha_params(6, 3, bias=False)
    x = np.random.default_rng(2).normal(size=(4, 6))
    out, _ = multi_head_attention(x, x, p, 3)
    without_b = {k: v for k, v in p.items() if not k.startswith("b_")}  # absent = None
    np.testing.assert_array_equal(multi_head_attention(x, x, without_b, 3)[0], out)


@given(
    st.sampled_from(["nan", "inf", "-inf", "complex", "string", "bool", "object"]),
    st.sampled_from(["x", "W_q", "W_k", "W_v", "W_o", "b_v"]),
)
def test_any_bad_entry_gives_a_clear_error_naming_it(kind, where):
    params = init_mha_params(4, 2, seed=1)
    x = np.random.default_rng(1).normal(size=(3, 4))
    target = x if where == "x" else params[where]
    bad = {
        "nan": np.where(np.ones_like(target, dtype=bool), np.nan, target),
        "inf": np.full_like(target, np.inf),
        "-inf": np.full_like(target, -np.inf),
        "complex": target + 1j,
        "string": target.astype(str),
        "bool": target > 0,
        "object": target.astype(object),
    }[kind]
    if where == "x":
        x = bad
    else:
        params[where] = bad
    with pytest.raises((ValueError, TypeError)) as info:
        multi_head_attention(x, x, params, 2)
    message = str(info.value)
    assert where.replace("x", "x_q") in message


@given(
    st.sampled_from([np.float16, np.float32, np.float64]),
    st.floats(-80, 80, allow_nan=False),
    st.integers(1, 3000),
    st.integers(0, 100),
)
def test_any_dtype_score_level_and_row_length_matches_float64(dtype, level, n_k, seed):
    q, k, v = (a.astype(dtype) for a in _rows_with_scores_near(level, n_k, seed=seed))
    mask = np.random.default_rng(seed).random((2, n_k)) < 0.8
    out, w = scaled_dot_product_attention(q, k, v, mask=mask)
    ref_out, ref_w = _reference_attention(q, k, v, mask=mask)
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(w, ref_w, atol=tol)
    np.testing.assert_allclose(out, ref_out, atol=10 * tol * np.abs(v).max())
