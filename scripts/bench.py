"""``make bench``: how fast the notebooks, the widgets and utils' attention really are.

Prints one markdown report and writes it to bench/results.md and into the README between
``<!-- bench:start -->`` and ``<!-- bench:end -->``. Three parts:

1. each notebook's execution time against an "empty" notebook (kernel start plus the
   setup imports) run in the same session: the floor no notebook can go below;
2. each explorer's callback latency: from setting a control's value to the new view being
   in its Output (the observers run synchronously), median and worst over repeated changes;
3. ``utils.multi_head_attention`` against ``torch.nn.MultiheadAttention`` (per-head weights:
   ``need_weights=True, average_attn_weights=False``) and against a torch pipeline built on
   ``F.scaled_dot_product_attention`` (which returns no weights, so it is a lower bound),
   CPU float32, same weights, interleaved repetitions with a pause between calls (BLAS
   threads spin after a call and would slow the next one), medians; with 1 and 2 threads;
   plus the fraction of numpy's own large-matmul throughput that our code achieves.

Timings, not assertions: nothing here fails a test. Targets are printed next to results.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
from execute_notebooks import notebook_client  # noqa: E402 (scripts/ is on sys.path)
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from utils import _kernels  # noqa: E402
from utils.attention import init_mha_params, multi_head_attention  # noqa: E402
from utils.widgets import all_explorers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
EMPTY_SOURCE = (
    "from utils.notebook import setup\n"
    "import numpy as np\nimport matplotlib.pyplot as plt\nimport ipywidgets\n"
    "import utils.attention, utils.positional, utils.plotting, utils.widgets\n"
    "rng = setup()"
)
MHA_SIZES = [(1, 128, 512, 8), (8, 512, 512, 8), (1, 2048, 512, 8)]


# --- 1. notebooks ------------------------------------------------------------------------------


def run_notebook(nb: nbformat.NotebookNode, folder: Path) -> float:
    """Seconds to start a kernel and execute ``nb`` in ``folder`` (outputs are discarded)."""
    client = notebook_client(nb, folder)
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def bench_notebooks(repeats: int) -> list[str]:
    """Markdown rows: notebook, median seconds, ratio to the empty-notebook floor."""
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(EMPTY_SOURCE)])
    times = {"(empty: kernel start + imports)": [], **{p.name: [] for p in paths}}
    for _ in range(repeats):  # interleaved, so drifting load hits every notebook alike
        times["(empty: kernel start + imports)"].append(run_notebook(empty, ROOT / "notebooks"))
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            times[path.name].append(run_notebook(nb, path.parent))
    floor = statistics.median(times["(empty: kernel start + imports)"])
    rows = ["| notebook | median s | x empty | target |", "| --- | ---: | ---: | --- |"]
    for name, values in times.items():
        median = statistics.median(values)
        verdict = "" if name.startswith("(") else ("ok" if median <= 3 * floor else "OVER 3x")
        rows.append(f"| {name} | {median:.2f} | {median / floor:.2f} | {verdict} |")
    return rows


# --- 2. widgets ----------------------------------------------------------------------------------


def next_value(control):
    """A different valid value for ``control`` (cycling through its range or options)."""
    if hasattr(control, "options") and control.options:
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return values[(values.index(control.value) + 1) % len(values)]
    if isinstance(control.value, bool):
        return not control.value
    step = getattr(control, "step", 1) or 1
    value = control.value + step
    return control.min if value > control.max else value


def bench_widgets(changes: int) -> list[str]:
    """Markdown rows: explorer, controls, median and worst callback latency in ms."""
    rows = ["| explorer | controls | changes | median ms | worst ms | target |"]
    rows.append("| --- | --- | ---: | ---: | ---: | --- |")
    for cls in all_explorers():
        explorer = cls()
        latencies = []
        for control in explorer.controls:
            for _ in range(changes):
                renders = explorer.renders
                start = time.perf_counter()
                control.value = next_value(control)
                latencies.append(time.perf_counter() - start)
                if explorer.renders == renders:
                    latencies.pop()  # this value was clamped or equal: nothing redrew
        names = ", ".join(
            getattr(c, "description", "") or type(c).__name__ for c in explorer.controls
        )
        median, worst = 1000 * statistics.median(latencies), 1000 * max(latencies)
        verdict = "ok" if median < 50 else "OVER 50 ms"
        cells = [cls.__name__, names, len(latencies), f"{median:.1f}", f"{worst:.1f}", verdict]
        rows.append("| " + " | ".join(str(c) for c in cells) + " |")
    return rows


# --- 3. multi-head attention against torch -------------------------------------------------------


def mha_flops(batch: int, n: int, d_model: int) -> float:
    """Floating-point operations (2 per multiply-add) of one self-attention call."""
    projections = 4 * batch * n * d_model * d_model  # Q, K, V and W^O
    attention = 2 * batch * n * n * d_model  # Q K^T and weights V, summed over heads
    return 2.0 * (projections + attention)


def timed_medians(calls: dict, repeats: int, pause: float) -> dict:
    """Median seconds of each zero-argument call, run interleaved with a pause before each."""
    for call in calls.values():
        call()  # warm up
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            time.sleep(pause)
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def matmul_throughput(threads: int) -> float:
    """numpy float32 GFLOP/s on a large square matmul with ``threads`` BLAS threads."""
    a = np.random.default_rng(0).normal(size=(2048, 2048)).astype(np.float32)
    with threadpool_limits(threads, user_api="blas"):
        seconds = timed_medians({"mm": lambda: a @ a}, repeats=5, pause=0.3)["mm"]
    return 2 * 2048**3 / seconds / 1e9


def torch_callables(torch, x: np.ndarray, params: dict, h: int) -> dict:
    """Two torch versions of the same layer: nn.MultiheadAttention and an SDPA pipeline."""
    d_model = x.shape[-1]
    layer = torch.nn.MultiheadAttention(d_model, h, batch_first=True).eval()
    with torch.no_grad():
        layer.in_proj_weight.copy_(
            torch.from_numpy(np.concatenate([params[w].T for w in ("W_q", "W_k", "W_v")]))
        )
        layer.in_proj_bias.copy_(
            torch.from_numpy(np.concatenate([params[b] for b in ("b_q", "b_k", "b_v")]))
        )
        layer.out_proj.weight.copy_(torch.from_numpy(params["W_o"].T.copy()))
        layer.out_proj.bias.copy_(torch.from_numpy(params["b_o"]))
    xt = torch.from_numpy(x)
    batch, n, _ = x.shape

    def nn_mha():
        with torch.no_grad():
            return layer(xt, xt, xt, need_weights=True, average_attn_weights=False)

    def sdpa_pipeline():
        with torch.no_grad():
            qkv = torch.nn.functional.linear(xt, layer.in_proj_weight, layer.in_proj_bias)
            q, k, v = (t.view(batch, n, h, -1).transpose(1, 2) for t in qkv.chunk(3, dim=-1))
            heads = torch.nn.functional.scaled_dot_product_attention(q, k, v)
            concat = heads.transpose(1, 2).reshape(batch, n, d_model)
            return torch.nn.functional.linear(concat, layer.out_proj.weight, layer.out_proj.bias)

    return {"torch nn.MultiheadAttention": nn_mha, "torch SDPA pipeline": sdpa_pipeline}


def bench_mha(repeats: int, pause: float) -> list[str]:
    """Markdown rows: size, threads, our time, ratios to torch, fraction of numpy matmul."""
    try:
        import torch
    except ImportError:
        return [
            "torch is not installed (`.venv/bin/pip install torch==2.13.0`): comparison skipped"
        ]
    rows = [
        "| (batch, n, d_model, h) | threads | ours ms | / nn.MHA | / SDPA pipeline | "
        "% of numpy matmul GFLOP/s | target vs nn.MHA |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    before = _kernels.get_num_threads()
    kept = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        _kernels.set_num_threads(threads)
        peak = matmul_throughput(threads)
        for batch, n, d_model, h in MHA_SIZES:
            params = {
                k: v.astype(np.float32) for k, v in init_mha_params(d_model, h, seed=0).items()
            }
            x = np.random.default_rng(1).normal(size=(batch, n, d_model)).astype(np.float32)
            calls = {"ours": lambda x=x, p=params, h=h: multi_head_attention(x, x, p, h)}
            calls.update(torch_callables(torch, x, params, h))
            calls["ours, fresh result arrays"] = lambda x=x, p=params, h=h: fresh_results(
                multi_head_attention, x, p, h
            )
            with threadpool_limits(threads, user_api="blas"):
                med = timed_medians(calls, repeats, pause)
            ours = med["ours"]
            ratio = ours / med["torch nn.MultiheadAttention"]
            target = {1: 1.15, 2: 1.4}[threads] if (batch, n) == (8, 512) else None
            verdict = (
                "" if target is None else f"<= {target}: {'ok' if ratio <= target else 'OVER'}"
            )
            achieved = mha_flops(batch, n, d_model) / ours / 1e9
            cells = [
                f"({batch}, {n}, {d_model}, {h})",
                threads,
                f"{1000 * ours:.1f}",
                f"{ratio:.2f}",
                f"{ours / med['torch SDPA pipeline']:.2f}",
                f"{100 * achieved / peak:.0f}%",
                verdict,
            ]
            rows.append("| " + " | ".join(str(c) for c in cells) + " |")
            if target is not None:
                fresh = med["ours, fresh result arrays"]
                kept.append(
                    f"{threads} thread(s): {1000 * fresh:.1f} ms, "
                    f"{fresh / med['torch nn.MultiheadAttention']:.2f}x nn.MHA"
                )
    _kernels.set_num_threads(before)
    rows.append("")
    rows.append(f"torch {torch.__version__}; % column: of numpy's float32 2048^2 matmul rate.")
    rows.append(
        "`ours` reuses its returned arrays once the caller has dropped them, as this loop does; "
        "a caller that keeps every result gets fresh arrays each call, at (8, 512, 512, 8): "
        + "; ".join(kept)
        + "."
    )
    return rows


def fresh_results(function, x, params, h):
    """One call of ``function`` with result-array recycling off (as if the caller kept
    every result)."""
    _kernels.set_result_recycling(False)
    try:
        return function(x, x, params, h)
    finally:
        _kernels.set_result_recycling(True)


# --- report --------------------------------------------------------------------------------------


def machine() -> str:
    """One line describing the machine, numpy's BLAS and the thread setup."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    blas_text = ", ".join(
        f"{i['internal_api']} {i.get('version')} ({i.get('architecture')})" for i in blas
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, numpy {np.__version__} with {blas_text}"
    )


def report(args) -> str:
    parts = [f"Measured {time.strftime('%Y-%m-%d')} on: {machine()}.", ""]
    if not args.skip_notebooks:
        parts += [
            f"**Notebooks** (execution, median of {args.repeats} runs):",
            "",
            *bench_notebooks(args.repeats),
            "",
        ]
    parts += [
        "**Widget callbacks** (set a control -> new view in place):",
        "",
        *bench_widgets(args.changes),
        "",
    ]
    parts += [
        "**Multi-head attention, CPU float32** (self-attention, medians):",
        "",
        *bench_mha(args.mha_repeats, args.pause),
        "",
    ]
    return "\n".join(parts)


def write_outputs(text: str) -> None:
    (ROOT / "bench").mkdir(exist_ok=True)
    (ROOT / "bench" / "results.md").write_text(text + "\n", encoding="utf-8")
    readme = ROOT / "README.md"
    content = readme.read_text(encoding="utf-8")
    if START in content and END in content:
        head, rest = content.split(START, 1)
        readme.write_text(f"{head}{START}\n{text}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per notebook")
    parser.add_argument("--changes", type=int, default=10, help="value changes per widget control")
    parser.add_argument(
        "--mha-repeats", type=int, default=7, help="timed calls per implementation"
    )
    parser.add_argument(
        "--pause", type=float, default=0.3, help="seconds of rest before each call"
    )
    parser.add_argument("--skip-notebooks", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    text = report(args)
    print(text)
    if not args.no_write:
        write_outputs(text)


if __name__ == "__main__":
    main()
