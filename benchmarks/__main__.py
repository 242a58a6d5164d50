"""Speed, side by side in one run, on the machine it runs on; writes benchmarks/results.md.

- the machine: CPU model, family and the flags that matter, TensorFlow and oneDNN versions, and
  its attainable peak measured here (a 4096^2 float32 GEMM through the same TensorFlow, and a
  bfloat16 one where the CPU has AVX512_BF16 or AMX), next to the nominal figure;
- TensorFlow's own CPU kernels (the default) against oneDNN's: speed, and bytes run to run;
- gradient step and full frame for layers 3 and 6 at 640x360 and 1280x720, as % of the peak;
- where a frame's time goes outside the network (PNG read/write, camera, colour, octave work);
- what each network rewrite brings (plain Keras, BN folding, forward-conv gradients, XLA);
- bfloat16 against float32 (speed, and a side-by-side picture in benchmarks/bfloat16.jpg);
- the same frame made the peers' way; Snakemake's overhead; the DAG of 3,600 frames;
- the demo's draft preview against its full render (also alone: `--only preview`).

Each part is its own module of this package (machine, worker, frame, ablations, peers,
snakemake_overhead, preview, quick); report.py writes the markdown (sections.py puts together the
sections that `--quick` and `--only preview` update). The other measurements run
alone: `python -m benchmarks.jobs`, `.lock`, `.look`, `.music`, `.scale`, `.video`."""

import argparse
import sys
from pathlib import Path

from . import ablations, frame, machine, peers, preview, quick, report, sections, snakemake_overhead
from .base import REPO, start_tensorflow
from .worker import kernels_env, run_probe


def backends():
    """oneDNN off and on: speed in one process each, bytes over 4 processes each."""
    rows = {}
    default = "1" if machine.onednn_default() else "0"
    for label, value in (
        ("TensorFlow's own kernels (TF_ENABLE_ONEDNN_OPTS=0)", "0"),
        ("oneDNN (TF_ENABLE_ONEDNN_OPTS=1)", "1"),
    ):
        label += " (default here)" if value == default else ""
        runs = [run_probe(kernels_env(value), timing=i == 0) for i in range(4)]
        row = dict(runs[0], distinct=len({r["hash"] for r in runs}), runs=len(runs))
        rows[label] = row
        print(
            f"{label}: GEMM {row['gemm']:.0f} GFLOP/s, step {row['step']:.3f} s, frame {row['frame']:.3f} s, "
            f"bfloat16 frame {row['frame_bf16']:.3f} s, {row['distinct']} distinct result(s) in {row['runs']} "
            "processes",
            flush=True,
        )
    return rows


def full(out, runs):
    """Everything, side by side in this run; rewrites results.md and bfloat16.jpg."""
    profile = machine.profile()
    profile["onednn"] = machine.onednn_version()
    start_tensorflow()
    profile["gemm"] = machine.gemm_rate("float32")  # the kernels renders run on
    backend = backends()
    profile["peak"] = max([profile["gemm"]] + [r["gemm"] for r in backend.values()])
    profile["peak_bf16"] = max([r["gemm_bf16"] or 0 for r in backend.values()]) or None
    print(
        f"{profile['name']} (family {profile['family']}), flags {profile['flags']}: float32 GEMM {profile['gemm']:.0f} "
        f"GFLOP/s with the default kernels, best {profile['peak']:.0f}, nominal {profile['nominal']:.0f}",
        flush=True,
    )
    core = frame.core_speed(profile["peak"], profile["gemm"], profile["nominal"], runs)
    over = frame.overheads(rounds=2 * runs + 1)
    ablated = ablations.ablation(runs)
    bf16 = ablations.bfloat16(runs, REPO / "benchmarks/bfloat16.jpg")
    peer = peers.peer_speed(max(2, runs // 2))
    pipe = snakemake_overhead.pipeline_overhead(frames=24)
    dag = snakemake_overhead.dag_speed()
    report.results(out, profile, backend, core, over, ablated, bf16, peer, pipe, dag, runs)
    report.update_section(out, sections.PREVIEW_HEADING, sections.preview_section(preview.preview_cost(), profile))


def main():
    p = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--out", default=str(REPO / "benchmarks/results.md"))
    p.add_argument(
        "--quick",
        action="store_true",
        help="a few minutes: GEMM peak, a frame per kernel set and "
        "precision, bytes across 2 processes; updates its section of --out; exits 1 if the bytes differ",
    )
    p.add_argument(
        "--tiny", action="store_true", help="with --quick: small sizes, a check that it runs (writes nothing)"
    )
    p.add_argument("--rounds", type=int, default=5, help="with --quick: rounds of frames (default 5)")
    p.add_argument(
        "--only",
        choices=["preview"],
        help="run one section alone and update it in --out (preview: "
        "the demo's draft preview against its full render, about 8 minutes on 2 cores)",
    )
    args = p.parse_args()
    from dreamvideo.network import models, weights

    weights.prepare(models.DEFAULT_MODEL)
    out = Path(args.out)
    if args.quick:
        return 0 if quick.quick(out, args.rounds, args.tiny) else 1
    if args.only == "preview":
        return report.update_section(
            out, sections.PREVIEW_HEADING, sections.preview_section(preview.preview_cost(), machine.profile())
        )
    return full(out, args.runs)


if __name__ == "__main__":
    sys.exit(main())
