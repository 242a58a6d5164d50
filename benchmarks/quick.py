"""`python -m benchmarks --quick`: kernels x precision, the GEMM peak and the bytes across
processes, in a few minutes. Each kernel set is a worker process (benchmarks.worker); the frames
(layers 3 and 6, each precision) alternate between them round by round, so a shared machine's
drift cancels in the ratios. The probe dream runs in 2 more fresh processes with the default
settings: its bytes must be the same. `--tiny` makes every size small and writes nothing."""

import os
import statistics
import time
from pathlib import Path

from dreamvideo.network import models

from . import machine, report, sections
from .worker import Worker, kernels_env, mode, run_probe


def kernel_sets():
    """{label: TF_ENABLE_ONEDNN_OPTS}: the default kernels (None: as this environment makes them) and the others."""
    default = machine.onednn_default()
    return {
        ("oneDNN" if default else "TensorFlow's own") + " (default here)": None,
        "TensorFlow's own (TF_ENABLE_ONEDNN_OPTS=0)" if default else "oneDNN (TF_ENABLE_ONEDNN_OPTS=1)": "0"
        if default
        else "1",
    }


def start_workers(kernels, tiny):
    workers = {}
    for label, value in kernels.items():
        workers[label] = Worker(label, kernels_env(value), tiny)  # one at a time: GEMMs alone
        h = workers[label].hello
        print(
            f"{label}: GEMM float32 {h['gemm']:.0f} GFLOP/s"
            + (f", bfloat16 {h['gemm_bf16']:.0f} GFLOP/s" if h["gemm_bf16"] else ""),
            flush=True,
        )
    return workers


def alternate(workers, layers, rounds):
    """{(kernels, layer, precision): median seconds of a frame}, every cell once per round."""
    cells = [(label, layer, precision) for layer in layers for precision in models.PRECISIONS for label in workers]
    for label, layer, precision in cells:  # warm-up: the first frame of a layer and precision traces
        workers[label].ask(layer, precision), workers[label].ask(layer, precision)
    times = {cell: [] for cell in cells}
    for _ in range(rounds):  # side by side: each round runs every cell once
        for label, layer, precision in cells:
            times[(label, layer, precision)].append(workers[label].ask(layer, precision))
    for w in workers.values():
        w.close()
    frames = {cell: statistics.median(v) for cell, v in times.items()}
    for (label, layer, precision), seconds in frames.items():
        print(f"{label}, {precision}, layer {layer}: frame {seconds:.3f} s", flush=True)
    return frames


def quick(out, rounds, tiny):
    """GEMM peak, a 640x360 frame per kernel set x precision x layer (3, 6), and the bytes of the
    probe dream in 2 fresh processes with the default settings; returns False if those differ."""
    started, load = time.perf_counter(), os.getloadavg()[0]
    m, profile = mode(tiny), machine.profile()
    workers = start_workers(kernel_sets(), tiny)
    hello = {label: w.hello for label, w in workers.items()}
    frames = alternate(workers, m.layers, rounds)
    hashes = [run_probe(tiny=tiny)["hash"] for _ in range(2)]  # the default kernels: as this environment makes them
    exact = len(set(hashes)) == 1
    seconds = time.perf_counter() - started
    print(
        f"bytes of the probe dream in 2 processes: {'identical' if exact else 'DIFFERENT'}; "
        f"--quick took {seconds:.0f} s",
        flush=True,
    )
    if not tiny:  # only a real run's numbers go into results.md
        section = sections.quick_section(
            profile, list(workers), hello, frames, exact, rounds, seconds, (load, os.getloadavg()[0]), m
        )
        report.update_section(Path(out), sections.QUICK_HEADING, section)
    return exact
