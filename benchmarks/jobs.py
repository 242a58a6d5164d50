"""Frame jobs on this machine: what they use and what running them apart costs; writes
benchmarks/jobs.md. Side by side, in one run:

1. Threads: seconds per 640x360 frame with TensorFlow's pools at 1, 2, 4 and 8 threads (a dream's
   `threads`), each in a fresh process: what a job asking for fewer threads than it uses, or more
   than there are cores, costs.
2. Memory: the peak RSS of a process dreaming frames of 320x180 up to 1920x1080, against what a
   frame job asks for (render.memory_mb, SLURM's --mem).
3. Many dreams at once: two dreams of 24 frames at 320x180, rendered
   - one after another, each job on both cores (`threads: 2`, the default profile, `--cores 2`);
   - at once, each job on one core (`threads: 1`, profiles/parallel, `--cores 2`).
4. The cluster path: one dream of 24 frames through profiles/cluster-local (chunks of 8 frames,
   each job its own process) against the plain local command (one job per frame, one process).

    python -m benchmarks.jobs      # ~8 min on 2 cores
"""

import datetime
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dreamvideo import cpu
from dreamvideo.frame import render
from dreamvideo.network import models

from . import report
from .base import REPO, SEED, repo_path, snakemake

DREAM = """\
seed_image: {seed}
size: [320, 180]
threads: {threads}
defaults: {{num_iterations: 2, num_repeats: 1, zoom: 1.02}}
segments:
  - {{frames: 12, layer: 3}}
  - {{frames: 12, layer: 6, transition: 4}}
"""


def dream_frames(width, height, threads, layer):
    """In a fresh process (`--frame-job`): frames 2-4 of a dream of that size after the model's load
    and first trace; prints seconds per frame and the process's peak RSS in MB."""
    import resource

    import numpy as np
    from PIL import Image

    from dreamvideo.plan import spec

    Image.fromarray(np.random.default_rng(0).integers(0, 255, (height, width, 3), np.uint8)).save("seed.png")
    s = spec.validate(
        {
            "seed_image": "seed.png",
            "size": [width, height],
            "threads": threads,
            "defaults": {"num_iterations": 2, "num_repeats": 2},
            "segments": [{"frames": 5, "layer": layer}],
        }
    )
    p = spec.plan("b", s)
    render.make_frames(range(2), p.frames, ["0.png", "1.png"])  # frame 1 loads the model, traces the dream
    start = time.perf_counter()
    render.make_frames(range(2, 5), p.frames[2:], ["2.png", "3.png", "4.png"], "1.png")
    print((time.perf_counter() - start) / 3, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def frame_job(width, height, threads, layer=6):
    """(s per frame, peak MB) of a fresh process dreaming frames of that size."""
    cmd = [sys.executable, "-m", "benchmarks.jobs", "--frame-job", *map(str, (width, height, threads, layer))]
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            cmd,
            cwd=tmp,
            capture_output=True,
            text=True,
            env={**os.environ, "DREAM_MODEL_DIR": str(models.model_dir()), "PYTHONPATH": repo_path()},
        )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    seconds, peak = map(float, done.stdout.split())
    return seconds, peak


def project(root, names, threads):
    (root / "config/dreams").mkdir(parents=True)
    (root / "config/config.yaml").write_text((REPO / "config/config.yaml").read_text())
    for name in names:
        (root / f"config/dreams/{name}.yaml").write_text(DREAM.format(seed=SEED, threads=threads))


def render_dreams(names, threads, *args):
    with tempfile.TemporaryDirectory() as tmp:
        project(Path(tmp), names, threads)
        return snakemake(Path(tmp), *[f"dreams/{n}/video.mp4" for n in names], *args)[0]


def threads_section():
    lines = [
        "## Threads of a frame job (640x360, layer 6, 2 iterations x 3 octaves)\n",
        "| `threads` | s per frame |",
        "|---:|---:|",
    ]
    for threads in (1, 2, 4, 8):
        seconds, _ = frame_job(640, 360, threads)
        print(f"{threads} threads: {seconds:.2f} s/frame", flush=True)
        lines.append(f"| {threads} | {seconds:.2f} |")
    return lines


def memory_section():
    lines = [
        "\n## Memory of a frame job (2 threads, layer 11: the deepest holds the most)\n",
        "| frame | peak RSS of the process | asked for (render.memory_mb) |",
        "|---|---:|---:|",
    ]
    for width, height in ((320, 180), (640, 360), (1280, 720), (1920, 1080)):
        _, peak = frame_job(width, height, 2, layer=11)
        print(f"{width}x{height}: {peak:.0f} MB peak, asks {render.memory_mb((width, height))} MB", flush=True)
        lines.append(f"| {width}x{height} | {peak:.0f} MB | {render.memory_mb((width, height))} MB |")
    return lines + [
        "\nA chunk job's process also holds Snakemake and its DAG: about 200 MB for 600 chunks "
        "(benchmarks/scale.md), which the base of `memory_mb` leaves room for."
    ]


def dreams_section():
    one_by_one = render_dreams(["a", "b"], 2, "--cores", "2")
    print(f"two dreams one after another: {one_by_one:.0f} s", flush=True)
    at_once = render_dreams(["a", "b"], 1, "--cores", "2", "--workflow-profile", str(REPO / "profiles/parallel"))
    print(f"two dreams at once: {at_once:.0f} s", flush=True)
    return [
        "\n## Two dreams of 24 frames at 320x180, on 2 cores\n",
        "| how | wall time |",
        "|---|---:|",
        f"| one after another, `threads: 2`, `snakemake --cores 2` (default profile) | {one_by_one:.0f} s |",
        f"| at once, `threads: 1`, `--workflow-profile profiles/parallel --cores 2` | {at_once:.0f} s |",
    ]


def cluster_section():
    local = render_dreams(["c"], 2, "--cores", "1")
    print(f"one dream, local: {local:.0f} s", flush=True)
    cluster = render_dreams(
        ["c"], 2, "--workflow-profile", str(REPO / "profiles/cluster-local"), "--config", "frames_per_job=8"
    )
    print(f"one dream, cluster path: {cluster:.0f} s", flush=True)
    return [
        "\n## One dream of 24 frames at 320x180: the cluster path against the local command\n",
        "| how | wall time |",
        "|---|---:|",
        f"| `snakemake --cores 1` (one job per frame, all in one process) | {local:.0f} s |",
        f"| `--workflow-profile profiles/cluster-local`, chunks of 8 (3 job processes) | {cluster:.0f} s |",
    ]


def main():
    if sys.argv[1:2] == ["--frame-job"]:  # one fresh process of frame_job: WIDTH HEIGHT THREADS LAYER
        return dream_frames(*map(int, sys.argv[2:6]))
    load = os.getloadavg()[0]
    lines = [
        "# Frame jobs: threads, memory, many dreams at once, the cluster path\n",
        f"`python -m benchmarks.jobs`, {datetime.date.today()}, on {cpu.describe()} available to this process "
        f"(load average {load:.1f} when it started).\n",
    ]
    lines += threads_section() + memory_section() + dreams_section() + cluster_section()
    report.write(REPO / "benchmarks/jobs.md", lines + [""])


if __name__ == "__main__":
    main()
