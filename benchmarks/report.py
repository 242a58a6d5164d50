"""The one writer of the benchmarks' markdown: every result file goes through `write` (or
`update_section`), and results.md is put together here from what one run of `python -m benchmarks`
measured, so no number in it is typed by hand. The sections of quick.md (`--quick`) and
preview.md (`--only preview`) are put together in sections.py."""

import datetime
import platform
import re
from pathlib import Path

from dreamvideo.network import models

from .base import REPO
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


def _pct(rate, peak):
    return f"{100 * rate / peak:.0f}%"


def targets(run):
    """(target, this run, met): every target a ratio to a peak measured in the same run."""
    rows = []
    for f in run["frames"]:
        network, whole = f["flops"] / f["network"], f["flops"] / f["frame"]
        rows.append(
            (
                f"network's part of a 640x360 frame, layer {f['layer']}, {run['precision']}: >= 60% of the peak",
                f"{_pct(network, f['peak'])} ({network / 1e9:.0f} of {f['peak'] / 1e9:.0f} GFLOP/s)",
                network >= 0.6 * f["peak"],
            )
        )
        rows.append(
            (
                f"whole 640x360 frame, layer {f['layer']}: >= 45% of the peak",
                f"{_pct(whole, f['peak'])} ({whole / 1e9:.0f} GFLOP/s)",
                whole >= 0.45 * f["peak"],
            )
        )
    over, hidden = run["outside"][0], _hidden(run)
    rows.append(
        (
            "outside the network <= 10% of a 640x360 frame",
            f"{over['outside']:.1f}% with the write in line, {hidden:.1f}% in a chunk "
            "(the write beside the next dream)",
            hidden <= 10,
        )
    )
    four_k = run["big"][-1]
    rows.append(
        (
            "a 3840x2160 frame dreams within 8 GB (default tile_size)",
            f"{four_k['mb'] / 1024:.1f} GB peak",
            four_k["mb"] <= 8192,
        )
    )
    rows += [
        (
            f"one frame's dream at {run['odd'][0]}x{run['odd'][1]} identical in 6 fresh processes, {p}",
            f"{n} distinct",
            n == 1,
        )
        for p, n in run["bytes"].items()
    ]
    minutes = run["seconds"] / 60
    rows.append(
        (f"`make benchmark` <= 15 minutes on {run['machine']['cores']} cores", f"{minutes:.1f} min", minutes <= 15)
    )
    rows.append(("the same frame on a GPU (`make venv GPU=1`)", "no GPU was lent to this run: not checked", None))
    return rows


def _hidden(run):
    """Outside the network in a chunk job, % of its frame: the parts less what writing beside the next
    dream saved a frame."""
    m = run["outside"][0]["parts"]
    saved = max(
        0.0, min(run["overlap"]["in line"] - run["overlap"]["beside"], m["write PNG"])
    )  # no more than the write
    outside = m["camera + colour"] + m["octave work"] + m["write PNG"] - saved
    return 100 * outside / (m["frame"] - saved)


def _machine_lines(run):
    import tensorflow as tf

    m = run["machine"]
    return [
        "# Benchmark results",
        "",
        f"Written by `python -m benchmarks` (`make benchmark`) on {datetime.date.today()} in {run['seconds'] / 60:.1f} "
        "minutes: every number below comes from that one run, on this machine.",
        "",
        f"- CPU: {m['name']} (family {m['family']}, model {m['model']}), {m['cores']} cores at a nominal "
        f"{m['ghz']:.2f} GHz; flags: {flag_list(m)}. 1-minute load average before / after: "
        f"{run['load'][0]:.1f} / {run['load'][1]:.1f}.",
        f"- Python {platform.python_version()}, TensorFlow {tf.__version__} (CPU kernels here: "
        f"{'oneDNN' if onednn_default() else 'its own'}; oneDNN {m['onednn']}); the default precision resolves to "
        f"**{run['precision']}**.",
        f"- Peaks measured here: 4096^2 GEMM {run['gemm'][run['precision']]:.0f} GFLOP/s in {run['precision']}"
        + (f", float32 {run['gemm']['float32']:.0f}" if run["precision"] != "float32" else "")
        + f"; a plain copy writes {run['bandwidth'] / 1e9:.1f} GB/s. The peak of a target is the higher of the GEMM "
        "in the frame's precision and the frame's own convolutions timed alone (each shape of the step, forward and "
        "input gradient, nothing between them).",
        f"- Model {models.DEFAULT_MODEL}; a frame is the schema's defaults: read PNG, camera + colour, 1 iteration x 2 "
        f"octaves, tile size 400, write PNG; medians of {run['rounds']} frames after 2 of warm-up.",
        "",
    ]


def _frame_lines(run):
    lines = [
        "## A 640x360 frame against the peaks",
        "",
        "*Network*: the frame's octave calls (both octaves' gradient steps, timed inside the frame); their FLOPs "
        "are the convolutions' (forward x2 for the input gradients), counted from the network's shapes.",
        "",
        "| layer | frame | network | FLOP | network rate | GEMM peak | convolutions alone | network / peak "
        "| frame / peak |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in run["frames"]:
        lines.append(
            f"| {f['layer']} | {f['frame']:.3f} s | {f['network']:.3f} s | {f['flops'] / 1e9:.1f} G | "
            f"{f['flops'] / f['network'] / 1e9:.0f} GFLOP/s | {run['gemm'][run['precision']]:.0f} GFLOP/s | "
            f"{f['alone'] / 1e9:.0f} GFLOP/s | {_pct(f['flops'] / f['network'], f['peak'])} | "
            f"{_pct(f['flops'] / f['frame'], f['peak'])} |"
        )
    for r in run["roofline"]:
        lines += [
            "",
            f"### Roofline: one gradient step of layer {r['layer']}, 640x360 "
            f"({r['precision']}, {r['step'] * 1000:.0f} ms)",
            "",
            "TensorFlow's profiler over 5 steps; each op's time and the bytes of its outputs summed per class. Ops run "
            "two at a time on these cores (inter-op threads), so the shares are of op time, which exceeds the step's "
            "wall time. FLOP rows against the peak above; the others in bytes written against a plain copy.",
            "",
            r["table"],
        ]
    return lines + [""]


def _outside_lines(run):
    lines = [
        "## Outside the network",
        "",
        "Each part on its own, in alternation with whole frames. *Octave work* is the same dream call with the network "
        "swapped for the identity (tiling, per-tile normalisation, smoothing, pyramid, resizes). In a chain the "
        "previous frame comes from memory, so a PNG read is paid only by the first frame after a (re)start.",
        "",
        "| size | frame | camera + colour | octave work | write PNG | outside the network | (PNG read on resume) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in run["outside"]:
        m = r["parts"]
        lines.append(
            f"| {r['size'][0]}x{r['size'][1]} | {m['frame']:.3f} s | {m['camera + colour']:.3f} s | "
            f"{m['octave work']:.3f} s | {m['write PNG']:.3f} s | {r['outside']:.1f}% | {m['read PNG']:.3f} s |"
        )
    o = run["overlap"]
    lines += [
        "",
        "A chunk job writes each frame's PNG in a second thread while the next frame dreams (render.make_frames): "
        f"12 chained 640x360 frames took {o['in line']:.3f} s a frame with the write in line, {o['beside']:.3f} s "
        f"beside the next dream ({1000 * (o['in line'] - o['beside']):.0f} ms saved a frame; median of 3).",
    ]
    lines += ["", "The PNG write at each zlib level (run-length matching, Paeth filter; a 640x360 frame):", ""]
    lines += ["| level | write | size |", "|---|---|---|"]
    lines += [f"| {r['level']} | {1000 * r['seconds']:.1f} ms | {r['bytes'] / 1e3:.0f} kB |" for r in run["png"]]
    return lines + [""]


def _big_lines(run):
    lines = [
        "## 1920x1080 and 3840x2160",
        "",
        f"Layer 3, {run['precision']}, the default tile_size; each size in a fresh process: the second chained "
        "frame's time (the first traces) and the process's peak resident memory (model, TensorFlow and all).",
        "",
        "| size | frame | peak memory |",
        "|---|---|---|",
    ]
    lines += [
        f"| {r['size'][0]}x{r['size'][1]} | {r['seconds'][-1]:.2f} s | {r['mb'] / 1024:.2f} GB |" for r in run["big"]
    ]
    return lines + [""]


def _bfloat16_lines(run):
    b = run["bf16"]
    return [
        "## bfloat16",
        "",
        f"Frame 640x360, layer 3: float32 {b['float32']:.3f} s, bfloat16 {b['bfloat16']:.3f} s "
        f"({b['float32'] / b['bfloat16']:.2f}x). The same dream (layer 5, 10 iterations x 4 octaves) in float32 | "
        f"bfloat16 | 4x their difference: mean difference {b['mean_difference']:.1f} levels, correlation of the "
        f"two dreams' changes {b['correlation']:.3f}.",
        "",
        "![float32, bfloat16, difference](bfloat16.jpg)",
        "",
    ]


# Earlier runs on other machines (each `python -m benchmarks` or `--quick`, as written then): seconds per
# 640x360 frame at the defaults of that day, and the GEMM peak in the default precision.
HISTORY = (
    ("2026-11-25", "AMD EPYC (family 25, model 1), 2 cores, AVX2", "float32, TensorFlow's kernels", 0.454, 0.710, 89),
    ("2026-12-04", "AMD EPYC (family 25, model 17), 2 cores, AVX512_BF16", "bfloat16, oneDNN", 0.222, 0.325, 414),
    ("2026-12-05", "Intel Xeon with AMX, 2 cores", "bfloat16, oneDNN", 0.303, 0.394, 538),
)


def _history_lines():
    lines = [
        "",
        "## History: other machines",
        "",
        "Absolute figures from earlier runs on other CPUs (seconds mean little across machines; this run's ratios "
        "above are what the targets read).",
        "",
        "| date | machine | precision, kernels | frame 640x360 L3 | L6 | GEMM peak |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {d} | {m} | {p} | {a:.3f} s | {b:.3f} s | {g} GFLOP/s |" for d, m, p, a, b, g in HISTORY]
    return lines + [""]


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


def results(path, run):
    """results.md from one full run of `python -m benchmarks` (`run`: what __main__.full measured)."""
    lines = _machine_lines(run) + _frame_lines(run) + _outside_lines(run) + _big_lines(run)
    lines += _pipeline_lines(run["pipe"], run["dag"]) + _bfloat16_lines(run)
    lines += ["## Targets", "", *target_table(targets(run))]
    lines += ["", "What was tried for the targets missed: [README.md](README.md#targets-missed-and-what-was-tried)."]
    lines += _history_lines()
    write(path, lines)
