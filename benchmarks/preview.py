"""The demo's draft preview against its full render, each end to end through Snakemake in a fresh
copy of the project (start-up, model load, every frame, video and audio): the section
`python -m benchmarks --only preview` updates in results.md (about 8 minutes on 2 cores)."""

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from dreamvideo import media
from dreamvideo.frame import pictures

from .base import REPO, snakemake

RENDERED = ("*.mp4", "frames", "preview", "contact_sheet.jpg", "schedule.*", "report.zip")  # not copied: made here


def media_seconds(path):
    """The container's duration as ffmpeg reports it."""
    done = subprocess.run([media.ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", done.stderr).groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


def _render(root, name, what):
    """One of `preview` and `final` rendered in `root`: its time, the frame files' times, its video."""
    load, start = os.getloadavg()[0], time.time()
    seconds, _, _ = snakemake(root, "--cores", "1", f"dreams/{name}/{what}.mp4")
    path = root / f"dreams/{name}/{what}.mp4"
    shots = sorted((root / f"dreams/{name}/{'preview' if what == 'preview' else 'frames'}").glob("*.png"))
    stamps = [p.stat().st_mtime for p in shots]
    run = dict(
        seconds=seconds,
        load=(load, os.getloadavg()[0]),
        duration=media_seconds(path),
        streams=media.streams(path),
        size=pictures.read_frame(shots[1]).shape[1::-1],
        first=stamps[1] - start,
        interval=(stamps[-1] - stamps[1]) / (len(stamps) - 2),
        after=start + seconds - stamps[-1],
    )
    print(f"{what}: {seconds:.1f} s, {run['duration']:.2f} s of video, {run['size']}, {run['streams']}", flush=True)
    return run


def preview_cost(name="fractal_light"):
    """The demo's draft preview against its full render, each end to end through Snakemake in a
    fresh copy of the project (start-up, model load, every frame, video and audio)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "config/dreams").mkdir(parents=True)
        shutil.copy(REPO / "config/config.yaml", root / "config/config.yaml")
        shutil.copy(REPO / f"config/dreams/{name}.yaml", root / f"config/dreams/{name}.yaml")
        shutil.copytree(REPO / f"dreams/{name}", root / f"dreams/{name}", ignore=shutil.ignore_patterns(*RENDERED))
        runs = {what: _render(root, name, what) for what in ("preview", "final")}
        count = len(list((root / f"dreams/{name}/frames").glob("*.png")))
    return dict(name=name, **runs, frames=count, ratio=runs["preview"]["seconds"] / runs["final"]["seconds"])
