"""What the measurements share: the repository, the sizes and layers timed, the seed picture, a
frame's record as the plan makes it, medians of timed runs, a timed chained frame and one way to
run Snakemake."""

import contextlib
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dreamvideo.frame import pictures, render
from dreamvideo.network import models
from dreamvideo.plan import spec

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "dreams/fractal_light/img_0.jpg"
SIZES = [(640, 360), (1280, 720)]
LAYERS = [3, 6]


def threads():
    """The frames' thread count: the schema's default, as a frame job runs."""
    return spec.schema_default("threads")


def start_tensorflow():
    """TensorFlow's pools at the frames' thread count, before any operation runs (a frame's
    `setup.use_threads` refuses to change them afterwards)."""
    from dreamvideo.network import setup

    setup.use_threads(threads())


def default_precision():
    """The schema's default precision as a plan resolves it on this machine."""
    return models.resolve_precision(spec.schema_default("precision"), models.DEFAULT_MODEL)


def picture(size):
    return pictures.fit(pictures.read_rgb(SEED), size)


@functools.cache
def _planned(layer, size):
    # A two-frame dream of the seed picture; frame 1 is the first dreamed. float32: the
    # precision is one of the settings measured, and the default resolves by machine.
    data = spec.validate(
        {
            "seed_image": str(SEED),
            "size": list(size),
            "precision": "float32",
            "segments": [{"frames": 2, "layer": layer}],
        }
    )
    return spec.plan("benchmark", data).frames[1]


def record(layer, size, **changes):
    """A frame record as the plan makes it with the schema's defaults (1 iteration x 2 octaves,
    the original project's zoom and balance), with `changes` to the settings being measured."""
    return {**_planned(layer, tuple(size)), **changes}


def median_time(fn, runs, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextlib.contextmanager
def chained(size):
    """(previous frame, next frame) paths in a fresh folder, the previous one holding the picture."""
    workdir = Path(tempfile.mkdtemp())
    prev, out = workdir / "prev.png", workdir / "next.png"
    pictures.write_frame(picture(size), prev)
    try:
        yield prev, out
    finally:
        shutil.rmtree(workdir)


def frame_time(rec, size, runs):
    """Median seconds of one chained frame: read PNG, camera + colour, dream, write PNG."""
    with chained(size) as (prev, out):
        return median_time(lambda: render.make_frame(1, rec, out, prev), runs)


def repo_path():
    """PYTHONPATH with the repository first, for `python -m benchmarks...` started in another folder."""
    return os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])


def snakemake(root, *args, python=None, env=None):
    """One snakemake process in the project `root` (or `python ...` running Snakemake's main):
    (seconds, its own peak RSS in MB, its output). The model is the prepared one unless `env` says
    another DREAM_MODEL_DIR."""
    program = [sys.executable, *python] if python else [str(Path(sys.executable).parent / "snakemake")]
    cmd = [*program, "-s", str(REPO / "Snakefile"), *args]
    env = {**os.environ, "DREAM_MODEL_DIR": str(models.model_dir()), **(env or {})}
    with tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory (ru_maxrss: KiB on Linux)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read()
    if proc.returncode:
        raise SystemExit(f"snakemake {' '.join(args)} failed in {root}:\n{text[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, text
