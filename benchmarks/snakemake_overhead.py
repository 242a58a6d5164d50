"""Snakemake's own cost: per frame job in a chained render (`pipeline_overhead`), and the DAG of a
long dream (`dag_speed`: `snakemake -n` and the no-op rerun, measured as benchmarks.scale does).

The frame jobs run inside Snakemake's process, so the timed run is Snakemake's main started from
here (`--timed FILE`) with every render.make_frame call timed (start, end; monotonic) into FILE.

    python -m benchmarks.snakemake_overhead [--frames 24]
"""

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from dreamvideo.frame import render

from .base import REPO, SEED, repo_path, snakemake


def timed_snakemake(times_file, args):
    """Snakemake's main on `args`, each frame's (start, end) written to `times_file` at exit."""
    times, job = [], render.make_frame

    def timed(*a, **kw):
        start = time.monotonic()
        try:
            return job(*a, **kw)
        finally:
            times.append((start, time.monotonic()))

    render.make_frame = timed
    atexit.register(lambda: Path(times_file).write_text(json.dumps(times)))
    from snakemake.cli import main

    sys.argv = ["snakemake", *args]
    main()


def project(root, spec):
    (root / "config/dreams").mkdir(parents=True)
    (root / "dreams/b").mkdir(parents=True)
    shutil.copy(REPO / "config/config.yaml", root / "config/config.yaml")
    shutil.copy(SEED, root / "dreams/b/img_0.jpg")
    (root / "config/dreams/b.yaml").write_text(spec)


def _looped(root, frames):
    """Seconds per frame of the same frames in a plain loop in this process, and whether their
    bytes equal the Snakemake run's."""
    from dreamvideo.plan import spec as dreamspec

    os.chdir(root)
    try:
        plan = dreamspec.plan_for("b")
        loop_dir = root / "loop"
        paths = [loop_dir / f"{i:06d}.png" for i in range(frames)]
        render.make_frames(range(2), plan.frames, paths)  # frame 1 is the warm-up
        start = time.perf_counter()
        render.make_frames(range(2, frames), plan.frames[2:], paths[2:], paths[1])
        looped = (time.perf_counter() - start) / (frames - 2)
    finally:
        os.chdir(REPO)
    rendered = sorted((root / "dreams/b/frames").glob("*.png"))
    return looped, all((loop_dir / p.name).read_bytes() == p.read_bytes() for p in rendered)


def pipeline_overhead(frames):
    """Snakemake's time per frame job in a chained render: in the same run, the interval between
    frames against the time inside render.make_frame (its dream), from frame 3 on (frame 1 loads the
    model). The two share the machine's load, so their difference is the workflow's own. The same
    frames in a plain loop are the byte check and a second reference (another process, other load)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project(root, f"size: [640, 360]\nsegments:\n  - {{frames: {frames}, layer: 3}}\n")
        times_file = root / "frame_times.json"
        snakemake(
            root,
            "--cores",
            "1",
            f"dreams/b/frames/{frames - 1:06d}.png",
            python=["-m", "benchmarks.snakemake_overhead", "--timed", str(times_file), "--"],
            env={"PYTHONPATH": repo_path()},
        )
        times = json.loads(times_file.read_text())[2:]
        piped = (times[-1][1] - times[0][1]) / (len(times) - 1)
        in_job = sum(end - start for start, end in times[1:]) / (len(times) - 1)
        looped, same = _looped(root, frames)
    print(
        f"chained 640x360 frames: Snakemake {piped:.3f} s/frame, of which in the frame job {in_job:.3f} s: "
        f"{1000 * (piped - in_job):.1f} ms per job, overhead {100 * (piped / in_job - 1):+.1f}%; plain loop "
        f"{looped:.3f} s/frame; same bytes: {same}",
        flush=True,
    )
    return dict(piped=piped, in_job=in_job, looped=looped, same=same)


def dag_speed(frames=3600):
    """`snakemake -n` of a dream of `frames` frames and its no-op rerun once rendered (the ways
    benchmarks.scale measures them), with the default frames_per_job (auto: chunks of 30 for a
    dream this long) and with one job per frame."""
    from . import scale

    default, per_frame = (scale.measure(frames, k) for k in ("auto", 1))
    return dict(
        frames=frames,
        k=default["k"],
        dry=default["dry"],
        noop=default["noop"],
        dry_1=per_frame["dry"],
        noop_1=per_frame["noop"],
    )


def main():
    if sys.argv[1:2] == ["--timed"]:  # the timed Snakemake run: --timed FILE -- snakemake's arguments
        return timed_snakemake(sys.argv[2], sys.argv[4:])
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frames", type=int, default=24, help="frames of the chained render (default 24)")
    p.add_argument("--dag", action="store_true", help="also the DAG of 3,600 frames (a few minutes)")
    args = p.parse_args()
    from dreamvideo.network import models, weights

    weights.prepare(models.DEFAULT_MODEL)
    pipeline_overhead(args.frames)
    if args.dag:
        print(dag_speed(), flush=True)


if __name__ == "__main__":
    main()
