"""Worked examples and measurement data the notebooks compute with.

The figures (``utils.plotting``), the explorers (``utils.widgets``) and the exercise
checkers (``utils.exercises``) all draw on these, so a notebook, its figures and its
checkers use the same arrays.

- notebooks/01_single_head_attention.ipynb: the toy sentence (:func:`toy_example`,
  :func:`toy_attention`), the next-token task of the mask polarity bug
  (:func:`nearest_token_qk`, :func:`next_token_accuracy`) and the measurements behind
  "why divide by sqrt(d_k)" (:func:`measure_scaling` and its helpers).
- notebooks/02_multi_head_attention.ipynb: the hand-built "it" sentence (:func:`it_embeddings`,
  :func:`it_head_weights`, :func:`it_head_attention`, :func:`it_weights_with_extra_score`)
  and the worked example of two heads (:func:`worked_example_heads`).
- notebooks/03_positional_encoding.ipynb: the encoding between integer positions
  (:func:`encoding_at`).
"""

from __future__ import annotations

import numpy as np

from utils.attention import init_mha_params, scaled_dot_product_attention, softmax
from utils.pe_properties import sin_cos_columns
from utils.positional import pair_frequencies

# --- notebook 01: the toy sentence -----------------------------------------------------------

TOKENS = ("the", "cat", "sat", "down")


def toy_example() -> dict:
    """Notebook 01's hand-checkable example: 4 tokens, d_model = 3, d_k = d_v = 4.

    Returns ``X (4, 3)``, ``W_q``, ``W_k``, ``W_v`` (each ``(3, 4)``, small integers) and
    ``tokens``. With d_k = 4 the scale 1/sqrt(d_k) is exactly 1/2. ``W_q @ W_k.T`` is not
    symmetric, so neither are the scores: score(cat -> the) != score(the -> cat), and
    softmax over the wrong axis is not just the transpose of the right weights.
    """
    X = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=float)  # (4, 3)
    W_q = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]], dtype=float)  # (3, 4)
    W_k = np.array([[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 1, 1]], dtype=float)  # (3, 4)
    W_v = np.array([[1, 0, 0, 1], [0, 2, 0, 0], [0, 0, 3, 1]], dtype=float)  # (3, 4)
    return {"X": X, "W_q": W_q, "W_k": W_k, "W_v": W_v, "tokens": list(TOKENS)}


def toy_attention(scale=None, mask=None):
    """``(out (4, 4), weights (4, 4))`` of self-attention on :func:`toy_example` (notebook 01)."""
    ex = toy_example()
    q, k, v = ex["X"] @ ex["W_q"], ex["X"] @ ex["W_k"], ex["X"] @ ex["W_v"]  # (4, 4) each
    return scaled_dot_product_attention(q, k, v, mask=mask, scale=scale)


# --- notebook 01: the polarity bug on a next-token task ---------------------------------------


def nearest_token_qk(n: int, sharpness: float = 4.0):
    """Position-only queries and keys ``(n, 2)`` each: query i prefers the nearest allowed key.

    ``q_i . k_j = sharpness * (i**2 - (i - j)**2)``; the ``i**2`` part is the same for every
    key of query i, so softmax ignores it and the weights fall off with the distance |i - j|.
    A stand-in for a trained layer that learned "look next to me" (notebook 01, section 8).
    """
    pos = np.arange(n, dtype=float)  # (n,)
    q = sharpness * np.stack([2 * pos, np.ones(n)], axis=1)  # (n, 2)
    k = np.stack([pos, -(pos**2)], axis=1)  # (n, 2)
    return q, k


def next_token_accuracy(ids, q, k, mask) -> float:
    """How often output row i of attention with one-hot values names token i + 1.

    ``ids (batch, n)`` integer token ids; ``q, k (n, d_k)``; ``mask (n, n)`` bool, True =
    may attend. The values are one-hot rows of the ids, so output row i is a mix of the
    tokens it attends to and its argmax is the guess for token i + 1 (rows 0..n-2 scored).
    Notebook 01, section 8.
    """
    ids = np.asarray(ids)
    v = np.eye(ids.max() + 1)[ids]  # (batch, n, vocab) one-hot value rows
    qb = np.broadcast_to(q, (len(ids), *q.shape))  # (batch, n, d_k)
    kb = np.broadcast_to(k, (len(ids), *k.shape))
    out, _ = scaled_dot_product_attention(qb, kb, v, mask=mask)  # (batch, n, vocab)
    guess = out[:, :-1].argmax(axis=-1)  # (batch, n - 1): guess for token i + 1
    return float((guess == ids[:, 1:]).mean())


# --- notebook 01: why 1/sqrt(d_k), measured ---------------------------------------------------

SCALING_D_KS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def softmax_jacobian_norm(p) -> np.ndarray:
    """Frobenius norm of d softmax / d logits = diag(p) - p p^T, for each row of ``p (..., n)``.

    Near 0 when the softmax is saturated (one weight near 1): gradients then vanish.
    Notebook 01, section 6.
    """
    p = np.asarray(p, dtype=float)
    jac = p[..., :, None] * (np.eye(p.shape[-1]) - p[..., None, :])  # (..., n, n)
    return np.sqrt((jac**2).sum(axis=(-2, -1)))  # (...,)


def entropy(p) -> np.ndarray:
    """Entropy in nats of each row of ``p (..., n)``; log(n) for uniform, 0 for one-hot.

    Notebook 01, section 6, and its attention explorer.
    """
    p = np.asarray(p, dtype=float)
    logs = np.log(np.where(p > 0, p, 1.0))
    return 0.0 - (p * logs).sum(axis=-1)  # 0.0 - 0.0 is 0.0, where -(0.0) would print -0.0


def measure_scaling(d_ks=SCALING_D_KS, n_samples=2000, n_trials=200, n_keys=16, seed=0) -> dict:
    """Measure what the scale does, for random unit-variance queries and keys of width d_k.

    For each d_k: ``var_dot`` is the variance of q.k over ``n_samples`` pairs. Then for
    ``n_trials`` random queries against ``n_keys`` random keys, three scalings of the scores
    ("none": q.k, "sqrt": q.k/sqrt(d_k), "linear": q.k/d_k) give the mean largest softmax
    weight ``max_weight[s]``, mean entropy ``entropy[s]`` (nats), mean Jacobian norm
    ``jac_norm[s]``, the fraction ``no_grad[s]`` of queries whose Jacobian norm is below
    0.01 (practically no gradient) and the scores' std ``score_std[s]``. Every array has
    one entry per d_k; ``n_samples``, ``n_trials`` and ``n_keys`` record the sample sizes.
    Fast: under a second. Notebook 01, section 6 (drawn by
    ``utils.plotting.attention.scaling_figure``).
    """
    rng = np.random.default_rng(seed)
    d_ks = np.asarray(d_ks)
    out = {"d_k": d_ks, "var_dot": [], "n_keys": n_keys}
    out.update(n_samples=n_samples, n_trials=n_trials)
    scalings = {"none": lambda d: 1.0, "sqrt": lambda d: 1 / np.sqrt(d), "linear": lambda d: 1 / d}
    for key in ("max_weight", "entropy", "jac_norm", "no_grad", "score_std"):
        out[key] = {s: [] for s in scalings}
    for d in d_ks:
        q = rng.standard_normal((n_samples, d))  # (n_samples, d_k)
        k = rng.standard_normal((n_samples, d))
        out["var_dot"].append(np.var((q * k).sum(axis=1)))
        q1 = rng.standard_normal((n_trials, 1, d))  # (trials, 1, d_k)
        keys = rng.standard_normal((n_trials, n_keys, d))  # (trials, n_keys, d_k)
        dots = (q1 * keys).sum(axis=-1)  # (trials, n_keys)
        for name, scale in scalings.items():
            scores = dots * scale(d)
            p = softmax(scores, axis=-1)  # (trials, n_keys)
            out["max_weight"][name].append(p.max(axis=-1).mean())
            out["entropy"][name].append(entropy(p).mean())
            jac = softmax_jacobian_norm(p)  # (trials,)
            out["jac_norm"][name].append(jac.mean())
            out["no_grad"][name].append((jac < 0.01).mean())
            out["score_std"][name].append(scores.std())
    out["var_dot"] = np.array(out["var_dot"])
    for key in ("max_weight", "entropy", "jac_norm", "no_grad", "score_std"):
        out[key] = {s: np.array(v) for s, v in out[key].items()}
    return out


def scaling_table(stats: dict, key: str, fmt: str = "{:8.3f}") -> str:
    """A text table of ``stats[key]`` from :func:`measure_scaling`: one row per d_k, one
    column per scaling (none, /sqrt(d_k), /d_k). Notebook 01, section 6."""
    lines = ["  d_k      none   /sqrt(d_k)    /d_k"]
    for i, d in enumerate(stats["d_k"]):
        values = [fmt.format(stats[key][s][i]) for s in ("none", "sqrt", "linear")]
        lines.append(f"{d:5d}  " + "    ".join(values))
    return "\n".join(lines)


# --- notebook 02: one head finds the referent, another the property ---------------------------

FEATURES = ("noun", "animate", "adjective", "pronoun", "verb", "function")
SENTENCE = "the animal did not cross the street because it was tired".split()
WORD_FEATURES = {
    "the": ("function",),
    "animal": ("noun", "animate"),
    "did": ("verb",),
    "not": ("function",),
    "cross": ("verb",),
    "street": ("noun",),
    "because": ("function",),
    "it": ("pronoun",),
    "was": ("verb",),
    "tired": ("adjective",),
}


def it_embeddings() -> np.ndarray:
    """``(11, 6)`` one-hot-style embeddings of ``SENTENCE``: column j = feature ``FEATURES[j]``.

    Notebook 02, section 7.
    """
    x = np.zeros((len(SENTENCE), len(FEATURES)))
    for row, word in enumerate(SENTENCE):
        for feature in WORD_FEATURES[word]:
            x[row, FEATURES.index(feature)] = 1.0
    return x


def it_head_weights(strength: float = 2.5) -> list[dict]:
    """Hand-set ``W_q, W_k, W_v`` (each ``(6, 3)``) for two heads over ``FEATURES``.

    Head 0 ("who is it?"): a pronoun's query asks for nouns, twice as much for animate ones.
    Head 1 ("what is it like?"): a pronoun's query asks for adjectives.
    Only query column 0 and key column 0 are used; values copy the features each head is
    about, so the concatenated output of "it" says "animate noun" and "tired". Notebook 02,
    section 7.
    """
    f = {name: i for i, name in enumerate(FEATURES)}
    heads = []
    for wanted in ({"noun": 1.0, "animate": 1.0}, {"adjective": 2.0}):
        W_q, W_k, W_v = np.zeros((6, 3)), np.zeros((6, 3)), np.zeros((6, 3))
        W_q[f["pronoun"], 0] = strength  # "I am a pronoun looking for my ..."
        for feature, weight in wanted.items():
            W_k[f[feature], 0] = strength * weight  # "... and I am one"
        for col, feature in enumerate(wanted):
            W_v[f[feature], col] = 1.0  # pass on what this head is about
        heads.append({"W_q": W_q, "W_k": W_k, "W_v": W_v})
    return heads


def it_head_attention() -> np.ndarray:
    """``(2, 11, 11)`` attention weights of the two hand-built heads on ``SENTENCE``.

    Notebook 02, section 7 (drawn by ``utils.plotting.heads.it_heads_figure``).
    """
    x = it_embeddings()  # (n, d_model)
    weights = [
        scaled_dot_product_attention(x @ w["W_q"], x @ w["W_k"], x @ w["W_v"])[1]
        for w in it_head_weights()
    ]
    return np.stack(weights)  # (h, n, n)


def it_weights_with_extra_score(extra: float = 0.0) -> dict:
    """What "it" gives "animal" and "tired" when the score of "tired" rises by ``extra``.

    The rise is in every head that asks about adjectives: head 1 of the two-head layer, and
    the single head that asks both questions (head 0's query, the two heads' keys summed).
    Head 0 does not ask about adjectives, so its scores do not change. Returns floats keyed
    ``"one head animal"``, ``"one head tired"``, ``"head 0 animal"``, ``"head 1 tired"``.
    Notebook 02, section 7 (one softmax makes two lookups compete).
    """
    x = it_embeddings()  # (n, d_model)
    heads = it_head_weights()
    it, animal, tired = (SENTENCE.index(word) for word in ("it", "animal", "tired"))
    bump = np.zeros(len(SENTENCE))  # (n,)
    bump[tired] = extra

    def weights_of_it(W_q, W_k, extra_scores):
        q = (x @ W_q)[it]  # (d_k,): the query of "it"
        return softmax((x @ W_k) @ q / np.sqrt(q.shape[-1]) + extra_scores)  # (n,)

    one = weights_of_it(heads[0]["W_q"], heads[0]["W_k"] + heads[1]["W_k"], bump)
    head0 = weights_of_it(heads[0]["W_q"], heads[0]["W_k"], 0.0)
    head1 = weights_of_it(heads[1]["W_q"], heads[1]["W_k"], bump)
    return {
        "one head animal": float(one[animal]),
        "one head tired": float(one[tired]),
        "head 0 animal": float(head0[animal]),
        "head 1 tired": float(head1[tired]),
    }


# --- notebook 02: the worked example of two heads ---------------------------------------------


def worked_example_heads(seed: int = 0) -> list[np.ndarray]:
    """A worked example common in tutorials, computed: 2 tokens, width 3, two full-width heads.

    Returns ``[Z_0, Z_1]``, each ``(2, 3)`` (d_v = d_model = 3). Notebook 02, section 2
    (drawn by ``utils.plotting.heads.concatenation_figure``).
    """
    rng = np.random.default_rng(seed)
    x = 3 * rng.normal(size=(2, 3))  # (n=2, d_model=3)
    params = init_mha_params(3, 2, d_k=3, d_v=3, bias=False, seed=seed)
    outs = []
    for i in range(2):
        cols = slice(3 * i, 3 * (i + 1))  # head i's columns of the stacked weights
        q, k, v = (x @ params[w][:, cols] for w in ("W_q", "W_k", "W_v"))  # (2, 3) each
        outs.append(scaled_dot_product_attention(q, k, v)[0])  # (2, 3)
    return outs


# --- notebook 03: the encoding between integer positions -------------------------------------


def encoding_at(positions, d_model: int, base: float = 10000.0, variant: str = "interleaved"):
    """The sinusoidal encoding at any real ``positions (n,)``: shape ``(n, d_model)``.

    At integer positions it is the rows of ``utils.positional.sinusoidal_encoding``; in
    between it is the same formula, so a figure can draw each column as a smooth curve.
    Notebook 03 (``utils.plotting.positional.dimension_curves``).
    """
    positions = np.asarray(positions, dtype=float)  # (n,)
    angles = positions[:, None] * pair_frequencies(d_model, base, variant)[None, :]  # (n, d/2)
    sin_cols, cos_cols = sin_cos_columns(d_model, variant)
    pe = np.empty((len(positions), d_model))  # (n, d_model)
    pe[:, sin_cols] = np.sin(angles)
    pe[:, cos_cols] = np.cos(angles)
    return pe
