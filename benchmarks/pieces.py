"""One long dream on many machines (`parallel:`), measured: how visible the joins are, what pieces
save in wall time on this machine, how deep the DAG is, and a model of a long 1080p dream on 1, 8
and 64 machines. `python -m benchmarks.pieces` writes benchmarks/pieces.md and a contact sheet
across a join (benchmarks/pieces_join.jpg). Footage and in-process renders: footage.py."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from dreamvideo import cpu
from dreamvideo.frame import pictures, render
from dreamvideo.outputs import contact_sheet, look
from dreamvideo.plan import chains

from . import report
from .footage import REPO, footage, joins_of, pair_errors, photo_clip, plan_of, prepare, render_jobs

OUT = REPO / "benchmarks/pieces.md"


def visibility(p, out, fl):
    """{warp: worst pair across a join / median pair inside the pieces, look: worst |join frames'
    mean / their neighbours' mean - 1| over contrast, colourfulness and detail}."""
    paths = [out / f"{i:06d}.png" for i in range(len(p.frames))]
    errors = pair_errors(paths, fl)  # errors[t - 1]: the pair (t - 1, t)
    across = {t for a, c in joins_of(p) for t in range(a, a + c + 1) if t < len(paths)}
    inside = [e for t, e in enumerate(errors, 1) if t not in across]
    metrics = [look.measure(pictures.read_frame(path)) for path in paths]
    worst = 0.0
    for a, c in joins_of(p):
        near = [i for i in (*range(a - 3, a), *range(a + c, a + c + 3)) if 0 <= i < len(paths)]
        for key in ("contrast", "colourfulness", "detail"):
            joined = np.mean([metrics[i][key] for i in range(a, a + c)])
            worst = max(worst, abs(joined / np.mean([metrics[i][key] for i in near]) - 1))
    return {"warp": max(errors[t - 1] for t in across) / float(np.median(inside)), "look": worst}


def worker(name, parallel, only, out, threads):
    """One process's share of a render: chains `only` (None: all), `threads` threads."""
    from dreamvideo.network import setup

    setup.use_threads(threads)
    clip, segments = footage()[name]
    p = plan_of(clip or Path(out).parent / "photo.mp4", segments, parallel, threads)
    render_jobs(p, Path(out), Path(out).parent / "source", Path(out).parent / "flow", only, joins=only is None)


def timed(name, parallel, shares, folder, threads=1):
    """Wall seconds of len(shares) processes side by side, each rendering its chains (`threads`
    each), then the joins in this process. The frames are in folder/out."""
    shutil.rmtree(folder / "out", ignore_errors=True)
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.pieces",
                "--worker",
                name,
                json.dumps(parallel),
                json.dumps(share),
                str(folder / "out"),
                str(threads),
            ],
            cwd=REPO,
            env=env,
        )  # fmt: skip
        for share in shares
    ]
    assert all(proc.wait() == 0 for proc in procs)
    if parallel:
        clip, segments = footage()[name]
        p = plan_of(clip or folder / "photo.mp4", segments, parallel)
        render_jobs(p, folder / "out", folder / "source", folder / "flow", only=[])  # the joins
    return time.perf_counter() - start


def measure(name, parallel, folder):
    """One footage: the joins' visibility and the DAG's depth in pieces (`parallel`), and the wall
    time of one chain (one process, the default 2 threads) against two pieces side by side (two
    processes, one thread each)."""
    clip, segments = footage()[name]
    clip = clip or photo_clip(folder / "photo.mp4")
    one, split = plan_of(clip, segments), plan_of(clip, segments, parallel)
    prepare(split, folder)
    wall_one = timed(name, None, [None], folder, threads=2)
    errors_one = pair_errors([folder / "out" / f"{i:06d}.png" for i in range(len(one.frames))], folder / "flow")
    wall_two = timed(name, {**parallel, "pieces": 2}, [[0], [1]], folder)
    pieces = parallel["pieces"]
    timed(name, parallel, [[c for c in range(pieces) if c % 2 == k] for k in (0, 1)], folder)
    starts = chains.piece_starts(len(one.frames), pieces, parallel["warmup"], parallel["crossfade"])
    links = [chains.Link(0), *(chains.Link(a, parallel["warmup"], parallel["crossfade"]) for a in starts)]
    return {"name": name, "frames": len(one.frames), **parallel, **visibility(split, folder / "out", folder / "flow"),
            "chain_median": float(np.median(errors_one)), "wall_one": wall_one, "wall_two": wall_two,
            "depth": chains.depth(len(one.frames), links)}  # fmt: skip


def frame_seconds(size, folder):
    """Seconds of one carried, dreamed video frame at `size` (the default 2 threads), after a first
    frame (the model's load and trace are not a frame's cost)."""
    from dreamvideo.network import setup

    setup.use_threads(2)
    p = plan_of(folder / "photo.mp4", [{"frames": 2, "layer": 4}], threads=2, size=list(size), end=2.5 / 24)
    src, fl = prepare(p, folder / "big")
    render_jobs(p, folder / "big/out", src, fl)
    start = time.perf_counter()
    render.make_frame(1, p.frames[1], folder / "big/again.png", previous=str(folder / "big/out/000000.png"),
                      source=str(src), flow=str(fl))  # fmt: skip
    return time.perf_counter() - start


def on_paper(seconds, frames, warmup, crossfade):
    """(machines, longest chain, frames the pieces add, hours) of a dream of `frames` frames on 1, 8
    and 64 machines, a piece each, each frame job `seconds`."""
    rows = []
    for machines in (1, 8, 64):
        starts = chains.piece_starts(frames, machines, warmup, crossfade) if machines > 1 else []
        depth = chains.depth(frames, [chains.Link(0), *(chains.Link(a, warmup, crossfade) for a in starts)])
        rows.append((machines, depth, (machines - 1) * (warmup + 2 * crossfade), depth * seconds / 3600))
    return rows


def join_sheet(name, parallel, folder, out_path):
    """A contact sheet of the frames around the first join, as rendered in pieces."""
    clip, segments = footage()[name]
    p = plan_of(clip or folder / "photo.mp4", segments, parallel)
    a, c = joins_of(p)[0]
    shown = list(range(max(0, a - 4), min(len(p.frames), a + c + 4)))
    texts = [f"frame {i}\n" + (f"join {p.frames[i]['join']:.2f}" if p.frames[i]["kind"] == "join" else "piece")
             for i in shown]  # fmt: skip
    title = f"{name}: frames {shown[0]}..{shown[-1]} across the join at {a} ({c} frames of crossfade)"
    contact_sheet.write([folder / "out" / f"{i:06d}.png" for i in shown], texts, out_path, title)


def lines_of(results, seconds, paper, parallel):
    rows = ["| footage | frames | pieces | warm-up | crossfade | worst pair across a join / median inside | "
            "one chain's median pair | worst look change at a join | longest chain of frame jobs |",
            "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    walls = ["| footage | frames | one chain, 2 threads | 2 pieces side by side, 1 thread each | speed-up |",
             "|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        rows.append(f"| {r['name']} | {r['frames']} | {r['pieces']} | {r['warmup']} | {r['crossfade']} | "
                    f"{r['warp']:.2f}x | {r['chain_median']:.2f} | {100 * r['look']:.1f} % | "
                    f"{r['depth']} of {r['frames']} |")  # fmt: skip
        walls.append(f"| {r['name']} | {r['frames']} | {r['wall_one']:.0f} s | {r['wall_two']:.0f} s | "
                     f"{r['wall_one'] / r['wall_two']:.2f}x |")  # fmt: skip
    model = ["| machines | longest chain of frame jobs | frames the pieces add | hours |", "|---|---|---|---|"]
    model += [f"| {m} | {depth} | {extra} | {hours:.1f} |" for m, depth, extra, hours in paper]
    return [
        "# One long dream on many machines",
        "",
        f"`python -m benchmarks.pieces` on {cpu.describe()}, footage at 320x180, `parallel: {json.dumps(parallel)}`.",
        "A pair's error is the project's warp error (flow.warping_error) of two frames along the source's",
        "flow; the look is contrast, colourfulness and detail of a join's frames against the 3 frames on",
        "each side.",
        "",
        *rows,
        "",
        "Wall time, the same footage and settings; the pieces' includes each process's start-up and model",
        "load, and the joins:",
        "",
        *walls,
        "",
        "On 2 cores pieces win only what one thread a process gains over two threads in one, less the",
        "frames they add (each piece after the first dreams its warm-up and its join twice: 32 more frames",
        "here, a third of these short clips; at `pieces: auto`, 240 frames a piece, a fifth). Their gain is",
        "in machines: the longest chain below.",
        "",
        f"A 1920x1080 video frame (carried, 3 iterations at layer 4, 2 threads) took {seconds:.1f} s here. A",
        "3-minute dream at 24 fps (4,320 frames) with the default `warmup: 24, crossfade: 12`, a piece a",
        "machine, each frame job that long, on paper:",
        "",
        *model,
        "",
        "![frames across a join](pieces_join.jpg)",
        "",
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    if args.worker:
        name, parallel, only, out, threads = args.worker
        return worker(name, json.loads(parallel), json.loads(only), out, int(threads))
    parallel = {"pieces": 3, "warmup": 16, "crossfade": 8}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in footage():
            folder = Path(tmp) / name
            folder.mkdir()
            results.append(measure(name, parallel, folder))
            print(results[-1], flush=True)
            if name == "photograph":
                join_sheet(name, parallel, folder, Path(args.out).with_name("pieces_join.jpg"))
        seconds = frame_seconds((1920, 1080), Path(tmp) / "photograph")
    report.write(args.out, lines_of(results, seconds, on_paper(seconds, 4320, 24, 12), parallel))


if __name__ == "__main__":
    sys.exit(main())
