"""What several test files share: the repository, projects, renders, kills, frames (imported by name,
never from another test module; conftest.py imports what its fixtures need from here too)."""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import yaml
from PIL import Image

from dreamvideo import files
from dreamvideo.outputs import video
from dreamvideo.plan import spec
from dreamvideo.testmedia import make_clip

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOOKS = Path(__file__).parent / "hooks"


def holding(env, end):
    """`env` for a process whose atomic writer of the file ending in `end` (`frames/000007.png`)
    holds before its rename, for good (tests/hooks/sitecustomize.py)."""
    path = os.pathsep.join(p for p in (str(HOOKS), env.get("PYTHONPATH")) if p)
    return {**env, "PYTHONPATH": path, "DREAMVIDEO_HOLD": end}


def blob(width, height, x, y, sigma=2.5):
    """A black uint8 frame with one bright Gaussian dot centred at pixel (x, y)."""
    yy, xx = np.mgrid[0:height, 0:width]
    dot = 255.0 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2))
    return np.repeat(np.round(dot).astype(np.uint8)[..., None], 3, axis=2)


def centroid(pixels, floor=0):
    """Intensity-weighted centre (x, y) in pixel-centre coordinates; summed levels under `floor`
    (a video codec's noise on black) count as 0."""
    weight = pixels.astype(np.float64).sum(axis=2)
    weight[weight < floor] = 0
    yy, xx = np.mgrid[0 : weight.shape[0], 0 : weight.shape[1]]
    return (weight * xx).sum() / weight.sum(), (weight * yy).sum() / weight.sum()


SPEC = """\
size: [96, 64]
fps: 24
seed: 3
audio: dreams/t/tone.flac
defaults: {zoom_speed: 32}
segments:
  - {frames: 4, layer: 3, color_balance: [0.5, 0.5, 0.0]}
  - {frames: 4, layer: mixed5}
  - {frames: 4, layer: 8, num_iterations: 2}
"""


def make_project(root, spec=SPEC):
    (root / "config/dreams").mkdir(parents=True)
    (root / "dreams/t").mkdir(parents=True)
    (root / "config/config.yaml").write_text((REPO / "config/config.yaml").read_text())
    (root / "config/dreams/t.yaml").write_text(spec)
    Image.open(REPO / "tests/data/golden_input.png").resize((120, 90)).save(root / "dreams/t/img_0.jpg")
    ffmpeg("-f lavfi -i sine=frequency=440:duration=2 -ac 2", root / "dreams/t/tone.flac")
    return root


def ffmpeg(*args, **kwargs):
    """Run ffmpeg quietly and check it: each text argument is split on spaces, each path is one."""
    split = [part for arg in args for part in (arg.split() if isinstance(arg, str) else [str(arg)])]
    return subprocess.run([video.ffmpeg(), "-v", "error", *split], check=True, **kwargs)


def snakemake(root, env, *args, **kwargs):
    cmd = [str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "--cores", "1", *args]
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, **kwargs)


def render_in_process(root, out, name="t"):
    """Dream `name` of the project at `root` made in this process, every frame in order, by the
    frame jobs' own function (render.make_frames) from the plan the Snakefile builds: the
    uninterrupted render a Snakemake run must equal, without a Snakemake process of its own. The
    frames go to the folder `out`; a video dream reads the footage and flow a Snakemake run of it
    left in `root`. Returns {frame name: bytes}."""
    from dreamvideo.frame import render

    config = yaml.safe_load((root / "config/config.yaml").read_text())
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(root):  # the plan's paths are the project's
        spec.plan_for.cache_clear()
        p = spec.plan_for(name, config["specs"], json.dumps(config["dream_defaults"], sort_keys=True))
        spec.plan_for.cache_clear()
        assert p.threads == spec.schema_default("threads"), "this process's TensorFlow pools have the default size"
        paths = [out / f"{i:06d}.png" for i in range(len(p.frames))]
        render.make_frames(range(len(p.frames)), p.frames, paths, **p.inputs(p.frames))
    return {path.name: path.read_bytes() for path in paths}


def frames(root):
    return sorted(p for p in (root / "dreams/t/frames").glob("*.png") if not p.name.startswith("."))


def stream_seconds(path, stream):
    """Duration of one stream ('v' or 'a'), decoded to the end."""
    done = subprocess.run(
        [video.ffmpeg(), "-i", str(path), "-map", f"0:{stream}:0", "-f", "null", "-"], capture_output=True, text=True
    )
    h, m, s = re.findall(r"time=(\d+):(\d+):([\d.]+)", done.stderr)[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)


@contextlib.contextmanager
def held_at(root, env, target, frame_index):
    """`snakemake target`, running until the writer of frame `frame_index` holds with that frame's
    temporary file complete and not yet renamed (tests/hooks: DREAMVIDEO_HOLD): the same moment
    in every run. Yields the process; SIGKILLs its whole process group on leaving."""
    cmd = [str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "--cores", "1", target]
    proc = subprocess.Popen(
        cmd,
        cwd=root,
        env=holding(env, f"frames/{frame_index:06d}.png"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    watchdog = threading.Timer(600, os.killpg, (proc.pid, signal.SIGKILL))  # never hang the suite
    watchdog.start()
    try:
        held = any(line.startswith("dreamvideo: holding ") for line in proc.stderr)
        assert held, f"the render ended (exit {proc.poll()}) before frame {frame_index} was written"
        yield proc
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def kill_at(root, env, target, frame_index):
    """A render SIGKILLed at its worst moment: frame `frame_index` written to its temporary file, not
    yet renamed (the kill leaves that file behind)."""
    with held_at(root, env, target, frame_index):
        pass
    assert len(temporaries(root)) == 1


def temporaries(root):
    """Temporary files anywhere under dreams/ (files.atomic's names)."""
    return [p for p in (root / "dreams").rglob(".*") if files.TEMPORARY.fullmatch(p.name)]


def decode(path):
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    return meta, [np.frombuffer(f, np.uint8).reshape(height, width, 3) for f in reader]


# Two chunk jobs' worth of a small zoom (frames_per_job=12): the cluster tests' dream, rehearsed
# (test_cluster.py) and on a real SLURM (test_slurm.py, at a smaller size).
CLUSTER_SPEC = """\
size: [80, 56]
fps: 24
seed: 5
defaults: {num_iterations: 1, step_size: 2.0, num_repeats: 1, zoom: 1.02}
segments:
  - {frames: 12, layer: 3}
  - {frames: 12, layer: 6, transition: 4}
"""


VIDEO_SPEC = """\
video: dreams/t/clip.mp4
seed: 1
flow: {flow}
defaults: {{layer: 3, num_iterations: 3, step_size: 2.0}}
segments:
  - {{seconds: 1, layer: 3}}
  - {{seconds: 1, layer: 5, transition: 6}}
"""


def make_video_project(root, flow_method="dis", spec_text=None):
    (root / "config/dreams").mkdir(parents=True)
    (root / "dreams/t").mkdir(parents=True)
    (root / "config/config.yaml").write_text((REPO / "config/config.yaml").read_text())
    (root / "config/dreams/t.yaml").write_text(spec_text or VIDEO_SPEC.format(flow=flow_method))
    make_clip(root / "dreams/t/clip.mp4")
    return root
