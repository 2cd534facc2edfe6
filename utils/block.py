"""The Transformer block around attention: residual connections, layer normalisation, the
position-wise feed-forward network, and the encoder and decoder layers built from them.

Taught in notebooks/04_transformer_block.ipynb. Every function is the notebook's own steps,
in the notebook's order, in plain numpy, with the conventions of ``utils.attention``: row
vectors (``x @ W``), boolean masks with **True = may attend**, float dtypes kept (integers
become float64, mixed inputs follow numpy's promotion), and ValueErrors naming shapes.

The paper (Vaswani et al. 2017) puts the norm *after* each residual addition ("post-LN"):
``x = norm1(x + attn(x)); x = norm2(x + ffn(x))``. Most current models put it *before* the
sublayer ("pre-LN", a variant): ``x = x + attn(norm1(x)); x = x + ffn(norm2(x))``.
``norm_first=False`` (the default) is the paper's order. There is no dropout here (the
paper's dropout is off at inference, and in torch's ``dropout=0`` that the tests compare
with).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from utils._checks import as_float_array, require_ndim, require_positive_int
from utils.attention import _linear, _require_finite, init_mha_params, multi_head_attention

__all__ = [  # in the order notebook 04 meets them
    "cross_attention_example",
    "relu",
    "init_ffn_params",
    "feed_forward",
    "count_ffn_parameters",
    "ffn_macs",
    "residual_stack",
    "init_encoder_stack",
    "encoder_stack",
    "stream_norms",
    "input_gradient",
    "input_gradient_norm",
    "stack_steps",
    "gradient_by_step",
    "STACK_SIZES",
    "stack_example",
    "layer_norm",
    "batch_norm",
    "init_norm_params",
    "init_encoder_layer_params",
    "encoder_layer",
    "init_decoder_layer_params",
    "decoder_layer",
]


# --- section 2: the worked example of cross-attention --------------------------------------------

SOURCE_TOKENS = ("le", "chat", "noir", "dort", "<pad>")
TARGET_TOKENS = ("the", "black", "cat")
EXAMPLE_FEATURES = ("article", "cat", "black", "sleep")


def cross_attention_example() -> dict:
    """Notebook 04's hand-checkable cross-attention: 3 target tokens read 5 source tokens.

    The source is French "le chat noir dort" ("the black cat sleeps") plus one padding
    token; the target is the English translation written so far, "the black cat". Features
    (columns): ``EXAMPLE_FEATURES``. Returns ``X_src (5, 4)`` (0/2 entries, the padding
    row zero), ``Y_tgt (3, 4)`` (0/1/2 entries), ``W_q``, ``W_k``, ``W_v`` (each the
    ``(4, 4)`` identity, so that Q = Y_tgt, K = V = X_src and every score ``q.k / sqrt(4)``
    is 0, 1 or 2), ``src_length`` 4 (the real tokens), and the token lists.
    """
    X_src = 2.0 * np.array(
        [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    )  # (5, 4): le, chat, noir, dort, <pad>
    Y_tgt = np.array([[2, 1, 0, 0], [0, 1, 2, 0], [0, 2, 1, 0]], dtype=float)  # (3, 4)
    eye = np.eye(4)  # (4, 4)
    return {
        "X_src": X_src,
        "Y_tgt": Y_tgt,
        "W_q": eye.copy(),
        "W_k": eye.copy(),
        "W_v": eye.copy(),
        "src_length": 4,
        "source": list(SOURCE_TOKENS),
        "target": list(TARGET_TOKENS),
        "features": list(EXAMPLE_FEATURES),
    }


# --- section 3: the position-wise feed-forward network -------------------------------------------


def relu(x) -> np.ndarray:
    """``max(x, 0)`` element by element (the paper's nonlinearity)."""
    return np.maximum(x, 0)


def init_ffn_params(d_model: int, d_ff: int, seed: int = 0) -> dict:
    """Random feed-forward weights (float64), seeded, scaled by 1/sqrt(fan_in).

    ``W_1 (d_model, d_ff)``, ``b_1 (d_ff,)``, ``W_2 (d_ff, d_model)``, ``b_2 (d_model,)``;
    the biases are small (std 0.02), as in :func:`utils.attention.init_mha_params`. The
    paper has ``d_ff = 2048`` for ``d_model = 512``: four times as wide.
    """
    d_model = require_positive_int(d_model, "d_model")
    d_ff = require_positive_int(d_ff, "d_ff")
    rng = np.random.default_rng(seed)
    return {
        "W_1": rng.normal(0, 1 / np.sqrt(d_model), size=(d_model, d_ff)),
        "b_1": rng.normal(0, 0.02, size=d_ff),
        "W_2": rng.normal(0, 1 / np.sqrt(d_ff), size=(d_ff, d_model)),
        "b_2": rng.normal(0, 0.02, size=d_model),
    }


def _check_ffn(params, d_model: int) -> dict:
    """The feed-forward weights as float arrays with checked shapes."""
    if not isinstance(params, dict):
        raise TypeError(f"ffn params must be a dict as from init_ffn_params, got {type(params)}")
    missing = [k for k in ("W_1", "b_1", "W_2", "b_2") if k not in params]
    if missing:
        raise ValueError(f"ffn params are missing {missing}: they need W_1, b_1, W_2 and b_2")
    p = {k: as_float_array(params[k], k, allow_inf=False) for k in ("W_1", "b_1", "W_2", "b_2")}
    d_ff = p["W_1"].shape[-1] if p["W_1"].ndim == 2 else None
    expected = {"W_1": (d_model, d_ff), "b_1": (d_ff,), "W_2": (d_ff, d_model), "b_2": (d_model,)}
    for name, shape in expected.items():
        if d_ff is None or p[name].shape != shape:
            raise ValueError(
                f"{name} must have shape {shape if d_ff else '(d_model, d_ff)'} for inputs of "
                f"width d_model={d_model} (W_1 (d_model, d_ff), b_1 (d_ff,), W_2 (d_ff, "
                f"d_model), b_2 (d_model,)), got shape {p[name].shape}"
            )
    return p


def feed_forward(x, params: dict) -> np.ndarray:
    """The position-wise feed-forward network: ``relu(x @ W_1 + b_1) @ W_2 + b_2``.

    x ``(..., n, d_model)``; ``params`` as from :func:`init_ffn_params`. Every token goes
    through the same two linear maps on its own: no token sees another. Returns
    ``(..., n, d_model)``. Notebook 04, section 3.
    """
    x = as_float_array(x, "x", allow_inf=False)  # (..., n, d_model)
    require_ndim(x, 1, "x", "(..., d_model)")
    p = _check_ffn(params, x.shape[-1])
    hidden = relu(_linear(x, p["W_1"], p["b_1"]))  # (..., n, d_ff): widen, then ReLU
    return _linear(hidden, p["W_2"], p["b_2"])  # (..., n, d_model): back to d_model


def count_ffn_parameters(d_model: int, d_ff: int) -> dict:
    """Parameters of the feed-forward network: ``2 d_model d_ff + d_ff + d_model`` in all."""
    d, f = require_positive_int(d_model, "d_model"), require_positive_int(d_ff, "d_ff")
    counts = {"W_1": d * f, "b_1": f, "W_2": f * d, "b_2": d}
    counts["total"] = sum(counts.values())
    return counts


def ffn_macs(n: int, d_model: int, d_ff: int) -> int:
    """Multiply-adds of the feed-forward network on n tokens: ``2 n d_model d_ff``.

    Counted as ``utils.cost`` counts attention: one per term of every dot product (the
    biases and the ReLU are element-wise work, left out). Linear in n: no n^2 term.
    """
    n = require_positive_int(n, "n")
    d, f = require_positive_int(d_model, "d_model"), require_positive_int(d_ff, "d_ff")
    return 2 * n * d * f


# --- sections 4 and 6: the residual connection, stacks of layers, gradients -----------------


def _residual(x: np.ndarray, sublayer_out: np.ndarray, what: str) -> np.ndarray:
    """``x + sublayer_out``: the residual connection, which needs equal shapes."""
    if sublayer_out.shape[-1] != x.shape[-1]:
        raise ValueError(
            f"the residual connection adds the {what} output (width {sublayer_out.shape[-1]}) "
            f"to its input (width {x.shape[-1]}): they must match, so W_o (and W_2) must map "
            f"back to d_model={x.shape[-1]}"
        )
    return x + sublayer_out


def residual_stack(x, layer_params, num_heads: int, residual: bool = True) -> np.ndarray:
    """Encoder layers with their norms taken out, with or without the residual connections.

    For each dict of ``layer_params`` (as from :func:`init_encoder_layer_params`; the norms
    are not used): ``x = x + attn(x)``, then ``x = x + ffn(x)`` (``residual=True``), or
    ``x = attn(x)``, then ``x = ffn(x)``. Just what the residual connection changes.
    x ``(..., n, d_model)`` -> ``(..., n, d_model)``. Notebook 04, section 4.
    """
    x = as_float_array(x, "x", allow_inf=False)  # (..., n, d_model)
    for p in layer_params:
        attn, _ = multi_head_attention(x, x, p["self_attn"], num_heads)  # (..., n, d_model)
        x = _residual(x, attn, "self-attention") if residual else attn
        ffn = feed_forward(x, p["ffn"])  # (..., n, d_model)
        x = _residual(x, ffn, "feed-forward") if residual else ffn
    return x


def init_encoder_stack(
    num_layers: int, d_model: int, num_heads: int, d_ff: int, seed: int = 0
) -> list[dict]:
    """``num_layers`` encoder layers' weights, layer i seeded with ``seed + i``."""
    num_layers = require_positive_int(num_layers, "num_layers")
    return [
        init_encoder_layer_params(d_model, num_heads, d_ff, seed=seed + i)
        for i in range(num_layers)
    ]


def encoder_stack(
    x, layer_params, num_heads: int, norm_first: bool = False, mask=None, final_norm: bool = True
):
    """Encoder layers one after another; a pre-LN stack ends with one more layer norm.

    Pre-LN layers never normalise the residual stream itself, so models built from them
    (and torch's ``TransformerEncoder(norm=...)``) normalise once after the last layer
    (gamma = 1, beta = 0 here); ``final_norm=False`` leaves it out (notebook 04 measures
    what it does). x ``(..., n, d_model)`` -> ``(..., n, d_model)``. Notebook 04, section 6.
    """
    x = as_float_array(x, "x", allow_inf=False)  # (..., n, d_model)
    for params in layer_params:
        x, _ = encoder_layer(x, params, num_heads, mask=mask, norm_first=norm_first)
    if norm_first and final_norm:
        x = _norm(x, init_norm_params(x.shape[-1]))  # the final norm of a pre-LN stack
    return x


def stream_norms(x, layer_params, num_heads: int, norm_first: bool = False) -> np.ndarray:
    """The residual stream's size after each encoder layer: ``(L + 1,)``.

    Entry 0 is for the input, entry i for the stream after layer i (a pre-LN stack's final
    norm is not applied). The size is the length of each token's vector, averaged over the
    tokens: ``mean over tokens of ||x_t||``. Notebook 04, section 6.
    """
    x = as_float_array(x, "x", allow_inf=False)  # (..., n, d_model)
    norms = [np.linalg.norm(x, axis=-1).mean()]
    for params in layer_params:
        x, _ = encoder_layer(x, params, num_heads, norm_first=norm_first)
        norms.append(np.linalg.norm(x, axis=-1).mean())
    return np.array(norms)


def input_gradient(forward, x, direction, eps: float = 1e-6) -> np.ndarray:
    """``dL/dx`` for the stand-in loss ``L = sum(forward(x) * direction)``, shaped like x.

    Measured, not derived: central differences, as :func:`utils.gradients.numerical_gradient`
    computes them (nudge each entry of x up and down by ``eps``), with all ``2 x.size``
    nudged copies of x sent through ``forward`` as one batch instead of one call each: the
    same numbers, one call. ``forward`` must therefore accept a leading batch axis (every
    layer and stack of this module does): ``(2 x.size, *x.shape)`` in, ``(2 x.size, ...)``
    out. Notebook 04, sections 4 and 6; notebook 05 derives attention's gradients by hand.
    """
    x = as_float_array(x, "x", allow_inf=False).astype(np.float64)  # (*x.shape)
    direction = as_float_array(direction, "direction", allow_inf=False)
    if not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps must be a small positive number, got {eps!r}")
    size = x.size
    nudges = eps * np.eye(size).reshape(size, *x.shape)  # (size, *x.shape): one entry each
    batch = np.concatenate([x + nudges, x - nudges])  # (2 size, *x.shape): up, then down
    out = np.asarray(forward(batch))  # (2 size, ...): one output per nudged copy
    if out.ndim == 0 or out.shape[0] != 2 * size:
        raise ValueError(
            f"forward must keep a leading batch axis: it got shape {batch.shape} and returned "
            f"shape {out.shape}, expected ({2 * size}, ...)"
        )
    losses = (out * direction).reshape(2 * size, -1).sum(axis=1)  # (2 size,): L per copy
    return ((losses[:size] - losses[size:]) / (2 * eps)).reshape(x.shape)  # (*x.shape)


def input_gradient_norm(forward, x, direction) -> float:
    """How much gradient reaches the input of ``forward``: ``||dL/dx||`` for the stand-in loss
    ``L = sum(forward(x) * direction)``, measured by :func:`input_gradient`.

    Notebook 04, sections 4 and 6.
    """
    return float(np.linalg.norm(input_gradient(forward, x, direction)))


def stack_steps(
    layer_params, num_heads: int, norm_first: bool = False, final_norm: bool = True
) -> list[tuple[str, str, object]]:
    """An encoder stack cut into the steps the gradient passes on its way down.

    Returns ``(name, kind, step)`` in forward order; ``step`` maps ``(..., n, d_model)`` to
    ``(..., n, d_model)``. Post-LN: per layer ``x + attn(x)`` and ``x + ffn(x)`` (kind
    "sublayer"), each followed by its layer norm (kind "norm"). Pre-LN: per layer
    ``x + attn(norm1(x))`` and ``x + ffn(norm2(x))`` (kind "sublayer": the norm sits on the
    branch), then the stack's final norm (kind "final norm") unless ``final_norm=False``.
    Running the steps in order is :func:`encoder_stack`. Notebook 04, section 6.
    """
    h, steps = num_heads, []
    for i, p in enumerate(layer_params, start=1):
        attn = partial(_attention_step, params=p["self_attn"], h=h)
        ffn = partial(feed_forward, params=p["ffn"])
        for sub, f, norm in (("attention", attn, "norm1"), ("FFN", ffn, "norm2")):
            if norm_first:
                step = partial(_pre_ln_step, f=f, norm=p[norm])
                steps.append((f"layer {i} x + {sub}({norm}(x))", "sublayer", step))
            else:
                steps.append((f"layer {i} x + {sub}(x)", "sublayer", partial(_add, f=f)))
                steps.append((f"layer {i} {norm}", "norm", partial(_norm, p=p[norm])))
    if norm_first and final_norm:
        d_model = len(layer_params[0]["norm1"]["gamma"])
        steps.append(("final norm", "final norm", partial(_norm, p=init_norm_params(d_model))))
    return steps


def _attention_step(x, params, h):
    return multi_head_attention(x, x, params, h)[0]  # (..., n, d_model)


def _add(x, f):
    return x + f(x)  # (..., n, d_model): a post-LN sublayer before its norm


def _pre_ln_step(x, f, norm):
    return x + f(_norm(x, norm))  # (..., n, d_model): a pre-LN sublayer


def gradient_by_step(x, steps, direction) -> dict:
    """Follow the stand-in loss's gradient down ``steps`` (from :func:`stack_steps`) one step
    at a time, each measured by central differences (:func:`input_gradient`).

    The chain rule: the gradient arriving at a step's output is the ``direction`` of the
    stand-in loss for that step; the gradient this gives at the step's input is the
    ``direction`` for the step below it. Returns ``names`` and ``kinds`` (forward order),
    ``grad_in`` ``(S,)``: the gradient's size at each step's input, ``grad_out`` ``(S,)``: at
    its output (the last is ``||direction||``), and ``factor = grad_in / grad_out``.
    Notebook 04, section 6.
    """
    x = as_float_array(x, "x", allow_inf=False)  # (n, d_model)
    inputs = []  # the input of each step, forward order
    for _, _, step in steps:
        inputs.append(x)
        x = step(x)  # (n, d_model)
    g = as_float_array(direction, "direction", allow_inf=False)  # dL/d(output of the stack)
    grad_in, grad_out = np.zeros(len(steps)), np.zeros(len(steps))
    for i in reversed(range(len(steps))):
        grad_out[i] = np.linalg.norm(g)
        g = input_gradient(steps[i][2], inputs[i], g)  # dL/d(input of step i)
        grad_in[i] = np.linalg.norm(g)
    return {
        "names": [name for name, _, _ in steps],
        "kinds": [kind for _, kind, _ in steps],
        "grad_in": grad_in,
        "grad_out": grad_out,
        "factor": grad_in / grad_out,
    }


STACK_SIZES = {"n": 4, "d_model": 8, "num_heads": 2, "d_ff": 32, "num_layers": 24}


def stack_example(scale: float = 1.0, seed: int = 0) -> dict:
    """Notebook 04's deep stacks, small enough to measure gradients by central differences.

    Returns ``x (4, 8)``: seeded random tokens (standard normal, times ``scale``);
    ``direction (4, 8)``: a fixed random array, so that ``sum(out * direction)`` stands in
    for a loss; ``layers``: 24 encoder layers (d_model = 8, h = 2, d_ff = 32 = 4 d_model),
    layer i seeded with ``seed + i``; and ``num_heads``. Sections 4 and 6, the figures of
    the stream's size and of the gradients, and the stack explorer all use it.
    """
    s = STACK_SIZES
    rng = np.random.default_rng(seed)
    x = scale * rng.normal(size=(s["n"], s["d_model"]))  # (n, d_model)
    direction = rng.normal(size=(s["n"], s["d_model"]))  # (n, d_model)
    layers = init_encoder_stack(s["num_layers"], s["d_model"], s["num_heads"], s["d_ff"], seed)
    return {
        "x": x,
        "direction": direction,
        "layers": layers,
        "num_heads": s["num_heads"],
    }


# --- section 5: layer normalisation (and batch normalisation, for contrast) ----------------------


def _check_eps(eps) -> float:
    """``eps`` as a float >= 0, or a TypeError/ValueError saying what came."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise TypeError(f"eps must be a small non-negative number, got {eps!r}")
    if not np.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a small non-negative number, got {eps!r}")
    return float(eps)


def _check_gain_bias(gamma, beta, d: int, x_shape) -> tuple[np.ndarray, np.ndarray]:
    """``gamma`` and ``beta`` as float arrays of shape ``(d,)``, one value per feature."""
    gamma = as_float_array(gamma, "gamma", allow_inf=False)
    beta = as_float_array(beta, "beta", allow_inf=False)
    for name, value in (("gamma", gamma), ("beta", beta)):
        if value.shape != (d,):
            raise ValueError(
                f"{name} must have shape (d,) = ({d},), one value per feature of x "
                f"(shape {tuple(x_shape)}), got shape {value.shape}"
            )
    return gamma, beta


def _normalise(x: np.ndarray, mean: np.ndarray, var: np.ndarray, eps: float) -> np.ndarray:
    """``(x - mean) / sqrt(var + eps)``, refusing overflow and a 0 / 0 (constant row, eps 0)."""
    _require_finite(var, "the variance")
    spread = np.sqrt(var + eps)
    if (spread == 0).any():
        raise ValueError(
            "a group of values is constant and eps = 0, so normalising divides 0 by 0; "
            "use eps > 0 (the default 1e-5, as in torch)"
        )
    return (x - mean) / spread


def layer_norm(x, gamma, beta, eps: float = 1e-5) -> np.ndarray:
    """Layer normalisation over the last (feature) axis: each token on its own.

    x ``(..., d)``; ``gamma`` and ``beta`` ``(d,)``. For every token (every row), subtract
    its mean over the d features, divide by ``sqrt(variance + eps)`` (the variance divides
    by d, as torch's ``nn.LayerNorm`` does), then scale by ``gamma`` and shift by ``beta``.
    Returns ``(..., d)``. Notebook 04, section 5.
    """
    x = as_float_array(x, "x", allow_inf=False)
    require_ndim(x, 1, "x", "(..., d)")
    gamma, beta = _check_gain_bias(gamma, beta, x.shape[-1], x.shape)
    eps = _check_eps(eps)
    mean = x.mean(axis=-1, keepdims=True)  # (..., 1): one mean per token
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)  # (..., 1): one per token
    x_hat = _normalise(x, mean, var, eps)  # (..., d): mean 0, variance 1 per token
    return gamma * x_hat + beta  # (..., d)


def batch_norm(x, gamma, beta, eps: float = 1e-5) -> np.ndarray:
    """Batch normalisation as in training: statistics over every axis *except* the features.

    x ``(batch, ..., d)`` with at least two axes; ``gamma`` and ``beta`` ``(d,)``. Each
    feature is normalised with one mean and variance taken over all tokens of all
    sequences in the batch, so a token's result depends on the other sequences. Shown in
    notebook 04 only to contrast it with :func:`layer_norm`; Transformers do not use it.
    """
    x = as_float_array(x, "x", allow_inf=False)
    require_ndim(x, 2, "x", "(batch, ..., d)")
    gamma, beta = _check_gain_bias(gamma, beta, x.shape[-1], x.shape)
    eps = _check_eps(eps)
    axes = tuple(range(x.ndim - 1))  # every axis but the features
    mean = x.mean(axis=axes, keepdims=True)  # (1, ..., d): one mean per feature
    with np.errstate(over="ignore", invalid="ignore"):
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)  # (1, ..., d)
    return gamma * _normalise(x, mean, var, eps) + beta  # (batch, ..., d)


def init_norm_params(d_model: int) -> dict:
    """``{"gamma": ones (d_model,), "beta": zeros (d_model,)}``: a fresh norm (torch's init)."""
    d_model = require_positive_int(d_model, "d_model")
    return {"gamma": np.ones(d_model), "beta": np.zeros(d_model)}


# --- section 6: the encoder layer and the decoder layer ------------------------------------------


def _child_seeds(seed, count: int) -> list[int]:
    """``count`` independent integer seeds derived from ``seed`` (numpy's SeedSequence)."""
    children = np.random.SeedSequence(seed).spawn(count)
    return [int(child.generate_state(1)[0]) for child in children]


def init_encoder_layer_params(d_model: int, num_heads: int, d_ff: int, seed: int = 0) -> dict:
    """Random weights of one encoder layer, seeded.

    Keys: ``"self_attn"`` (as from :func:`utils.attention.init_mha_params`), ``"ffn"`` (as
    from :func:`init_ffn_params`), ``"norm1"`` and ``"norm2"`` (each ``{"gamma", "beta"}``,
    ones and zeros). Each part draws from its own stream of random numbers.
    """
    attn_seed, ffn_seed = _child_seeds(seed, 2)
    return {
        "self_attn": init_mha_params(d_model, num_heads, seed=attn_seed),
        "ffn": init_ffn_params(d_model, d_ff, seed=ffn_seed),
        "norm1": init_norm_params(d_model),
        "norm2": init_norm_params(d_model),
    }


def init_decoder_layer_params(d_model: int, num_heads: int, d_ff: int, seed: int = 0) -> dict:
    """Random weights of one decoder layer, seeded: ``"self_attn"``, ``"cross_attn"``,
    ``"ffn"``, ``"norm1"``, ``"norm2"``, ``"norm3"``. norm_i belongs to sublayer i
    (self-attention, cross-attention, the feed-forward network): after it in post-LN, before
    it in pre-LN."""
    self_seed, cross_seed, ffn_seed = _child_seeds(seed, 3)
    return {
        "self_attn": init_mha_params(d_model, num_heads, seed=self_seed),
        "cross_attn": init_mha_params(d_model, num_heads, seed=cross_seed),
        "ffn": init_ffn_params(d_model, d_ff, seed=ffn_seed),
        "norm1": init_norm_params(d_model),
        "norm2": init_norm_params(d_model),
        "norm3": init_norm_params(d_model),
    }


def _check_layer(params, keys: tuple[str, ...], kind: str) -> dict:
    """``params`` as a dict holding ``keys``, each norm a dict with gamma and beta."""
    if not isinstance(params, dict):
        raise TypeError(f"{kind} params must be a dict as from init_{kind}_params, got {params!r}")
    missing = [k for k in keys if k not in params]
    if missing:
        raise ValueError(f"{kind} params are missing {missing}: expected the keys {list(keys)}")
    for k in keys:
        if k.startswith("norm") and (
            not isinstance(params[k], dict) or not {"gamma", "beta"} <= params[k].keys()
        ):
            raise ValueError(f'{kind} params["{k}"] must be a dict with "gamma" and "beta"')
    return params


def _norm(x: np.ndarray, p: dict) -> np.ndarray:
    """``layer_norm`` with a norm's parameters dict ``{"gamma", "beta"}``."""
    return layer_norm(x, p["gamma"], p["beta"])


def encoder_layer(x, params: dict, num_heads: int, mask=None, norm_first: bool = False):
    """One encoder layer: self-attention, then the feed-forward network, each in a residual.

    x ``(..., n, d_model)``; ``params`` as from :func:`init_encoder_layer_params`; ``mask``
    boolean (True = may attend) broadcastable to ``(..., n, n)``, e.g. a padding mask.
    Post-LN (the paper, ``norm_first=False``): ``x = norm1(x + attn(x))``, then
    ``x = norm2(x + ffn(x))``. Pre-LN (``norm_first=True``, a variant):
    ``x = x + attn(norm1(x))``, then ``x = x + ffn(norm2(x))``.
    Returns ``(out (..., n, d_model), weights (..., h, n, n))``. Notebook 04, section 6.
    """
    x = as_float_array(x, "x", allow_inf=False)  # (..., n, d_model)
    require_ndim(x, 2, "x", "(..., n, d_model)")
    p = _check_layer(params, ("self_attn", "ffn", "norm1", "norm2"), "encoder_layer")
    if norm_first:  # pre-LN: normalise the sublayer's input; the stream itself is never normed
        z = _norm(x, p["norm1"])  # (..., n, d_model)
        attn, weights = multi_head_attention(z, z, p["self_attn"], num_heads, mask=mask)
        x = _residual(x, attn, "self-attention")  # (..., n, d_model)
        x = _residual(x, feed_forward(_norm(x, p["norm2"]), p["ffn"]), "feed-forward")
    else:  # post-LN: add the sublayer's output, then normalise the sum
        attn, weights = multi_head_attention(x, x, p["self_attn"], num_heads, mask=mask)
        x = _norm(_residual(x, attn, "self-attention"), p["norm1"])  # (..., n, d_model)
        x = _norm(_residual(x, feed_forward(x, p["ffn"]), "feed-forward"), p["norm2"])
    return x, weights  # (..., n, d_model), (..., h, n, n)


def decoder_layer(
    y,
    memory,
    params: dict,
    num_heads: int,
    self_mask=None,
    memory_mask=None,
    norm_first: bool = False,
):
    """One decoder layer: masked self-attention, cross-attention to the encoder's output
    (``memory``), then the feed-forward network, each in a residual.

    y ``(..., n_tgt, d_model)`` (the target so far); memory ``(..., n_src, d_model)``;
    ``params`` as from :func:`init_decoder_layer_params`. ``self_mask`` broadcastable to
    ``(..., n_tgt, n_tgt)`` (usually ``causal_mask(n_tgt)``); ``memory_mask`` broadcastable
    to ``(..., n_tgt, n_src)`` (usually the source's padding mask). Cross-attention takes
    its queries from the target and its keys and values from ``memory``. Post-LN (the paper)
    or pre-LN (``norm_first=True``) as in :func:`encoder_layer`; norm_i belongs to sublayer i
    (self-attention, cross-attention, the feed-forward network): after it in post-LN, before
    it in pre-LN. Returns
    ``(out (..., n_tgt, d_model), self_weights (..., h, n_tgt, n_tgt),
    cross_weights (..., h, n_tgt, n_src))``. Notebook 04, section 6.
    """
    y = as_float_array(y, "y", allow_inf=False)  # (..., n_tgt, d_model)
    memory = as_float_array(memory, "memory", allow_inf=False)  # (..., n_src, d_model)
    require_ndim(y, 2, "y", "(..., n_tgt, d_model)")
    require_ndim(memory, 2, "memory", "(..., n_src, d_model)")
    keys = ("self_attn", "cross_attn", "ffn", "norm1", "norm2", "norm3")
    p = _check_layer(params, keys, "decoder_layer")
    h = num_heads
    if norm_first:  # pre-LN
        z = _norm(y, p["norm1"])
        attn, self_w = multi_head_attention(z, z, p["self_attn"], h, mask=self_mask)
        y = _residual(y, attn, "self-attention")  # (..., n_tgt, d_model)
        z = _norm(y, p["norm2"])  # queries from the target; keys, values from memory
        attn, cross_w = multi_head_attention(z, memory, p["cross_attn"], h, mask=memory_mask)
        y = _residual(y, attn, "cross-attention")  # (..., n_tgt, d_model)
        y = _residual(y, feed_forward(_norm(y, p["norm3"]), p["ffn"]), "feed-forward")
    else:  # post-LN: the paper
        attn, self_w = multi_head_attention(y, y, p["self_attn"], h, mask=self_mask)
        y = _norm(_residual(y, attn, "self-attention"), p["norm1"])  # (..., n_tgt, d_model)
        attn, cross_w = multi_head_attention(y, memory, p["cross_attn"], h, mask=memory_mask)
        y = _norm(_residual(y, attn, "cross-attention"), p["norm2"])
        y = _norm(_residual(y, feed_forward(y, p["ffn"]), "feed-forward"), p["norm3"])
    return y, self_w, cross_w  # (..., n_tgt, d), (..., h, n_tgt, n_tgt), (..., h, n_tgt, n_src)
