"""utils.learn: hand-written gradients against central differences, the model, Adam, the
tasks, short training runs from the notebook's seeds, and the figures of notebook 05."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from utils.attention import causal_mask, padding_mask, scaled_dot_product_attention  # noqa: E402
from utils.gradients import numerical_gradient, relative_error  # noqa: E402
from utils.learn import (  # noqa: E402
    EXPERIMENTS,
    IGNORE,
    LOOKUP,
    MAJORITY,
    PARAM_NAMES,
    REPEAT,
    REVERSE,
    SHIFT,
    AlibiPositions,
    Positions,
    RopePositions,
    SinusoidalPositions,
    Task,
    adam_init,
    adam_step,
    backward,
    cross_entropy,
    evaluate,
    experiment,
    forward,
    graded_predictable,
    gradient_report,
    init_params,
    make_split,
    position_blind_ceiling,
    position_blind_chances,
    position_scheme,
    repeat_loss_floor,
    right_weight,
    scaled_dot_product_attention_backward,
    softmax_backward,
    train,
)

# --- softmax_backward -----------------------------------------------------------------------


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_backward_equals_central_differences(axis):
    rng = np.random.default_rng(0)
    s, g = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 4, 5))
    p = _softmax(s, axis)
    numerical = numerical_gradient(lambda a: (_softmax(a, axis) * g).sum(), s)
    assert relative_error(softmax_backward(p, g, axis=axis), numerical) < 1e-6


def test_softmax_backward_is_the_jacobian_product_row_by_row():
    rng = np.random.default_rng(1)
    p = _softmax(rng.normal(size=(4, 6)))
    dp = rng.normal(size=(4, 6))
    ours = softmax_backward(p, dp)
    for row in range(4):
        jacobian = np.diag(p[row]) - np.outer(p[row], p[row])  # (6, 6), notebook 01
        np.testing.assert_allclose(ours[row], jacobian.T @ dp[row], atol=1e-14)


def test_softmax_backward_gives_blocked_entries_exactly_zero():
    p = np.array([[0.25, 0.0, 0.75], [0.0, 0.0, 0.0]])  # a blocked key; a fully blocked row
    ds = softmax_backward(p, np.array([[1.0, 5.0, -2.0], [3.0, 1.0, 2.0]]))
    assert ds[0, 1] == 0 and np.all(ds[1] == 0)


@given(
    st.lists(st.floats(-30, 30), min_size=1, max_size=8),
    st.lists(st.floats(-5, 5), min_size=8, max_size=8),
)
def test_softmax_backward_rows_sum_to_zero(scores, upstream):
    """Adding a constant to every score of a row changes no weight: its gradient sums to 0."""
    p = _softmax(np.array(scores))
    ds = softmax_backward(p, np.array(upstream[: len(scores)]))
    assert abs(ds.sum()) < 1e-9 * (1 + np.abs(upstream).max())


def test_softmax_backward_errors():
    with pytest.raises(ValueError, match="same shape"):
        softmax_backward(np.ones((2, 3)) / 3, np.ones((2, 4)))
    with pytest.raises(ValueError, match="axis 2 does not exist"):
        softmax_backward(np.ones((2, 3)) / 3, np.ones((2, 3)), axis=2)
    with pytest.raises(TypeError, match="axis must be an integer"):
        softmax_backward(np.ones(3) / 3, np.ones(3), axis=0.5)
    with pytest.raises(ValueError, match="NaN"):
        softmax_backward(np.array([np.nan, 1.0]), np.ones(2))
    with pytest.raises(ValueError, match="at least one axis"):
        softmax_backward(1.0, 1.0)


# --- scaled_dot_product_attention_backward --------------------------------------------------


def _numerical_qkv_grads(q, k, v, g, mask=None, scale=None):
    """Central differences of L = sum(out * g) with respect to q, k and v."""

    def loss(q_, k_, v_):
        out, _ = scaled_dot_product_attention(q_, k_, v_, mask=mask, scale=scale)
        return (out * g).sum()

    return (
        numerical_gradient(lambda a: loss(a, k, v), q),
        numerical_gradient(lambda a: loss(q, a, v), k),
        numerical_gradient(lambda a: loss(q, k, a), v),
    )


MASKS = {
    "none": lambda: None,
    "causal": lambda: causal_mask(4),
    "padding": lambda: padding_mask([4, 2], 4),  # (2, 1, 4), broadcast over queries
    "flipped causal": lambda: ~causal_mask(4),  # the last row fully blocked
}


@pytest.mark.parametrize("mask_name", sorted(MASKS))
def test_attention_backward_equals_central_differences(mask_name):
    rng = np.random.default_rng(2)
    q, k = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))  # (batch, n, d_k)
    v = rng.normal(size=(2, 4, 2))  # (batch, n, d_v)
    mask = MASKS[mask_name]()
    out, weights = scaled_dot_product_attention(q, k, v, mask=mask)
    g = rng.normal(size=out.shape)
    ours = scaled_dot_product_attention_backward(q, k, v, weights, g)
    numerical = _numerical_qkv_grads(q, k, v, g, mask)
    for name, mine, reference in zip("qkv", ours, numerical, strict=True):
        assert relative_error(mine, reference) < 1e-6, name


def test_attention_backward_rectangular_with_heads_and_a_scale():
    rng = np.random.default_rng(3)
    q = rng.normal(size=(2, 3, 5, 4))  # (batch, h, n_q, d_k)
    k, v = rng.normal(size=(2, 3, 6, 4)), rng.normal(size=(2, 3, 6, 2))  # n_k = 6
    out, weights = scaled_dot_product_attention(q, k, v, scale=0.3)
    g = rng.normal(size=out.shape)
    ours = scaled_dot_product_attention_backward(q, k, v, weights, g, scale=0.3)
    for mine, numerical in zip(ours, _numerical_qkv_grads(q, k, v, g, scale=0.3), strict=True):
        assert mine.shape == numerical.shape
        assert relative_error(mine, numerical) < 1e-6


def test_attention_backward_masked_entries_and_the_known_sums():
    """No gradient reaches a score a mask blocks; a fully blocked query sends nothing to q;
    since every unblocked row of weights sums to 1, the rows of dv add up to those of d_out."""
    rng = np.random.default_rng(4)
    q, k, v = (rng.normal(size=(4, 3)) for _ in range(3))
    mask = ~causal_mask(4)  # query 3 sees no key
    _, weights = scaled_dot_product_attention(q, k, v, mask=mask)
    g = rng.normal(size=(4, 3))
    dq, dk, dv = scaled_dot_product_attention_backward(q, k, v, weights, g)
    assert np.all(dq[3] == 0)
    assert np.all(dk[0] == 0)  # key 0 is visible to no query under the flipped mask
    np.testing.assert_allclose(dv.sum(axis=0), g[:3].sum(axis=0), atol=1e-12)


def test_attention_backward_keeps_float32():
    rng = np.random.default_rng(5)
    q, k, v = (rng.normal(size=(3, 4)).astype(np.float32) for _ in range(3))
    _, weights = scaled_dot_product_attention(q, k, v)
    grads = scaled_dot_product_attention_backward(q, k, v, weights, np.ones((3, 4), np.float32))
    assert all(g.dtype == np.float32 for g in grads)


def test_attention_backward_shape_errors_name_the_shapes():
    q, k, v = np.ones((3, 2)), np.ones((4, 2)), np.ones((4, 5))
    weights, g = np.full((3, 4), 0.25), np.ones((3, 5))
    with pytest.raises(ValueError, match=r"weights must have shape \(3, 4\)"):
        scaled_dot_product_attention_backward(q, k, v, weights.T, g)
    with pytest.raises(ValueError, match=r"d_out must have shape \(3, 5\)"):
        scaled_dot_product_attention_backward(q, k, v, weights, np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"k must have shape \(4, 2\)|v must have shape"):
        scaled_dot_product_attention_backward(q, k, np.ones((5, 5)), weights, g)
    with pytest.raises(ValueError, match="scale must be a finite"):
        scaled_dot_product_attention_backward(q, k, v, weights, g, scale=np.inf)


# --- the model ------------------------------------------------------------------------------


def _model_gradient_errors(params, tokens, targets, positions, mask=None):
    """``{name: relative error}`` of backward() against central differences."""
    logits, cache = forward(params, tokens, positions, mask)
    _, d_logits = cross_entropy(logits, targets)
    grads = backward(params, cache, d_logits)
    errors = {}
    for name in PARAM_NAMES:

        def loss(a, name=name):
            return cross_entropy(
                forward({**params, name: a}, tokens, positions, mask)[0], targets
            )[0]

        errors[name] = relative_error(grads[name], numerical_gradient(loss, params[name]))
    return errors


@pytest.mark.parametrize(
    "positions", ["sinusoidal", "none", "rope", AlibiPositions(slope=0.5)], ids=str
)
@pytest.mark.parametrize("masked", [False, True])
def test_model_gradient_equals_central_differences(positions, masked):
    rng = np.random.default_rng(6)
    params = init_params(7, 6, 4, n_out=5, seed=1)
    tokens = rng.integers(0, 7, size=(2, 5))  # ids repeat: np.add.at is needed
    targets = rng.integers(0, 5, size=(2, 5))
    targets[0, :2] = IGNORE
    mask = causal_mask(5) if masked else None
    errors = _model_gradient_errors(params, tokens, targets, positions, mask)
    assert max(errors.values()) < 1e-6, errors


def test_forward_steps_shapes_and_any_length():
    params = init_params(10, 8, 4, seed=0)
    for n in (3, 8, 20):  # no parameter depends on n
        tokens = np.zeros((2, n), dtype=int)
        for positions in ("sinusoidal", "none", "rope", "alibi"):
            logits, cache = forward(params, tokens, positions)
            assert logits.shape == (2, n, 10)
            assert cache["weights"].shape == (2, n, n)
            np.testing.assert_allclose(cache["weights"].sum(-1), 1)


def test_forward_errors():
    params = init_params(5, 4, 2)
    with pytest.raises(TypeError, match="integer ids"):
        forward(params, np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"\[0, 5\)"):
        forward(params, np.array([[0, 5]]))
    with pytest.raises(ValueError, match=r"\(batch, n\)"):
        forward(params, np.array([0, 1]))
    with pytest.raises(TypeError, match="params must be a dict"):
        forward({"E": params["E"]}, np.array([[0]]))
    with pytest.raises(ValueError, match="W_k"):
        forward({**params, "W_k": np.ones((3, 2))}, np.array([[0]]))
    with pytest.raises(ValueError, match="positions must be one of"):
        forward(params, np.array([[0]]), positions="learned")


def test_train_short_evaluate_long_as_the_module_docstring_says():
    """Notebook 06's use: train the shift task on length 8, evaluate on length 16."""
    train_data, test_data, _ = make_split(SHIFT, seed=0)
    params = init_params(SHIFT.vocab_size, 32, 16, seed=0)
    train(params, train_data, test_data, steps=80, positions="rope", log_every=80)
    longer = SHIFT.make(np.random.default_rng(1), 500, n=16)
    _, accuracy = evaluate(params, *longer, positions="rope")
    assert accuracy >= 0.9  # RoPE's scores depend on i - j only


def test_positions_hooks():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 4))
    rope = RopePositions()
    # rotate_backward is the transpose of rotate: <R x, y> = <x, R^T y>
    assert np.isclose((rope.rotate(x) * y).sum(), (x * rope.rotate_backward(y)).sum())
    np.testing.assert_allclose(rope.rotate_backward(rope.rotate(x)), x, atol=1e-12)
    np.testing.assert_array_equal(AlibiPositions(0.5).bias(2, 3), [[0, -0.5, -1], [-0.5, 0, -0.5]])
    assert AlibiPositions().slope == 2**-8
    assert SinusoidalPositions().encode(3, 4).shape == (3, 4)
    assert Positions().encode(3, 4) is None and Positions().bias(3, 3) is None
    assert position_scheme("none").name == "none" and position_scheme(rope) is rope
    assert repr(AlibiPositions(0.5)) == "AlibiPositions(slope=0.5)"


def test_init_params_shapes_and_seed():
    params = init_params(12, 8, 4, n_out=3, seed=5)
    shapes = {name: p.shape for name, p in params.items()}
    assert shapes == {
        "E": (12, 8),
        "W_q": (8, 4),
        "W_k": (8, 4),
        "W_v": (8, 4),
        "W_out": (4, 3),
        "b_out": (3,),
    }
    again = init_params(12, 8, 4, n_out=3, seed=5)
    assert all(np.array_equal(params[n], again[n]) for n in PARAM_NAMES)
    with pytest.raises(ValueError, match="d_model"):
        init_params(12, 0, 4)


# --- cross-entropy and Adam -----------------------------------------------------------------


def test_cross_entropy_known_values_and_gradient():
    loss, d = cross_entropy(np.zeros((1, 2, 4)), np.array([[3, IGNORE]]))
    assert loss == pytest.approx(np.log(4))
    np.testing.assert_allclose(d[0, 0], [0.25, 0.25, 0.25, -0.75])
    assert np.all(d[0, 1] == 0)  # not graded
    rng = np.random.default_rng(8)
    z, t = rng.normal(size=(3, 5)) * 10, np.array([0, 4, IGNORE])
    numerical = numerical_gradient(lambda a: cross_entropy(a, t)[0], z)
    assert relative_error(cross_entropy(z, t)[1], numerical) < 1e-6
    loss, _ = cross_entropy(np.array([[1000.0, -1000.0]]), np.array([1]))
    assert loss == pytest.approx(2000.0)  # stable: no overflow, no inf


def test_cross_entropy_errors():
    with pytest.raises(ValueError, match="targets must be integer class ids of shape"):
        cross_entropy(np.zeros((2, 3)), np.array([0]))
    with pytest.raises(ValueError, match="IGNORE"):
        cross_entropy(np.zeros((2, 3)), np.array([0, 3]))


def test_adam_matches_the_algorithm_by_hand():
    """Two steps of a one-number parameter, worked out from Kingma & Ba's Algorithm 1."""
    params, state = {"w": np.array([1.0])}, None
    state = adam_init(params)
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    w, m, v = 1.0, 0.0, 0.0
    for t, g in enumerate((0.5, -2.0), start=1):
        adam_step(params, {"w": np.array([g])}, state, lr=lr)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        w -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        assert params["w"][0] == pytest.approx(w, rel=1e-12)
    assert state["t"] == 2


def test_adam_first_step_is_lr_for_every_size_of_gradient():
    params = {"w": np.zeros(3)}
    adam_step(params, {"w": np.array([1e-3, 1.0, -1e3])}, adam_init(params), lr=0.01)
    np.testing.assert_allclose(params["w"], [-0.01, -0.01, 0.01], rtol=1e-4)


# --- tasks ----------------------------------------------------------------------------------


def test_shift_task_and_pattern():
    tokens, targets = SHIFT.make(np.random.default_rng(0), 5)
    assert tokens.shape == targets.shape == (5, 8)
    assert np.all(targets[:, :2] == IGNORE)
    np.testing.assert_array_equal(targets[:, 2:], tokens[:, :-2])
    pattern = SHIFT.pattern(tokens)
    assert pattern.shape == (5, 8, 8) and pattern[0, 5, 3] == 1 and pattern[0, :2].sum() == 0
    longer, _ = SHIFT.make(np.random.default_rng(0), 2, n=16)  # another length at test time
    assert longer.shape == (2, 16)


def test_lookup_task_answers_and_pattern():
    tokens, targets = LOOKUP.make(np.random.default_rng(1), 200)
    assert tokens.shape == (200, 7) and np.all(targets[:, :-1] == IGNORE)
    keys, values = tokens[:, :-1] // 8, tokens[:, :-1] % 8
    asked = tokens[:, -1] - 64
    assert all(len(set(row)) == 6 for row in keys)  # distinct keys
    pattern = LOOKUP.pattern(tokens)
    where = pattern[:, -1, :-1].argmax(axis=1)
    np.testing.assert_array_equal(keys[np.arange(200), where], asked)
    np.testing.assert_array_equal(values[np.arange(200), where], targets[:, -1])
    assert pattern[:, :-1].sum() == 0 and np.all(pattern[:, -1].sum(axis=1) == 1)
    assert LOOKUP.labels([2 * 8 + 5, 64 + 2]) == ["c5", "c?"]


def test_repeat_task_pattern_floor_and_grading():
    tokens, targets = REPEAT.make(np.random.default_rng(2), 3)
    np.testing.assert_array_equal(tokens[:, :6], tokens[:, 6:])
    np.testing.assert_array_equal(targets[:, :-1], tokens[:, 1:])
    graded = graded_predictable(targets)
    assert np.all(graded[:, :5] == IGNORE) and np.all(graded[:, 5:] == targets[:, 5:])
    pattern = REPEAT.pattern(tokens)[0]  # (12, 12)
    for i in range(5, 12):  # the needed key holds the next token
        j = int(pattern[i].argmax())
        assert j <= i and (i == 11 or tokens[0, j] == targets[0, i])
    assert repeat_loss_floor(6, 10) == pytest.approx(5 / 11 * np.log(10))


def test_reverse_task_and_pattern():
    tokens, targets = REVERSE.make(np.random.default_rng(3), 4)
    assert tokens.shape == targets.shape == (4, 8)
    np.testing.assert_array_equal(targets, tokens[:, ::-1])
    pattern = REVERSE.pattern(tokens)  # (4, 8, 8): query i on key 7 - i
    np.testing.assert_array_equal(np.einsum("bij,bj->bi", pattern, tokens), targets)


def test_majority_task_has_no_ties_and_its_pattern_holds_the_answer():
    tokens, targets = MAJORITY.make(np.random.default_rng(4), 300)
    assert tokens.shape == targets.shape == (300, 8)
    for row, answer in zip(tokens, targets, strict=True):
        counts = np.bincount(row, minlength=10)
        assert (counts == counts.max()).sum() == 1  # no ties
        assert np.all(answer == counts.argmax())
    pattern = MAJORITY.pattern(tokens)  # (300, 8, 8)
    np.testing.assert_allclose(pattern.sum(axis=-1), 1.0)
    weighted = np.einsum("bij,bj->bi", pattern, tokens)  # every key it weighs holds the answer
    np.testing.assert_allclose(weighted, targets)


def test_make_split_removes_held_out_sequences_seen_in_training():
    def tiny(rng, num):  # 4 possible sequences: overlaps are certain
        tokens = rng.integers(0, 2, size=(num, 2))
        return tokens, tokens.copy()

    task = Task("tiny", tiny, lambda t: None, lambda t: [], vocab_size=2, n_out=2)
    train_set, test_set, removed = make_split(task, num_train=50, num_test=20, seed=0)
    seen = {tuple(row) for row in train_set[0]}
    assert removed == 20 and len(test_set[0]) == 0 and len(seen) == 4
    _, shift_test, removed = make_split(SHIFT, num_train=100, num_test=50)
    assert removed == 0 and shift_test[0].shape == (50, 8)


def test_position_blind_ceiling_known_answer():
    tokens = np.array([[1, 1, 1, 2]])  # n = 4
    targets = np.array([[IGNORE, IGNORE, 1, 1]])
    # position 2 (a 1): others 1, 1, 2 -> 2/3; position 3 (a 2): others 1, 1, 1 -> 3/3
    assert position_blind_ceiling(tokens, targets) == pytest.approx((2 / 3 + 1) / 2)
    np.testing.assert_allclose(position_blind_chances(tokens, targets), [2 / 3, 1])


def test_right_weight_and_gradient_report():
    pattern = np.eye(3, k=-1)  # rows 1 and 2 need keys 0 and 1
    weights = np.array([[1, 0, 0], [0.5, 0.5, 0], [0.2, 0.8, 0.0]])
    assert right_weight(weights, pattern) == pytest.approx((0.5 + 0.8) / 2)
    assert gradient_report(np.ones(3), np.ones(3)) == "agree (relative error < 1e-06)"
    assert gradient_report(np.ones(2), [1.0, 2.0]) == "DIFFER: relative error 0.5"


def test_evaluate_counts_graded_positions_only():
    params = init_params(4, 4, 2, n_out=3)
    params["W_out"][:] = 0
    params["b_out"][:] = [0.0, 0.0, 5.0]  # always predicts class 2
    tokens = np.zeros((1, 4), dtype=int)
    targets = np.array([[2, 2, 0, IGNORE]])
    _, accuracy = evaluate(params, tokens, targets)
    assert accuracy == pytest.approx(2 / 3)


# --- training: the notebook's runs, short -------------------------------------------------


def test_train_records_snapshots_and_is_deterministic():
    train_set, test_set, _ = make_split(SHIFT, num_train=200, num_test=20)
    runs = [
        train(init_params(10, 8, 4), train_set, test_set, steps=25, log_every=10, examples=3)
        for _ in range(2)
    ]
    h = runs[0]
    np.testing.assert_array_equal(h.steps, [0, 10, 20, 25])
    assert h.weights.shape == (4, 3, 8, 8) and h.example_tokens.shape == (3, 8)
    assert h.test_loss.shape == h.test_accuracy.shape == h.train_loss.shape == (4,)
    np.testing.assert_array_equal(runs[0].test_loss, runs[1].test_loss)
    assert h.positions == "sinusoidal" and h.mask is None and h.seconds > 0
    with pytest.raises(ValueError, match="log_every"):
        train(init_params(10, 8, 4), train_set, test_set, steps=5, log_every=0)
    with pytest.raises(ValueError, match="steps"):
        train(init_params(10, 8, 4), train_set, test_set, steps=-1)


@pytest.mark.parametrize(("name", "steps"), [("shift", 80), ("lookup", 110)])
def test_position_and_content_tasks_reach_99_percent_from_their_seed(name, steps):
    run = experiment(name, steps=steps, log_every=steps)
    assert run.test_accuracy[-1] >= 0.99


def test_shift_without_positions_stays_at_the_blind_ceiling():
    run = experiment("shift, no positions", steps=60, log_every=60)
    _, test_set, _ = make_split(SHIFT)
    assert run.test_accuracy[-1] <= position_blind_ceiling(*test_set) + 0.02


def test_flipped_mask_reads_the_answer_and_collapses_under_the_causal_mask():
    run = experiment("repeat, flipped mask", steps=80, log_every=80)
    train_set, test_set, _ = make_split(REPEAT)
    test_set = (test_set[0], graded_predictable(test_set[1]))
    train_loss, _ = evaluate(run.params, *train_set, mask=~causal_mask(12))
    assert train_loss < repeat_loss_floor(6, 10) / 10  # impossible without the leak
    _, honest = evaluate(run.params, *test_set, mask=causal_mask(12))
    assert honest < 0.5


def test_experiment_is_the_notebooks_cells():
    """experiment('shift') draws, builds and trains exactly as notebook 05's cells do."""
    train_set, test_set, _ = make_split(SHIFT, num_train=4000, num_test=1000, seed=0)
    params = init_params(SHIFT.vocab_size, d_model=32, d_k=16, seed=0)
    by_hand = train(params, train_set, test_set, steps=5, seed=0, task=SHIFT)
    np.testing.assert_array_equal(experiment("shift", steps=5).test_loss, by_hand.test_loss)
    assert set(EXPERIMENTS) >= {"shift", "lookup", "repeat, flipped mask"}
    with pytest.raises(ValueError, match="name must be one of"):
        experiment("reverse")


# --- figures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_runs():
    return {
        name: experiment(name, steps=30, log_every=10)
        for name in ("shift", "lookup", "repeat, flipped mask", "repeat, causal mask")
    }


def _figures(runs):
    from utils.plotting.learn import compare_figure, mask_bug_figure, training_figure

    return {
        "training shift": lambda: training_figure(runs["shift"], "title"),
        "training lookup": lambda: training_figure(runs["lookup"], "title", snapshots=[0, 30]),
        "compare": lambda: compare_figure(
            {"a": runs["shift"], "b": runs["lookup"]}, "title", {"ref": 0.3}
        ),
        "mask bug": lambda: mask_bug_figure(
            runs["repeat, flipped mask"], runs["repeat, causal mask"], 1.05
        ),
    }


@pytest.mark.parametrize("name", ["training shift", "training lookup", "compare", "mask bug"])
def test_figures_fit_their_canvas_uncropped(name, short_runs, presentation):
    fig = _figures(short_runs)[name]()
    fig.canvas.draw()
    box = fig.get_tightbbox(fig.canvas.get_renderer())  # inches, of the drawn content
    width, height = fig.get_size_inches()
    gaps = {"left": box.x0, "bottom": box.y0, "right": width - box.x1, "top": height - box.y1}
    for side, gap in gaps.items():
        assert 0.03 <= gap <= 0.6, f"{name}: {gap:.2f} in at the {side}"
    plt.close(fig)


def test_training_figure_shows_the_snapshots_and_the_needed_pattern(short_runs):
    from utils.plotting.learn import default_snapshots, training_figure

    run = short_runs["shift"]
    steps = default_snapshots(run)
    assert steps[0] == 0 and steps[-1] == 30
    fig = training_figure(run, "title")
    titles = [ax.get_title() for ax in fig.axes]
    assert "the pattern needed" in titles
    assert sum(t.startswith("step ") for t in titles) == len(steps)
    plt.close(fig)
    with pytest.raises(ValueError, match="was not recorded"):
        training_figure(run, "title", snapshots=[5])


def test_heatmaps_label_tokens_with_their_positions(short_runs):
    from utils.plotting.learn import mask_bug_figure, position_labels, training_figure

    assert position_labels(["a6", "b?"]) == ["0:a6", "1:b?"]
    run = short_runs["shift"]
    fig = training_figure(run, "title")
    heatmap = next(ax for ax in fig.axes if ax.get_title() == "the pattern needed")
    tokens = run.example_tokens[0]
    labels = [t.get_text() for t in heatmap.get_yticklabels()]
    assert labels == [f"{i}:{t}" for i, t in enumerate(tokens)]
    plt.close(fig)
    fig = mask_bug_figure(short_runs["repeat, flipped mask"], short_runs["repeat, causal mask"], 1)
    assert fig.get_size_inches()[1] * 100 <= 600  # it fits a 1280x720 slide below its code
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()][11].startswith("11:")
    plt.close(fig)


def test_registered_figures_are_named_for_notebook_05():
    from utils.plotting.learn import FIGURES

    assert FIGURES and all(n.startswith("05_") and n.endswith(".png") for n in FIGURES)
