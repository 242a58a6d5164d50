"""The sections that the other runs update in place (report.update_section): the `--quick` check
(benchmarks/quick.md) and the draft preview against the full render (benchmarks/preview.md). Each
returns its lines; report.py writes them."""

import datetime

from dreamvideo.network import models

from .base import threads
from .machine import flag_list
from .report import target_table

QUICK_HEADING = "## Quick check (`--quick`)"
PREVIEW_HEADING = "## Draft preview against the full render"


def quick_section(machine, labels, hello, frames, exact, rounds, seconds, load, m):
    """The `--quick` section: each kernel set's GEMMs and frames, and its targets. `m`: the sizes (worker.Mode)."""
    from .base import default_precision

    precision, layers = default_precision(), m.layers
    lines = [
        QUICK_HEADING,
        "",
        f"Written by `python -m benchmarks --quick` on {datetime.date.today()}: {machine['name']} "
        f"(family {machine['family']}, model {machine['model']}), {machine['cores']} cores, threads {threads()}; "
        f"flags: {flag_list(machine)}. Each kernel set in its own process; "
        f"the frames (as in results.md: 1 iteration x 2 octaves, PNG in and out) alternate between them, median of "
        f"{rounds} rounds. The default precision (`precision` in the schema) resolves here to **{precision}**. "
        f"1-minute load average before / after: {load[0]:.1f} / {load[1]:.1f} (other work on the machine slows "
        f"every number; the ratios come from alternating frames).",
        "",
        "| kernels | float32 GEMM | bfloat16 GEMM | "
        + " | ".join(f"{p} L{layer}" for layer in layers for p in models.PRECISIONS)
        + " |",
        "|---|---|---|" + "---|" * (len(layers) * len(models.PRECISIONS)),
    ]
    for label in labels:
        h = hello[label]
        lines.append(
            f"| {label} | {h['gemm']:.0f} GFLOP/s | "
            + (f"{h['gemm_bf16']:.0f} GFLOP/s" if h["gemm_bf16"] else "n/a")
            + " | "
            + " | ".join(f"{frames[(label, layer, p)]:.3f} s" for layer in layers for p in models.PRECISIONS)
            + " |"
        )
    rows = quick_targets(machine, labels, frames, exact, seconds, m, precision)
    return lines + ["", *target_table(rows), ""]


def quick_targets(machine, labels, frames, exact, seconds, m, precision):
    """(target, what `--quick` measured, met) for each goal it checks."""
    default, other = labels
    own = default if default.startswith("TensorFlow") else other
    layers, size = m.layers, f"{m.quick_size[0]}x{m.quick_size[1]}"
    speed32 = [frames[(own, layer, "float32")] / frames[(default, layer, "float32")] for layer in layers]
    speed = [frames[(own, layer, "float32")] / frames[(default, layer, precision)] for layer in layers]
    bf16 = machine["bf16"]  # a frame's speed against the peak: results.md's targets (ratios)
    return [
        (
            f"byte-identical across 2 processes, default settings "
            f"(probe dream {m.probe_size[0]}x{m.probe_size[1]}, layer 6)",
            "identical" if exact else "different",
            exact,
        ),
        (
            f"default kernels vs TensorFlow's own, float32, per {size} frame: >= 1.25x (AVX512_BF16 CPU)",
            ", ".join(f"L{layer} {x:.2f}x" for layer, x in zip(layers, speed32)),
            min(speed32) >= 1.25 if bf16 else None,
        ),
        (
            "default kernels and precision vs TensorFlow's own float32: >= 2x (AVX512_BF16 CPU)",
            ", ".join(f"L{layer} {x:.2f}x" for layer, x in zip(layers, speed)),
            min(speed) >= 2 if bf16 else None,
        ),
        (
            "on an AVX2-only CPU no slower than before",
            "this CPU has AVX512_BF16" if bf16 else "not measured by --quick",
            None,
        ),
        (
            "`--quick` finishes in <= 5 minutes on 2 cores",
            f"{seconds / 60:.1f} min on {machine['cores']} cores",
            seconds <= 300 if machine["cores"] <= 2 else None,
        ),
    ]


def preview_section(pre, machine):
    p, f = pre["preview"], pre["final"]
    return [
        PREVIEW_HEADING,
        "",
        f"Measured by `python -m benchmarks --only preview` on {datetime.date.today()} ({machine['name']}, "
        f"family {machine['family']}, model {machine['model']}, {machine['cores']} cores, "
        f"{', '.join(machine['flags'])}): the demo ({pre['frames']} frames), each end to end "
        "through `snakemake --cores 1` in a fresh copy of the project (start-up, model load, frames, video, audio). "
        "The machine's 1-minute load average before and after each run is given: other work on it slows both. "
        "*To frame 1*: start-up, plan, model load and the first trace; *per frame*: the mean interval between "
        "frame files from frame 1 on (it includes a trace of the dream function at each new layer or layer mix); "
        "*after*: from the last frame to the end (video, audio; for final.mp4 also the contact sheet).",
        "",
        "| output | size | render time | to frame 1 | per frame | after | video duration | streams "
        "| load before / after |",
        "|---|---|---|---|---|---|---|---|---|",
        *[
            f"| {what}.mp4 | {r['size'][0]}x{r['size'][1]} | {r['seconds']:.1f} s | {r['first']:.1f} s "
            f"| {r['interval']:.3f} s | {r['after']:.1f} s | {r['duration']:.2f} s "
            f"| {', '.join(c for cs in r['streams'].values() for c in cs)} "
            f"| {r['load'][0]:.1f} / {r['load'][1]:.1f} |"
            for what, r in (("preview", p), ("final", f))
        ],
        "",
        f"The preview costs **1/{1 / pre['ratio']:.1f}** of the full render ({100 * pre['ratio']:.1f}%; "
        f"target <= 1/8); per frame, 1/{f['interval'] / p['interval']:.1f}.",
        "",
    ]
