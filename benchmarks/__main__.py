"""Speed, side by side in one run, on the machine it runs on; rewrites benchmarks/results.md
(`make benchmark`, under 15 minutes on 2 cores):

- the machine: CPU model, family and the flags that matter, TensorFlow and oneDNN versions; its
  peaks measured here (4096^2 GEMMs in float32 and, where the CPU has it, bfloat16; a plain copy's
  bandwidth; the frame's own convolutions timed alone);
- a 640x360 frame at layers 3 and 6: the network's part and the whole frame against those peaks,
  and a roofline of one gradient step, op class by op class (roofline.py, speed.py);
- what a frame spends outside the network, and the PNG write at each compression level;
- 1920x1080 and 3840x2160 frames: time and peak memory, each in a fresh process;
- the bytes of one frame's dream in 6 fresh processes per precision;
- bfloat16 against float32 (speed, and a side-by-side picture in benchmarks/bfloat16.jpg);
- Snakemake's overhead per frame job and the DAG of 3,600 frames; the targets, all ratios.

`--quick` (kernels x precision, in CI with `--tiny`) writes benchmarks/quick.md, `--only preview`
(the demo's draft preview against its full render) benchmarks/preview.md. The other measurements
run alone: `python -m benchmarks.jobs`, `.lock`, `.look`, `.deep_look`, `.music`, `.scale`, `.video`,
`.guides`, `.pieces`, `.roofline`."""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from dreamvideo.network import models

from . import ablations, machine, preview, quick, report, roofline, sections, snakemake_overhead, speed
from . import frame as frame_parts
from .base import REPO, SIZES, default_precision, start_tensorflow


def full(out, rounds):
    """Everything, side by side in this one run; rewrites results.md and bfloat16.jpg."""
    started, load = time.perf_counter(), os.getloadavg()[0]
    profile = machine.profile()
    profile["onednn"] = machine.onednn_version()
    start_tensorflow()
    precision = default_precision()
    run = dict(machine=profile, precision=precision, rounds=rounds, odd=speed.ODD)
    run["gemm"] = {p: machine.gemm_rate(p) for p in models.PRECISIONS if p == "float32" or profile["bf16"]}
    run["bandwidth"] = roofline.copy_bandwidth()
    print(f"{profile['name']}: GEMM {run['gemm']} GFLOP/s, copy {run['bandwidth'] / 1e9:.1f} GB/s", flush=True)
    run["frames"], run["roofline"] = [], []
    # Each layer twice, alternating, the faster median kept: a shared machine's busy minute slows
    # one of them, rarely both.
    shares = [speed.network_share(layer, SIZES[0], precision, rounds) for layer in (3, 6, 3, 6)]
    for layer, twice in zip((3, 6), (shares[0::2], shares[1::2])):
        frame = min(twice, key=lambda share: share["frame"])
        step = roofline.measure(layer, SIZES[0], precision)
        alone = 2 * step["flops"] / sum(step["alone"])  # FLOP/s of the step's convolutions alone
        peak = max(run["gemm"][precision] * 1e9, alone)
        frame.update(layer=layer, alone=alone, peak=peak)
        run["frames"].append(frame)
        run["roofline"].append(dict(step, table=roofline.table(step, peak, run["bandwidth"])))
        print(
            f"layer {layer}: frame {frame['frame']:.3f} s, network {frame['network']:.3f} s "
            f"({frame['flops'] / frame['network'] / 1e9:.0f} GFLOP/s; peak {peak / 1e9:.0f})",
            flush=True,
        )
    run["outside"] = frame_parts.overheads(2 * rounds + 1, 3, precision)
    run["png"] = speed.png_levels()
    run["overlap"] = speed.chunk_overlap(3, SIZES[0], precision, 3)
    print("a chunk's frames, the write in line / beside the next dream:", run["overlap"], flush=True)
    run["bf16"] = ablations.bfloat16(rounds, REPO / "benchmarks/bfloat16.jpg")
    run["big"] = speed.big_frames(3, precision)
    print("big frames:", [(r["size"], round(r["seconds"][-1], 2), round(r["mb"])) for r in run["big"]], flush=True)
    run["bytes"] = speed.same_bytes()
    print("distinct results in 6 processes:", run["bytes"], flush=True)
    run["pipe"] = snakemake_overhead.pipeline_overhead(frames=24)
    run["dag"] = snakemake_overhead.dag_speed()
    run["seconds"], run["load"] = time.perf_counter() - started, (load, os.getloadavg()[0])
    saved = Path(tempfile.gettempdir()) / "benchmarks_run.json"  # to rewrite the report without a rerun
    saved.write_text(json.dumps(run, default=float))
    report.results(out, run)


def main():
    p = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--out", help="default benchmarks/results.md (--quick: quick.md, --only preview: preview.md)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a few minutes: GEMM peak, a frame per kernel set and "
        "precision, bytes across 2 processes; updates its section of --out; exits 1 if the bytes differ",
    )
    p.add_argument(
        "--tiny", action="store_true", help="with --quick: small sizes, a check that it runs (writes nothing)"
    )
    p.add_argument("--rounds", type=int, default=5, help="frames timed per measurement, medians (default 5)")
    p.add_argument(
        "--only",
        choices=["preview"],
        help="run one section alone and update it in --out (preview: "
        "the demo's draft preview against its full render, about 8 minutes on 2 cores)",
    )
    args = p.parse_args()
    from dreamvideo.network import models, weights

    weights.prepare(models.DEFAULT_MODEL)
    name = "quick.md" if args.quick else "preview.md" if args.only else "results.md"
    out = Path(args.out or REPO / "benchmarks" / name)
    if args.quick:
        return 0 if quick.quick(out, args.rounds, args.tiny) else 1
    if args.only == "preview":
        return report.update_section(
            out, sections.PREVIEW_HEADING, sections.preview_section(preview.preview_cost(), machine.profile())
        )
    return full(out, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
