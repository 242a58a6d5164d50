"""The one writer of the benchmarks' markdown: every result file goes through `write` (or
`update_section`), and results.md's main tables are put together here from what `python -m
benchmarks` measured, so no number in it is typed by hand. The sections that other runs update in
place (`--quick`, the preview) are put together in sections.py."""

import datetime
import platform
import re
from pathlib import Path

from dreamvideo.network import models

from .base import REPO, SIZES
from .machine import flag_list, onednn_default


def shown(path):
    path = Path(path)
    return path.relative_to(REPO) if path.resolve().is_relative_to(REPO) else path


def write(path, lines):
    """`lines` as the file at `path`, one a line (end them with "" for a final newline)."""
    save(path, "\n".join(lines))


def save(path, text):
    Path(path).write_text(text)
    print(f"wrote {shown(path)}", flush=True)


def update_section(path, heading, lines):
    """Replace the section under `heading` in results.md (up to the next `## `), or add it before Targets."""
    path = Path(path)
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    block = "\n".join(lines) + "\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    elif "\n## Targets" in text:
        text = text.replace("\n## Targets", "\n" + block + "\n## Targets", 1)
    else:
        text += "\n" + block
    save(path, text)


def met(value):
    return "n/a" if value is None else "yes" if value else "**no**"


def target_table(rows):
    return ["| target | this run | met |", "|---|---|---|", *[f"| {t} | {v} | {met(m)} |" for t, v, m in rows]]


def targets(core, over, bf16, machine, backend, peer, pipe, dag):
    """(target, what this run measured, met) for each goal of the speed work."""

    def find(layer, size):
        return next(r for r in core if r["layer"] == layer and r["size"] == size)

    small, large = find(3, SIZES[0]), find(3, SIZES[1])
    frames = [r for r in peer if r["label"] == "video frame"]
    overhead = 100 * (pipe["piped"] / pipe["in_job"] - 1)
    default = next(r for label, r in backend.items() if label.endswith("(default here)"))
    speedup = bf16["float32"] / bf16["bfloat16"]
    rows = [
        (
            "repeated runs byte-identical (default kernels)",
            f"{default['distinct']} distinct in {default['runs']} processes",
            default["distinct"] == 1,
        ),
        (
            "gradient step >= 60% of the measured float32 GEMM, 640x360, layer 3",
            f"{small['peak_pct']:.0f}% ({small['rate']:.0f} of {machine['peak']:.0f} GFLOP/s)",
            small["peak_pct"] >= 60,
        ),
    ]
    rows += [
        (
            f"frame time outside the network <= 10%, {r['size'][0]}x{r['size'][1]}",
            f"{r['outside']:.1f}%",
            r["outside"] <= 10,
        )
        for r in over
    ]
    rows += [
        (
            "bfloat16 >= 1.5x faster per frame (where the CPU has it)",
            f"{speedup:.2f}x" + ("" if machine["bf16"] else " (no AVX512_BF16/AMX here: emulated)"),
            speedup >= 1.5 if machine["bf16"] else None,
        ),
        ("frame 640x360 <= 0.6 s (layer 3)", f"{small['frame']:.3f} s", small["frame"] <= 0.6),
        ("frame 1280x720 <= 2.5 s (layer 3)", f"{large['frame']:.3f} s", large["frame"] <= 2.5),
        (
            ">= 5x faster per video frame than the seed's way",
            ", ".join(f"layer {r['layer']}: {r['seed'] / r['ours']:.1f}x" for r in frames),
            all(r["seed"] / r["ours"] >= 5 for r in frames),
        ),
        ("Snakemake overhead <= 5% of frame time", f"{overhead:+.1f}%", overhead <= 5),
        ("DAG of 3,600 frames <= 5 s (default frames_per_job)", f"{dag['dry']:.1f} s", dag["dry"] <= 5),
        ("no-op rerun of 3,600 frames <= 3 s (default frames_per_job)", f"{dag['noop']:.1f} s", dag["noop"] <= 3),
    ]
    return rows


def _machine_lines(m, runs):
    import tensorflow as tf

    return [
        "# Benchmark results",
        "",
        f"Written by `python -m benchmarks` on {datetime.date.today()}: every number below comes from that run.",
        "",
        f"- CPU: {m['name']} (family {m['family']}, model {m['model']}), {m['cores']} cores at a nominal "
        f"{m['ghz']:.2f} GHz; flags: {flag_list(m)}.",
        f"- Python {platform.python_version()}, TensorFlow {tf.__version__} (CPU kernels by default here: "
        f"{'oneDNN' if onednn_default() else 'its own'}; oneDNN {m['onednn']}).",
        f"- Peak measured here: 4096^2 float32 GEMM {m['peak']:.0f} GFLOP/s at best (the faster kernels, table below), "
        f"{m['gemm']:.0f} GFLOP/s with the default kernels"
        + (
            f", bfloat16 GEMM {m['peak_bf16']:.0f} GFLOP/s"
            if m["peak_bf16"]
            else " (no bfloat16 GEMM: the CPU has no AVX512_BF16/AMX)"
        )
        + f"; nominal {m['nominal']:.0f} GFLOP/s (cores x clock x fp32 lanes x FMA x 2 units).",
        f"- Model {models.DEFAULT_MODEL}; medians of {runs} runs after warm-up; a frame is: read PNG, camera + colour, "
        "1 iteration x 2 octaves (num_repeats 1), tile size 400, write PNG.",
        "",
    ]


def _speed_lines(backend, core, over):
    lines = [
        "## Kernels: TensorFlow's own against oneDNN's",
        "",
        "Each in fresh processes; the bytes are those of the dream that showed the problem (321x181, layer 6, "
        "`dream-image` defaults, seed 3), made once per process.",
        "",
        "| kernels | float32 GEMM | step 640x360 L3 | frame 640x360 L3 | bfloat16 frame | distinct results |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {label} | {r['gemm']:.0f} GFLOP/s | {r['step']:.3f} s | {r['frame']:.3f} s | {r['frame_bf16']:.3f} s "
        f"| {r['distinct']} in {r['runs']} processes |"
        for label, r in backend.items()
    ]
    lines += [
        "",
        "## Dream step and frame (default kernels)",
        "",
        "| layer | size | gradient step | GFLOP per step | GFLOP/s | % of measured peak | % of the same kernels' GEMM "
        "| % of nominal | full frame |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['layer']} ({models.get(models.DEFAULT_MODEL).layer_name(r['layer'])}) | {r['size'][0]}x{r['size'][1]} "
        f"| {r['step']:.3f} s | {r['gflops']:.1f} | {r['rate']:.0f} | {r['peak_pct']:.0f}% | {r['same_pct']:.0f}% "
        f"| {r['nominal_pct']:.0f}% | {r['frame']:.3f} s |"
        for r in core
    ]
    lines += [
        "",
        "## Where a frame's time goes (layer 3)",
        "",
        "Each part timed on its own, in alternation with whole frames. *Octave work* is the same dream call with "
        "the network swapped for the identity (tiling, per-tile normalisation, smoothing, pyramid, resizes). "
        "In a chain the previous frame comes from memory, so a PNG read is paid only by the first frame after "
        "a (re)start.",
        "",
        "| size | frame | camera + colour | octave work | write PNG | outside the network | (PNG read on resume) |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['size'][0]}x{r['size'][1]} | {q['frame']:.3f} s | {q['camera + colour']:.3f} s "
        f"| {q['octave work']:.3f} s | {q['write PNG']:.3f} s | {r['outside']:.1f}% | {q['read PNG']:.3f} s |"
        for r in over
        for q in [r["parts"]]
    ]
    return lines


def _choice_lines(ablated, bf16, peer):
    from .peers import SINGLE_IMAGE

    lines = [
        "",
        "## What each network rewrite brings (one gradient step, 640x360, layer 3, whole image)",
        "",
        "| network | step | GFLOP/s |",
        "|---|---|---|",
    ]
    lines += [f"| {r['label']} | {r['step']:.3f} s | {r['rate']:.0f} |" for r in ablated]
    lines += [
        "",
        "## bfloat16",
        "",
        f"Frame 640x360, layer 3: float32 {bf16['float32']:.3f} s, bfloat16 {bf16['bfloat16']:.3f} s "
        f"({bf16['float32'] / bf16['bfloat16']:.2f}x). The same dream (layer 5, 10 iterations x 4 octaves) in float32 "
        f"| bfloat16 | 4x their difference: mean difference {bf16['mean_difference']:.1f} levels, correlation of the "
        f"two dreams' changes {bf16['correlation']:.3f}.",
        "",
        "![float32, bfloat16, difference](bfloat16.jpg)",
        "",
    ]
    lines += [
        "## The same 640x360 frame, made the peers' way",
        "",
        f"Video frame: the settings above. Single image: `dream-image` defaults "
        f"({SINGLE_IMAGE['num_iterations']} iterations x {SINGLE_IMAGE['num_repeats'] + 1} octaves, step 3), "
        "one run after warm-up.",
        "",
        "| layer | what | ours | seed's way (Hvass-style) | speed-up | TF tutorial's way | speed-up |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['layer']} | {r['label']} | {r['ours']:.3f} s | {r['seed']:.3f} s | {r['seed'] / r['ours']:.1f}x "
        f"| {r['tutorial']:.3f} s | {r['tutorial'] / r['ours']:.1f}x |"
        for r in peer
    ]
    return lines


def _pipeline_lines(pipe, dag):
    return [
        "",
        "## Pipeline",
        "",
        f"- Chained 640x360 frames, layer 3, one job per frame: through Snakemake {pipe['piped']:.3f} s/frame, "
        f"of which {pipe['in_job']:.3f} s in the frame's dream (same run): "
        f"{1000 * (pipe['piped'] - pipe['in_job']):.0f} ms per job, "
        f"overhead {100 * (pipe['piped'] / pipe['in_job'] - 1):+.1f}%. Plain loop, another process: "
        f"{pipe['looped']:.3f} s/frame (identical frame bytes: {pipe['same']}).",
        f"- {dag['frames']} frames, default frames_per_job (K = {dag['k']}): `snakemake -n` {dag['dry']:.1f} s; "
        f"no-op rerun of a finished render {dag['noop']:.1f} s. One job per frame: {dag['dry_1']:.1f} s and "
        f"{dag['noop_1']:.1f} s. All include Snakemake's start-up.",
        "",
    ]


def results(path, machine, backend, core, over, ablated, bf16, peer, pipe, dag, runs):
    """results.md from a full run (its preview and quick sections are added by update_section)."""
    lines = (
        _machine_lines(machine, runs)
        + _speed_lines(backend, core, over)
        + _choice_lines(ablated, bf16, peer)
        + _pipeline_lines(pipe, dag)
    )
    lines += ["## Targets", "", *target_table(targets(core, over, bf16, machine, backend, peer, pipe, dag))]
    lines += [
        "",
        "What was tried for the targets missed: [README.md](README.md#targets-missed-and-what-was-tried).",
        "",
    ]
    write(path, lines)
