"""utils.examples: the worked examples and measurements behave as the notebooks say."""

import numpy as np

from utils.attention import causal_mask, softmax
from utils.examples import (
    SENTENCE,
    encoding_at,
    entropy,
    it_embeddings,
    it_head_attention,
    it_head_weights,
    measure_scaling,
    nearest_token_qk,
    next_token_accuracy,
    scaling_table,
    softmax_jacobian_norm,
    toy_attention,
    toy_example,
    worked_example_heads,
)
from utils.positional import sinusoidal_encoding


def test_toy_example_numbers_by_hand():
    ex = toy_example()
    assert ex["X"].shape == (4, 3) and ex["W_q"].shape == (3, 4)
    out, weights = toy_attention()
    Q, K = ex["X"] @ ex["W_q"], ex["X"] @ ex["W_k"]
    np.testing.assert_array_equal(
        Q @ K.T, [[3, 3, 4, 2], [4, 0, 2, 2], [5, 2, 4, 3], [2, 1, 2, 1]]
    )
    scores = Q @ K.T
    assert scores[1, 0] != scores[0, 1]  # not symmetric: q_cat . k_the != q_the . k_cat
    wrong_axis = softmax(scores / 2, axis=0)
    assert not np.allclose(wrong_axis, weights.T)  # the wrong axis is not just a transpose
    np.testing.assert_allclose(weights, softmax(Q @ K.T / 2))
    np.testing.assert_allclose(out, weights @ (ex["X"] @ ex["W_v"]))


def test_entropy_and_jacobian_known_values():
    np.testing.assert_allclose(entropy(np.full(4, 0.25)), np.log(4))
    assert entropy(np.array([1.0, 0.0, 0.0])) == 0
    assert softmax_jacobian_norm(np.array([1.0, 0.0])) == 0
    # two equal weights: J = [[.25, -.25], [-.25, .25]], norm 0.5
    np.testing.assert_allclose(softmax_jacobian_norm(np.array([0.5, 0.5])), 0.5)


def test_measure_scaling_shows_the_three_regimes():
    s = measure_scaling(d_ks=(1, 16, 256), n_samples=2000, n_trials=200)
    np.testing.assert_allclose(s["var_dot"], [1, 16, 256], rtol=0.15)
    np.testing.assert_allclose(s["score_std"]["sqrt"], 1.0, rtol=0.1)
    np.testing.assert_allclose(s["score_std"]["linear"], [1, 1 / 4, 1 / 16], rtol=0.15)
    assert s["max_weight"]["none"][-1] > 0.85  # saturated
    assert s["jac_norm"]["none"][-1] < 0.5 * s["jac_norm"]["sqrt"][-1]  # vanishing gradient
    assert abs(s["entropy"]["linear"][-1] - np.log(16)) < 0.01  # uniform
    assert s["no_grad"]["sqrt"][-1] == 0 and s["no_grad"]["none"][-1] > 0.3
    table = scaling_table(s, "max_weight").splitlines()
    assert len(table) == 4 and table[0].split() == ["d_k", "none", "/sqrt(d_k)", "/d_k"]
    assert table[3].split()[0] == "256"
    np.testing.assert_array_equal(
        measure_scaling(d_ks=(4,))["var_dot"], measure_scaling(d_ks=(4,))["var_dot"]
    )


def test_nearest_token_qk_prefers_the_nearest_key():
    q, k = nearest_token_qk(5, sharpness=1.0)
    assert q.shape == k.shape == (5, 2)
    scores = q @ k.T  # (5, 5): row i = i**2 - (i - j)**2
    i, j = np.indices((5, 5))
    np.testing.assert_allclose(scores, i**2 - (i - j) ** 2)


def test_next_token_accuracy_right_mask_is_chance_flipped_mask_is_perfect():
    ids = np.random.default_rng(0).integers(0, 10, size=(400, 12))  # (batch, n)
    q, k = nearest_token_qk(12)
    right = causal_mask(12)
    flipped = (1 - right.astype(int)).astype(bool)  # the TF mask read as True = may attend
    assert next_token_accuracy(ids, q, k, flipped) == 1.0  # reads token i + 1: the answer
    chance = (ids[:, 1:] == ids[:, :-1]).mean()  # attends to itself: right when repeated
    assert abs(next_token_accuracy(ids, q, k, right) - chance) < 1e-12
    assert abs(chance - 0.1) < 0.02


def test_it_example_heads_attend_to_animal_and_tired():
    weights = it_head_attention()  # (2, 11, 11)
    assert weights.shape == (2, 11, 11)
    row = SENTENCE.index("it")
    assert SENTENCE[int(weights[0, row].argmax())] == "animal"
    assert SENTENCE[int(weights[1, row].argmax())] == "tired"
    assert weights[0, row].max() > 0.9 and weights[1, row].max() > 0.9
    # the other noun gets more than the non-nouns in head 0, less than the animate one
    street = SENTENCE.index("street")
    assert weights[0, row, 0] < weights[0, row, street] < weights[0, row, 1]
    # tokens with a zero query attend uniformly
    np.testing.assert_allclose(weights[:, 0], 1 / 11)


def test_it_example_inputs():
    x = it_embeddings()
    assert x.shape == (11, 6) and set(np.unique(x)) == {0.0, 1.0}
    heads = it_head_weights()
    assert len(heads) == 2
    assert all(w.shape == (6, 3) for head in heads for w in head.values())


def test_worked_example_is_two_full_width_heads():
    z = worked_example_heads()
    assert [a.shape for a in z] == [(2, 3), (2, 3)]
    assert not np.allclose(z[0], z[1])


def test_encoding_at_integer_positions_is_the_encoding_and_smooth_in_between():
    for variant in ("interleaved", "concatenated", "tensor2tensor"):
        rows = encoding_at(np.arange(30), 16, variant=variant)  # (30, 16)
        np.testing.assert_allclose(rows, sinusoidal_encoding(30, 16, variant=variant), atol=1e-12)
    half = encoding_at([0.5, 2.25], 8)  # (2, 8): real positions
    np.testing.assert_allclose(half[:, 0], np.sin([0.5, 2.25]))  # column 0 = sin(pos)
    np.testing.assert_allclose(half[:, 1], np.cos([0.5, 2.25]))  # column 1 = cos(pos)
