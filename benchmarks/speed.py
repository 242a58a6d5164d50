"""A frame's speed against the peaks of the same run: the network's part (its octave calls) and the
whole chained frame at 640x360, the parts outside the network, the PNG write at each compression
level, frames of 1920x1080 and 3840x2160 (time and peak memory, each in a fresh process), and the
bytes of one frame in six fresh processes per precision. `python -m benchmarks` runs these; the
`frame` command is the fresh process:

    python -m benchmarks.speed frame --size 3840 2160 --layer 3 --frames 2   # JSON: seconds, MB, hash
"""

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from dreamvideo.frame import pictures, render
from dreamvideo.network import models

from .base import REPO, chained, default_precision, picture, record, start_tensorflow

BIG = [(1920, 1080), (3840, 2160)]
ODD = (321, 181)  # the bytes check's size: odd in both directions


def network_share(layer, size, precision, rounds):
    """Median seconds of the whole chained frame and of its octave calls inside it (its network part:
    both octaves' gradient steps), and the FLOPs of those steps."""
    from dreamvideo.network import dream

    from .roofline import conv_flops, conv_shapes

    rec = record(layer, size, precision=precision)
    dreamer = dream.dreamer(models.DEFAULT_MODEL, layer, precision)
    spent, tiles, octave = [], [], dreamer.octave_for()

    def timed(*args):  # the compiled octave, timed where the frame calls it
        start = time.perf_counter()
        result = octave(*args)
        result.numpy()  # waits for it
        spent.append(time.perf_counter() - start)
        height, width = args[0].shape[:2]
        rows, cols = (int(v) for v in args[2].numpy())
        tiles.append((rows * cols, -(-height // rows), -(-width // cols)))
        return result

    dreamer.octaves[(dream.LAP_LEVELS, dream.STEP_NORM)] = timed
    try:
        with chained(size) as (prev, out):
            frames, network = [], []
            for n in range(rounds + 2):
                spent.clear(), tiles.clear()
                start = time.perf_counter()
                render.make_frame(1, rec, out, prev)
                if n >= 2:  # the first two trace and warm up
                    frames.append(time.perf_counter() - start)
                    network.append(sum(spent))
    finally:
        dreamer.octaves[(dream.LAP_LEVELS, dream.STEP_NORM)] = octave
    flops = sum(2 * conv_flops(conv_shapes(layer, *t, precision)) for t in tiles) * rec["num_iterations"]
    return dict(frame=statistics.median(frames), network=statistics.median(network), flops=flops)


def chunk_overlap(layer, size, precision, rounds, frames=12):
    """Seconds per frame of a chunk job's frames (render.make_frames: each PNG written in a second
    thread while the next frame dreams) against the same frames one make_frame at a time (the
    write in line), alternating: {"in line": s, "beside": s}."""
    from dreamvideo.plan import spec

    from .base import SEED

    data = {"seed_image": str(SEED), "size": list(size), "precision": precision}
    records = spec.plan("b", spec.validate({**data, "segments": [{"frames": frames, "layer": layer}]})).frames

    def in_line(folder):
        previous = None
        for i, rec in enumerate(records):
            render.make_frame(i, rec, folder / f"{i}.png", previous)
            previous = folder / f"{i}.png"

    def beside(folder):
        render.make_frames(range(frames), records, [folder / f"{i}.png" for i in range(frames)])

    times = {"in line": [], "beside": []}
    for n in range(rounds + 1):
        for name, run in (("in line", in_line), ("beside", beside)):
            folder = Path(tempfile.mkdtemp())
            start = time.perf_counter()
            run(folder)
            if n:  # the first round warms up
                times[name].append((time.perf_counter() - start) / frames)
            shutil.rmtree(folder)
    return {name: statistics.median(v) for name, v in times.items()}


def png_levels(size=(640, 360), levels=(0, 1, 2, 3, 6), rounds=7):
    """Seconds and bytes of encoding the seed picture as a frame at each zlib level (the frame
    writer's settings otherwise: run-length matching, Paeth filter)."""
    frame = picture(size)
    rows = []
    for level in levels:
        params = [cv2.IMWRITE_PNG_COMPRESSION, level, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
        params += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_PAETH]
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            ok, data = cv2.imencode(".png", frame[:, :, ::-1], params)
            times.append(time.perf_counter() - start)
        rows.append(dict(level=level, seconds=statistics.median(times), bytes=len(data)))
    return rows


def fresh_frame(layer, size, precision, frames):
    """A fresh process's chained frames: {seconds: [...], mb: peak RSS, hash: last frame's sha256}."""
    cmd = [sys.executable, "-m", "benchmarks.speed", "frame", "--layer", str(layer), "--size", *map(str, size)]
    cmd += ["--precision", precision, "--frames", str(frames)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def big_frames(layer, precision):
    """Time (the second frame: the first traces) and peak memory of 1080p and 4K frames."""
    return [dict(size=size, **fresh_frame(layer, size, precision, 2)) for size in BIG]


def same_bytes(layer=6, processes=6):
    """{precision: distinct hashes of one frame's dream at ODD in `processes` fresh processes}."""
    return {p: len({fresh_frame(layer, ODD, p, 0)["hash"] for _ in range(processes)}) for p in models.PRECISIONS}


def _frame_command(args):
    start_tensorflow()
    size = tuple(args.size)
    if not args.frames:  # a frame's dream alone, at any size (a frame record's sizes are even, for H.264)
        from dreamvideo.network import setup

        rec = record(args.layer, (640, 360), precision=args.precision)
        dreamed = setup.for_record(rec)(picture(size), seed=[0, 1], **{k: rec[k] for k in render.DREAM_SETTINGS})
        digest = hashlib.sha256(pictures.to_uint8(dreamed).tobytes()).hexdigest()
        return print(json.dumps(dict(seconds=[], mb=0, hash=digest)))
    rec = record(args.layer, size, precision=args.precision)
    seconds = []
    with chained(size) as (prev, out):
        for _ in range(args.frames):
            start = time.perf_counter()
            render.make_frame(1, rec, out, prev)
            seconds.append(time.perf_counter() - start)
            pictures.write_frame(pictures.read_frame(out), prev)  # the next frame dreams on this one
        digest = hashlib.sha256(np.asarray(pictures.read_frame(out)).tobytes()).hexdigest()
    print(json.dumps(dict(seconds=seconds, mb=peak_mb(), hash=digest)))


def peak_mb():
    """This process's peak resident memory since its exec (VmHWM: ru_maxrss would count the parent's
    pages at the fork that started it, a benchmark process holding TensorFlow)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def main():
    p = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__)
    p.add_argument("what", choices=["frame"])
    p.add_argument("--layer", type=int, default=3)
    p.add_argument("--size", type=int, nargs=2, default=[640, 360])
    p.add_argument("--precision", choices=models.PRECISIONS, default=None)
    p.add_argument("--frames", type=int, default=1, help="0: one dream of the picture alone, any size, its hash")
    args = p.parse_args()
    args.precision = args.precision or default_precision()
    _frame_command(args)


if __name__ == "__main__":
    main()
