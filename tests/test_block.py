"""utils.block: known answers by hand, properties, the measurements notebook 04 reports,
errors a learner will hit, and utils.plotting.block's figures (drawn inside their canvas)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

from utils.attention import (  # noqa: E402
    causal_mask,
    init_mha_params,
    multi_head_attention,
    padding_mask,
    scaled_dot_product_attention,
)
from utils.block import (  # noqa: E402
    STACK_SIZES,
    batch_norm,
    count_ffn_parameters,
    cross_attention_example,
    decoder_layer,
    encoder_layer,
    encoder_stack,
    feed_forward,
    ffn_macs,
    gradient_by_step,
    init_decoder_layer_params,
    init_encoder_layer_params,
    init_encoder_stack,
    init_ffn_params,
    init_norm_params,
    input_gradient,
    input_gradient_norm,
    layer_norm,
    relu,
    residual_stack,
    stack_example,
    stack_steps,
    stream_norms,
)
from utils.cost import attention_macs, count_parameters  # noqa: E402
from utils.gradients import numerical_gradient  # noqa: E402

finite = st.floats(-50, 50, allow_nan=False, width=64)


def norm_params(d, rng):
    """A norm with visible gamma and beta (not the ones and zeros of a fresh norm)."""
    return {"gamma": rng.uniform(0.5, 1.5, d), "beta": rng.normal(0, 0.3, d)}


def varied_encoder_params(d=8, h=2, d_ff=32, seed=0):
    rng = np.random.default_rng(seed + 100)
    p = init_encoder_layer_params(d, h, d_ff, seed=seed)
    p["norm1"], p["norm2"] = norm_params(d, rng), norm_params(d, rng)
    return p


def varied_decoder_params(d=8, h=2, d_ff=32, seed=0):
    rng = np.random.default_rng(seed + 200)
    p = init_decoder_layer_params(d, h, d_ff, seed=seed)
    for name in ("norm1", "norm2", "norm3"):
        p[name] = norm_params(d, rng)
    return p


# --- layer norm and batch norm -----------------------------------------------------------


def test_layer_norm_known_answer_by_hand():
    x = np.array([[1.0, 2.0, 3.0, 6.0], [-1.0, 0.0, 1.0, 0.0]])
    # row 0: mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5; row 1: mean 0, variance 0.5
    expected = np.array(
        [[-2, -1, 0, 3] / np.sqrt(3.5 + 1e-5), [-1, 0, 1, 0] / np.sqrt(0.5 + 1e-5)]
    )
    np.testing.assert_allclose(layer_norm(x, np.ones(4), np.zeros(4)), expected, rtol=1e-12)
    gamma, beta = np.array([2.0, 1.0, 1.0, 0.5]), np.array([0.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(layer_norm(x, gamma, beta), gamma * expected + beta, rtol=1e-12)
    np.testing.assert_allclose(layer_norm(x, np.ones(4), np.zeros(4))[0, 0], -1.0690, atol=1e-4)


def test_layer_norm_of_a_constant_row_is_beta():
    beta = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(layer_norm(np.full((2, 3), 4.0), np.ones(3), beta), [beta, beta])


@given(arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(2, 8)), elements=finite))
def test_layer_norm_rows_have_mean_0_and_variance_1(x):
    var = x.var(axis=-1)
    out = layer_norm(x, np.ones(x.shape[-1]), np.zeros(x.shape[-1]))
    np.testing.assert_allclose(out.mean(axis=-1), 0, atol=1e-9)
    np.testing.assert_allclose(out.var(axis=-1), var / (var + 1e-5), rtol=1e-9, atol=1e-12)


@given(arrays(np.float64, (2, 3, 5), elements=finite), st.floats(0.1, 10), st.floats(-5, 5))
def test_layer_norm_ignores_shift_and_positive_scale_of_a_token(x, scale, shift):
    g, b = np.linspace(0.5, 2, 5), np.linspace(-1, 1, 5)
    x = x + np.linspace(0, 1, 5)  # no constant rows: eps then matters little
    same = layer_norm(scale * x + shift, g, b, eps=1e-12)
    np.testing.assert_allclose(same, layer_norm(x, g, b, eps=1e-12), atol=1e-6)


def test_layer_norm_is_per_token_batch_norm_is_not():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4))
    other = x.copy()
    other[1] = rng.normal(size=(3, 4)) * 5  # change sequence 1 only
    g, b = np.ones(4), np.zeros(4)
    np.testing.assert_allclose(layer_norm(other, g, b)[0], layer_norm(x, g, b)[0])
    assert not np.allclose(batch_norm(other, g, b)[0], batch_norm(x, g, b)[0])
    bn = batch_norm(x, g, b)
    np.testing.assert_allclose(bn.mean(axis=(0, 1)), 0, atol=1e-12)
    np.testing.assert_allclose(bn.var(axis=(0, 1)), 1, atol=1e-4)
    # batch norm of (B, n, d) is layer norm of the transposed (d, B*n) data
    by_feature = layer_norm(x.reshape(-1, 4).T, np.ones(6), np.zeros(6)).T.reshape(x.shape)
    np.testing.assert_allclose(bn, by_feature, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_norms_keep_the_float_dtype_and_integers_become_float64(dtype):
    x = np.arange(12, dtype=dtype).reshape(3, 4)
    g, b = np.ones(4, dtype=dtype), np.zeros(4, dtype=dtype)
    assert layer_norm(x, g, b).dtype == dtype
    assert batch_norm(x, g, b).dtype == dtype
    assert layer_norm(np.arange(4), np.ones(4), np.zeros(4)).dtype == np.float64


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: layer_norm(np.ones((2, 4)), np.ones(3), np.zeros(4)), ValueError, r"\(4,\)"),
        (lambda: layer_norm(np.ones((2, 4)), np.ones(4), np.zeros((1, 4))), ValueError, "beta"),
        (lambda: layer_norm([[1.0, np.nan]], np.ones(2), np.zeros(2)), ValueError, "NaN"),
        (lambda: layer_norm([[1.0, np.inf]], np.ones(2), np.zeros(2)), ValueError, "inf"),
        (lambda: layer_norm(np.ones((2, 3)), np.ones(3), np.zeros(3), eps=0), ValueError, "eps"),
        (lambda: layer_norm(np.ones(3), np.ones(3), np.zeros(3), eps=-1), ValueError, "eps"),
        (lambda: layer_norm(np.ones(3), np.ones(3), np.zeros(3), eps=True), TypeError, "eps"),
        (lambda: layer_norm(np.float64(2.0), np.ones(1), np.zeros(1)), ValueError, "axes"),
        (lambda: batch_norm(np.ones(4), np.ones(4), np.zeros(4)), ValueError, "batch"),
        (lambda: layer_norm(np.array(["a", "b"]), np.ones(2), np.zeros(2)), TypeError, "numeric"),
        (
            lambda: layer_norm(
                np.array([[6e4, -6e4]], np.float16),
                np.ones(2, np.float16),
                np.zeros(2, np.float16),
            ),
            ValueError,
            "overflowed",
        ),
    ],
)
def test_norm_errors_say_what_was_expected(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_layer_norm_eps_zero_is_fine_when_no_row_is_constant():
    x = np.array([[1.0, 3.0]])
    np.testing.assert_allclose(layer_norm(x, np.ones(2), np.zeros(2), eps=0), [[-1.0, 1.0]])


def test_init_norm_params():
    p = init_norm_params(3)
    np.testing.assert_array_equal(p["gamma"], np.ones(3))
    np.testing.assert_array_equal(p["beta"], np.zeros(3))
    with pytest.raises(ValueError, match="d_model"):
        init_norm_params(0)


# --- the feed-forward network ------------------------------------------------------------


def test_feed_forward_known_answer_by_hand():
    params = {
        "W_1": np.array([[1.0, -1.0, 0.0], [0.0, 1.0, 2.0]]),  # (2, 3)
        "b_1": np.array([0.0, 0.0, -1.0]),
        "W_2": np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),  # (3, 2)
        "b_2": np.array([0.5, 0.0]),
    }
    x = np.array([[1.0, 2.0], [3.0, 0.0]])
    # token 0: x W_1 + b_1 = [1, 1, 3] -> relu [1, 1, 3] -> [1 + 3, 1 + 3] + b_2 = [4.5, 4]
    # token 1: [3, -3, -1] -> relu [3, 0, 0] -> [3, 0] + b_2 = [3.5, 0]
    np.testing.assert_allclose(feed_forward(x, params), [[4.5, 4.0], [3.5, 0.0]])
    np.testing.assert_array_equal(relu(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0])


@given(st.permutations(range(5)), st.integers(0, 100))
def test_feed_forward_is_position_wise(perm, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 5, 6))  # (B, n, d)
    p = init_ffn_params(6, 12, seed=seed)
    out = feed_forward(x, p)
    np.testing.assert_allclose(feed_forward(x[:, perm], p), out[:, perm], atol=1e-12)
    np.testing.assert_allclose(feed_forward(x[0, 3], p), out[0, 3], atol=1e-12)


def test_init_ffn_params_shapes_seed_and_scale():
    p = init_ffn_params(64, 256, seed=3)
    assert {k: v.shape for k, v in p.items()} == {
        "W_1": (64, 256),
        "b_1": (256,),
        "W_2": (256, 64),
        "b_2": (64,),
    }
    np.testing.assert_array_equal(p["W_1"], init_ffn_params(64, 256, seed=3)["W_1"])
    assert not np.allclose(p["W_1"][:4, :4], init_ffn_params(64, 256, seed=4)["W_1"][:4, :4])
    assert abs(p["W_1"].std() - 1 / 8) < 0.01 and abs(p["W_2"].std() - 1 / 16) < 0.005


@pytest.mark.parametrize(
    ("params", "error", "words"),
    [
        ([1, 2], TypeError, "dict"),
        ({"W_1": np.ones((4, 8))}, ValueError, "missing"),
        (
            {"W_1": np.ones((3, 8)), "b_1": np.ones(8), "W_2": np.ones((8, 4)), "b_2": np.ones(4)},
            ValueError,
            r"W_1 must have shape \(4, 8\)",
        ),
        (
            {"W_1": np.ones((4, 8)), "b_1": np.ones(8), "W_2": np.ones((8, 5)), "b_2": np.ones(4)},
            ValueError,
            r"W_2 must have shape \(8, 4\)",
        ),
        (
            {"W_1": np.ones(4), "b_1": np.ones(8), "W_2": np.ones((8, 4)), "b_2": np.ones(4)},
            ValueError,
            "d_model, d_ff",
        ),
    ],
)
def test_feed_forward_errors(params, error, words):
    with pytest.raises(error, match=words):
        feed_forward(np.ones((2, 4)), params)


def test_ffn_counts_for_the_paper_and_the_crossover_with_attention():
    counts = count_ffn_parameters(512, 2048)
    assert counts["total"] == 2 * 512 * 2048 + 2048 + 512 == 2_099_712
    assert counts["total"] == 2 * count_parameters(512, 8)["total"] - 1536
    assert ffn_macs(128, 512, 2048) == 268_435_456
    for d, h, d_ff in ((512, 8, 2048), (256, 4, 1024), (64, 2, 512)):
        n = d_ff - 2 * d  # 4 n d^2 + 2 n^2 d = 2 n d d_ff
        assert attention_macs(n, d, h)["total"] == ffn_macs(n, d, d_ff)
        assert attention_macs(n - 1, d, h)["total"] < ffn_macs(n - 1, d, d_ff)
        assert attention_macs(n + 1, d, h)["total"] > ffn_macs(n + 1, d, d_ff)
    with pytest.raises(ValueError, match="d_ff"):
        ffn_macs(4, 8, 0)


# --- cross-attention ------------------------------------------------------------------------


def identity_params(d):
    eye = np.eye(d)
    return {"W_q": eye, "W_k": eye, "W_v": eye, "W_o": eye}


def test_two_token_cross_attention_known_answer_by_hand():
    y = np.array([[2.0, 0, 0, 0], [0, 0, 2.0, 0]])  # 2 target tokens
    x = np.array([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])  # 3 source tokens
    # scores q.k / sqrt(4): [[2, 0, 0], [0, 0, 2]]
    e = np.exp(2.0)
    weights = np.array([[e, 1, 1], [1, 1, e]]) / (e + 2)
    out, w = multi_head_attention(y, x, identity_params(4), 1)
    np.testing.assert_allclose(w[0], weights, rtol=1e-12)
    np.testing.assert_allclose(out, weights @ x, rtol=1e-12)
    assert out.shape == (2, 4) and w.shape == (1, 2, 3)
    # block source token 2 for both target tokens: row 1 becomes [1/2, 1/2, 0]
    _, w = multi_head_attention(y, x, identity_params(4), 1, mask=np.array([[True, True, False]]))
    np.testing.assert_allclose(w[0], [[e / (e + 1), 1 / (e + 1), 0], [0.5, 0.5, 0]], rtol=1e-12)


def test_the_notebooks_worked_example():
    ex = cross_attention_example()
    assert ex["X_src"].shape == (5, 4) and ex["Y_tgt"].shape == (3, 4)
    assert ex["source"][-1] == "<pad>" and not ex["X_src"][-1].any()
    q, k, v = ex["Y_tgt"] @ ex["W_q"], ex["X_src"] @ ex["W_k"], ex["X_src"] @ ex["W_v"]
    scores = q @ k.T / 2
    np.testing.assert_array_equal(scores, [[2, 1, 0, 0, 0], [0, 1, 2, 0, 0], [0, 2, 1, 0, 0]])
    e = np.exp(1.0)
    _, w = scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(w[0, 0], e**2 / (e**2 + e + 3))
    assert round(w[0, 0], 3) == 0.564 and round(w[0, -1], 3) == 0.076
    mask = padding_mask([ex["src_length"]], 5)[0]
    _, w = scaled_dot_product_attention(q, k, v, mask=mask)
    np.testing.assert_allclose(w[0, 0], e**2 / (e**2 + e + 2))
    assert round(w[0, 0], 2) == 0.61 and (w[:, -1] == 0).all()
    argmax = [ex["source"][i] for i in w.argmax(axis=1)]
    assert argmax == ["le", "noir", "chat"]  # the -> le, black -> noir, cat -> chat


# --- the encoder layer ----------------------------------------------------------------------


def test_init_layer_params_keys_shapes_and_seeds():
    enc = init_encoder_layer_params(16, 4, 64, seed=1)
    assert list(enc) == ["self_attn", "ffn", "norm1", "norm2"]
    assert enc["self_attn"]["W_q"].shape == (16, 16) and enc["ffn"]["W_1"].shape == (16, 64)
    assert set(enc["norm1"]) == {"gamma", "beta"}
    dec = init_decoder_layer_params(16, 4, 64, seed=1)
    assert list(dec) == ["self_attn", "cross_attn", "ffn", "norm1", "norm2", "norm3"]
    assert not np.allclose(dec["self_attn"]["W_q"], dec["cross_attn"]["W_q"])
    again = init_decoder_layer_params(16, 4, 64, seed=1)
    np.testing.assert_array_equal(dec["cross_attn"]["W_v"], again["cross_attn"]["W_v"])
    other = init_encoder_layer_params(16, 4, 64, seed=2)
    assert not np.allclose(enc["ffn"]["W_1"], other["ffn"]["W_1"])
    stack = init_encoder_stack(3, 8, 2, 16, seed=5)
    assert len(stack) == 3 and not np.allclose(stack[0]["ffn"]["W_2"], stack[1]["ffn"]["W_2"])


def by_hand_encoder(x, p, h, mask=None, norm_first=False):
    """The two formulas of notebook 04, section 6, written out."""

    def ln(z, name):
        return layer_norm(z, p[name]["gamma"], p[name]["beta"])

    def attn(z):
        return multi_head_attention(z, z, p["self_attn"], h, mask=mask)[0]

    if norm_first:
        x = x + attn(ln(x, "norm1"))
        return x + feed_forward(ln(x, "norm2"), p["ffn"])
    x = ln(x + attn(x), "norm1")
    return ln(x + feed_forward(x, p["ffn"]), "norm2")


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_is_the_two_formulas(norm_first):
    p = varied_encoder_params()
    x = np.random.default_rng(1).normal(size=(2, 5, 8))  # (B, n, d)
    mask = padding_mask([5, 3], 5)  # (B, 1, n)
    out, w = encoder_layer(x, p, 2, mask=mask, norm_first=norm_first)
    assert out.shape == (2, 5, 8) and w.shape == (2, 2, 5, 5)
    np.testing.assert_allclose(out, by_hand_encoder(x, p, 2, mask, norm_first), atol=1e-12)
    np.testing.assert_array_equal(w[1, :, :, 3:], 0)  # padded keys of sequence 1
    single, _ = encoder_layer(x[1], p, 2, mask=mask[1], norm_first=norm_first)
    np.testing.assert_allclose(single, out[1], atol=1e-12)


def test_post_ln_output_has_the_norms_statistics():
    p = init_encoder_layer_params(8, 2, 32, seed=3)  # gamma = 1, beta = 0
    out, _ = encoder_layer(np.random.default_rng(3).normal(size=(4, 8)) * 7, p, 2)
    np.testing.assert_allclose(out.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), np.sqrt(8), rtol=1e-5)


@given(st.permutations(range(5)))
def test_encoder_layer_is_permutation_equivariant(perm):
    p = varied_encoder_params(seed=4)
    x = np.random.default_rng(4).normal(size=(5, 8))
    for norm_first in (False, True):
        out, _ = encoder_layer(x, p, 2, norm_first=norm_first)
        shuffled, _ = encoder_layer(x[list(perm)], p, 2, norm_first=norm_first)
        np.testing.assert_allclose(shuffled, out[list(perm)], atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layers_keep_the_dtype_of_inputs_and_weights(dtype):
    def cast(tree):
        if isinstance(tree, dict):
            return {k: cast(v) for k, v in tree.items()}
        return None if tree is None else tree.astype(dtype)

    enc, dec = cast(init_encoder_layer_params(8, 2, 16)), cast(init_decoder_layer_params(8, 2, 16))
    x = np.ones((3, 8), dtype=dtype) * np.arange(8, dtype=dtype)
    out, w = encoder_layer(x, enc, 2)
    assert out.dtype == dtype and w.dtype == dtype
    outs = decoder_layer(x, out, dec, 2, self_mask=causal_mask(3), norm_first=True)
    assert {o.dtype for o in outs} == {np.dtype(dtype)}


def full_width_layer():
    layer = init_encoder_layer_params(4, 2, 16, seed=0)
    layer["self_attn"] = init_mha_params(4, 2, d_k=4, d_v=4, bias=False)
    layer["self_attn"]["W_o"] = np.eye(8)  # keeps h * d_model = 8 columns
    return layer


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda x: encoder_layer(x, full_width_layer(), 2), ValueError, r"residual.*width 8"),
        (lambda x: encoder_layer(x, [1], 2), TypeError, "dict"),
        (lambda x: encoder_layer(x, {"self_attn": {}}, 2), ValueError, "missing"),
        (
            lambda x: encoder_layer(x, {**init_encoder_layer_params(4, 2, 8), "norm1": 1}, 2),
            ValueError,
            "gamma",
        ),
        (lambda x: encoder_layer(x[0], init_encoder_layer_params(4, 2, 8), 2), ValueError, "axes"),
        (
            lambda x: encoder_layer(x, init_encoder_layer_params(4, 2, 8), 3),
            ValueError,
            "multiple",
        ),
        (
            lambda x: encoder_layer(
                x, init_encoder_layer_params(4, 2, 8), 2, mask=np.ones((2, 2))
            ),
            TypeError,
            "boolean",
        ),
        (
            lambda x: decoder_layer(x, x[:, :2], init_encoder_layer_params(4, 2, 8), 2),
            ValueError,
            "cross_attn",
        ),
        (
            lambda x: decoder_layer(x, np.ones((5, 6)), init_decoder_layer_params(4, 2, 8), 2),
            ValueError,
            "d_model",
        ),
        (
            lambda x: decoder_layer(
                x, x, init_decoder_layer_params(4, 2, 8), 2, memory_mask=np.ones((1, 4), bool)
            ),
            ValueError,
            "broadcast",
        ),
    ],
)
def test_layer_errors_say_what_was_expected(call, error, words):
    x = np.random.default_rng(0).normal(size=(3, 4))
    with pytest.raises(error, match=words):
        call(x)


# --- the decoder layer ----------------------------------------------------------------------


def by_hand_decoder(y, m, p, h, self_mask, memory_mask, norm_first):
    def ln(z, name):
        return layer_norm(z, p[name]["gamma"], p[name]["beta"])

    def attn(name, q, kv, mask):
        return multi_head_attention(q, kv, p[name], h, mask=mask)[0]

    if norm_first:
        z = ln(y, "norm1")
        y = y + attn("self_attn", z, z, self_mask)
        y = y + attn("cross_attn", ln(y, "norm2"), m, memory_mask)
        return y + feed_forward(ln(y, "norm3"), p["ffn"])
    y = ln(y + attn("self_attn", y, y, self_mask), "norm1")
    y = ln(y + attn("cross_attn", y, m, memory_mask), "norm2")
    return ln(y + feed_forward(y, p["ffn"]), "norm3")


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_is_the_three_sublayers(norm_first):
    rng = np.random.default_rng(6)
    y, m = rng.normal(size=(2, 3, 8)), rng.normal(size=(2, 5, 8))  # (B, n_tgt, d), (B, n_src, d)
    p = varied_decoder_params(seed=6)
    self_mask, memory_mask = causal_mask(3), padding_mask([5, 2], 5)
    out, self_w, cross_w = decoder_layer(y, m, p, 2, self_mask, memory_mask, norm_first)
    assert (
        out.shape == (2, 3, 8) and self_w.shape == (2, 2, 3, 3) and cross_w.shape == (2, 2, 3, 5)
    )
    expected = by_hand_decoder(y, m, p, 2, self_mask, memory_mask, norm_first)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    np.testing.assert_array_equal(np.triu(self_w, k=1), 0)  # nothing above the diagonal
    np.testing.assert_array_equal(cross_w[1, :, :, 2:], 0)  # padded source tokens
    np.testing.assert_allclose(cross_w.sum(axis=-1), 1, atol=1e-12)


@given(st.integers(0, 3), st.integers(0, 10_000), st.booleans())
def test_decoder_row_i_ignores_target_tokens_after_i(i, seed, norm_first):
    rng = np.random.default_rng(seed)
    y, m = rng.normal(size=(4, 8)), rng.normal(size=(5, 8))
    p = varied_decoder_params(seed=seed % 7)
    changed = y.copy()
    changed[i + 1 :] = rng.normal(size=changed[i + 1 :].shape) * 3  # every token after i
    run = [
        decoder_layer(t, m, p, 2, causal_mask(4), norm_first=norm_first)[0] for t in (y, changed)
    ]
    np.testing.assert_allclose(run[0][: i + 1], run[1][: i + 1], atol=1e-12)
    if i < 3:  # without the causal mask, row 0 sees the change
        free = [decoder_layer(t, m, p, 2, norm_first=norm_first)[0] for t in (y, changed)]
        assert not np.allclose(free[0][0], free[1][0])


# --- stacks and the measurements of sections 4 and 6 -----------------------------------------


def test_residual_stack_is_the_layers_without_norms():
    ex = stack_example()
    x, layers, h = ex["x"], ex["layers"][:2], ex["num_heads"]
    manual = x
    for p in layers:
        manual = manual + multi_head_attention(manual, manual, p["self_attn"], h)[0]
        manual = manual + feed_forward(manual, p["ffn"])
    np.testing.assert_allclose(residual_stack(x, layers, h), manual, atol=1e-12)
    plain = feed_forward(
        multi_head_attention(x, x, layers[0]["self_attn"], h)[0], layers[0]["ffn"]
    )
    np.testing.assert_allclose(residual_stack(x, layers[:1], h, residual=False), plain)


def test_stack_example_sizes_and_seed():
    ex = stack_example()
    s = STACK_SIZES
    assert ex["x"].shape == ex["direction"].shape == (s["n"], s["d_model"])
    assert len(ex["layers"]) == s["num_layers"] and ex["num_heads"] == s["num_heads"]
    assert ex["layers"][0]["ffn"]["W_1"].shape == (s["d_model"], s["d_ff"])
    np.testing.assert_array_equal(stack_example()["x"], ex["x"])
    np.testing.assert_allclose(stack_example(scale=10)["x"], 10 * ex["x"])


def test_stream_norms_post_ln_fixed_pre_ln_grows_and_final_norm():
    ex = stack_example()
    post = stream_norms(ex["x"], ex["layers"], ex["num_heads"], norm_first=False)
    pre = stream_norms(ex["x"], ex["layers"], ex["num_heads"], norm_first=True)
    assert post.shape == pre.shape == (25,)
    assert post[0] == pre[0] == np.linalg.norm(ex["x"], axis=-1).mean()
    np.testing.assert_allclose(post[1:], np.sqrt(8), rtol=1e-5)  # gamma 1, beta 0
    assert pre[24] > 4 * pre[0]
    assert pre[24] < pre[21]  # grows overall, but an addition can also shorten it
    out = encoder_stack(ex["x"], ex["layers"], ex["num_heads"], norm_first=True)
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), np.sqrt(8), rtol=1e-5)
    raw = encoder_stack(ex["x"], ex["layers"], ex["num_heads"], norm_first=True, final_norm=False)
    np.testing.assert_allclose(np.linalg.norm(raw, axis=-1).mean(), pre[24])
    post_out = encoder_stack(ex["x"], ex["layers"][:2], 2, final_norm=False)  # post-LN: no-op
    np.testing.assert_array_equal(post_out, encoder_stack(ex["x"], ex["layers"][:2], 2))


def test_input_gradient_of_a_linear_map_is_exact():
    rng = np.random.default_rng(0)
    A, x, R = rng.normal(size=(3, 5)), rng.normal(size=(2, 3)), rng.normal(size=(2, 5))
    # L = sum((x A) * R) -> dL/dx = R A^T
    np.testing.assert_allclose(input_gradient(lambda z: z @ A, x, R), R @ A.T, atol=1e-8)
    np.testing.assert_allclose(input_gradient_norm(lambda z: z @ A, x, R), np.linalg.norm(R @ A.T))


def test_input_gradient_is_numerical_gradient_in_one_batch():
    ex = stack_example()
    x, R, layers = ex["x"], ex["direction"], ex["layers"][:3]
    for run in (
        lambda z: residual_stack(z, layers, 2, residual=False),
        lambda z: encoder_stack(z, layers, 2, norm_first=True),
    ):
        one_by_one = numerical_gradient(lambda z, run=run: np.sum(run(z) * R), x)
        np.testing.assert_allclose(input_gradient(run, x, R), one_by_one, rtol=1e-6, atol=1e-9)


def test_input_gradient_needs_a_batch_axis():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="leading batch axis"):
        input_gradient(lambda z: z.sum(), x, 1.0)
    with pytest.raises(ValueError, match="leading batch axis"):
        input_gradient(lambda z: z[0], x, np.ones((2, 3)))
    with pytest.raises(ValueError, match="eps"):
        input_gradient(lambda z: z, x, x, eps=0.0)


@pytest.mark.parametrize("norm_first", [False, True])
def test_stack_steps_in_order_are_the_stack(norm_first):
    ex = stack_example()
    layers = ex["layers"][:3]
    steps = stack_steps(layers, 2, norm_first=norm_first)
    z = ex["x"]
    for _, _, step in steps:
        z = step(z)
    np.testing.assert_allclose(z, encoder_stack(ex["x"], layers, 2, norm_first=norm_first))
    kinds = [kind for _, kind, _ in steps]
    if norm_first:
        assert kinds == ["sublayer"] * 6 + ["final norm"]
        assert len(stack_steps(layers, 2, norm_first=True, final_norm=False)) == 6
    else:
        assert kinds == ["sublayer", "norm"] * 6
    assert steps[0][0] == (
        "layer 1 x + attention(norm1(x))" if norm_first else "layer 1 x + attention(x)"
    )


@pytest.mark.parametrize("norm_first", [False, True])
def test_gradient_by_step_is_the_chain_rule(norm_first):
    """Step by step, the factors multiply to the gradient measured through the whole stack."""
    ex = stack_example()
    x, R, layers = ex["x"], ex["direction"], ex["layers"][:6]
    back = gradient_by_step(x, stack_steps(layers, 2, norm_first=norm_first), R)
    whole = input_gradient_norm(lambda z: encoder_stack(z, layers, 2, norm_first=norm_first), x, R)
    np.testing.assert_allclose(back["grad_in"][0], whole, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(R) * np.prod(back["factor"]), whole, rtol=1e-6)
    np.testing.assert_allclose(back["grad_out"][-1], np.linalg.norm(R))
    np.testing.assert_allclose(back["grad_out"][:-1], back["grad_in"][1:])


def fresh_norm(z):
    return layer_norm(z, np.ones(z.shape[-1]), np.zeros(z.shape[-1]))


def test_a_norm_multiplies_a_gradient_by_at_most_one_over_its_spread():
    rng = np.random.default_rng(3)
    for _ in range(20):
        s, g = rng.normal(size=(1, 8)) * rng.uniform(0.3, 5), rng.normal(size=(1, 8))
        passed = np.linalg.norm(input_gradient(fresh_norm, s, g))
        assert passed <= np.linalg.norm(g) / s.std() * (1 + 1e-6)


@pytest.mark.parametrize("scale", [0.01, 1.0, 30.0])
def test_layer_norm_jacobian_is_a_projection_divided_by_sigma(scale):
    """Notebook 04's notes: with x_hat = (s - mean) / sigma, sigma = sqrt(var + eps), the
    Jacobian of a fresh norm is J = (I - 1 1^T / d - x_hat x_hat^T / d) / sigma."""
    d, eps, h = 8, 1e-5, 1e-6
    s = np.random.default_rng(5).normal(size=d) * scale
    sigma = np.sqrt(s.var() + eps)
    x_hat = (s - s.mean()) / sigma
    J = (np.eye(d) - np.ones((d, d)) / d - np.outer(x_hat, x_hat) / d) / sigma  # (d, d)
    measured = np.stack(
        [(fresh_norm(s + h * e) - fresh_norm(s - h * e)) / (2 * h) for e in np.eye(d)], axis=1
    )  # (d, d): column j = d norm(s) / d s_j
    np.testing.assert_allclose(measured, J, atol=1e-6 / sigma)
    # the bracket keeps d - 2 directions, removes 1, and keeps eps / sigma^2 of x_hat
    eigenvalues = np.sort(np.linalg.eigvalsh(J * sigma))
    np.testing.assert_allclose(eigenvalues[2:], 1, atol=1e-12)
    np.testing.assert_allclose(eigenvalues[:2], sorted([0, eps / sigma**2]), atol=1e-12)


SEEDS = range(5)  # the notebook's table of seeds


@pytest.mark.parametrize("seed", SEEDS)
def test_the_measured_pattern_holds_for_other_seeds(seed):
    """What notebook 04 says of its five seeds: without residuals the gradient vanishes, with
    residuals alone it grows; at 24 layers post-LN's is 10 to 500 times smaller than pre-LN's
    (with its final norm), and pre-LN's stays within a factor 5 of its 1-layer value."""
    ex = stack_example(seed=seed)
    x, R, h, layers = ex["x"], ex["direction"], ex["num_heads"], ex["layers"]
    g = {}
    for depth in (1, 24):
        for kind, run in (
            ("plain", lambda z, d=depth: residual_stack(z, layers[:d], h, residual=False)),
            ("residual", lambda z, d=depth: residual_stack(z, layers[:d], h)),
            ("post", lambda z, d=depth: encoder_stack(z, layers[:d], h)),
            ("pre", lambda z, d=depth: encoder_stack(z, layers[:d], h, norm_first=True)),
        ):
            g[kind, depth] = input_gradient_norm(run, x, R)
    assert g["plain", 24] < 1e-3 * g["plain", 1]  # vanishes without residuals
    assert g["residual", 24] > 10 * g["residual", 1]  # grows without norms
    assert 10 < g["pre", 24] / g["post", 24] < 500
    assert 0.2 < g["pre", 24] / g["pre", 1] < 5


def test_the_notebooks_numbers():
    """The numbers notebook 04 quotes in its prose (its cells print them too)."""
    ex = stack_example()
    x, R, h, layers = ex["x"], ex["direction"], ex["num_heads"], ex["layers"]
    assert round(float(np.linalg.norm(R)), 2) == 5.69  # the gradient through 0 layers

    def measure(run):
        return [input_gradient_norm(lambda z, d=d: run(z, layers[:d]), x, R) for d in (1, 24)]

    plain = measure(lambda z, ls: residual_stack(z, ls, h, residual=False))
    residual = measure(lambda z, ls: residual_stack(z, ls, h))
    assert 1e-7 < plain[1] < 1e-6 and 1e5 < residual[1] < 1e7
    out = residual_stack(x, layers, h, residual=False)
    assert out.std(axis=0).mean() < 1e-12  # every token the same vector
    post = gradient_by_step(x, stack_steps(layers, h), R)
    kinds = np.array(post["kinds"])
    typical = np.exp(np.log(post["factor"][kinds == "norm"]).mean())
    assert 0.75 < typical < 0.82  # about 1 / 1.27: a norm divides by its input's spread
    assert 1.1 < np.exp(np.log(post["factor"][kinds == "sublayer"]).mean()) < 1.25


# --- figures --------------------------------------------------------------------------------


def canvas_gaps(fig) -> dict:
    """Inches between the drawn content and each edge of the canvas (shown uncropped)."""
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    width, height = fig.get_size_inches()
    return {"left": box.x0, "bottom": box.y0, "right": width - box.x1, "top": height - box.y1}


def test_figures_draw_inside_their_canvas_with_large_text(presentation):
    """In both styles (the presentation style's text is larger still: at least 13.5 pt)."""
    from utils.plotting import block as figs

    cheap = [name for name in figs.FIGURES if "gradient" not in name]  # those measure, slowly
    drawn = [figs.FIGURES[name]() for name in cheap]
    series = {"no residual": [2, 0.2, 3e-7], "pre-LN, no final norm": [9, 39, 33]}
    drawn.append(figs.gradient_depth_figure((1, 6, 24), series, "t", reference=5.69))
    for name, fig in zip([*cheap, "gradient"], drawn, strict=True):
        fig.canvas.draw()
        for side, gap in canvas_gaps(fig).items():
            assert gap >= 0.03, f"{name}: content cut off at the {side} edge"
            assert gap <= 1.0, f"{name}: {gap:.2f} in of empty margin on the {side}"
        sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
        smallest = 13.5 if presentation else 10
        assert min(sizes) >= smallest, f"{name} has text smaller than {smallest} pt"
        plt.close(fig)
    assert all(name.startswith("04_") for name in figs.FIGURES)


def test_cross_attention_figure_writes_the_worked_example():
    from utils.plotting.block import cross_attention_figure

    fig = cross_attention_figure()
    left, right = fig.axes[:2]
    assert [t.get_text() for t in left.texts][:2] == ["0.56", "0.21"]
    assert [t.get_text() for t in right.texts][4] == "0.00"  # <pad> of "the", masked
    assert [t.get_text() for t in left.get_xticklabels()][-1] == "<pad>"
    plt.close(fig)


def test_gradient_figure_writes_every_value():
    from utils.plotting.block import _short, gradient_depth_figure

    fig = gradient_depth_figure((1, 24), {"post-LN (the paper)": [10, 0.17]}, "t")
    assert {t.get_text() for t in fig.axes[0].texts} == {"10", "0.17"}
    plt.close(fig)
    series = {"no residual": [1.8, 0.19, 3.6e-7]}  # 14 powers of 10: a label spans 5x
    fig = gradient_depth_figure((1, 6, 24), series, "t", reference=5.69)
    texts = {t.get_text(): t for t in fig.axes[0].texts}
    assert set(texts) == {"1.8", "0.19", "3.6e-7", "0 layers:\n5.7"}
    assert texts["1.8"].get_va() == "top"  # inside its bar: the line at 5.7 would cross it
    assert texts["0.19"].get_va() == "bottom"
    assert [line.get_ydata()[0] for line in fig.axes[0].lines] == [5.69]
    plt.close(fig)
    assert [_short(v) for v in (0.19, 9.2, 420.4, 1.2e6, 3.6e-7)] == [
        "0.19",
        "9.2",
        "420",
        "1.2e6",
        "3.6e-7",
    ]
