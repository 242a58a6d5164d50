"""Footage for the video benchmarks, and a video dream made in this process: the video demo's
clip and a camera path over a real photograph (matplotlib's sample of Grace Hopper), their plans,
their extracted frames and flow, and the frame jobs run in an order the plan allows (Plan.jobs)."""

from pathlib import Path

import cv2
import numpy as np
import yaml

from dreamvideo.frame import flow, pictures, render, source
from dreamvideo.outputs import video
from dreamvideo.plan import spec

REPO = Path(__file__).resolve().parents[1]
SETTINGS = {"seed": 0, "defaults": {"carry": 0.9, "num_iterations": 3, "step_size": 1.5, "tile_size": 0}}


def photo_clip(path, frames=96, size=(320, 180), fps=24):
    """A slow pan and zoom over a real photograph, as footage."""
    import matplotlib.cbook

    photo = pictures.read_rgb(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    height, width = photo.shape[:2]
    shots = []
    for i in range(frames):
        scale = 0.55 - 0.15 * i / frames  # a crop that narrows: a zoom in
        w, h = width * scale, width * scale * size[1] / size[0]
        x, y = (width - w) * (0.2 + 0.5 * i / frames), (height - h) * 0.35
        m = np.float32([[size[0] / w, 0, -x * size[0] / w], [0, size[1] / h, -y * size[1] / h]])
        shots.append(cv2.warpAffine(photo, m, size, flags=cv2.INTER_CUBIC))
    video.encode_pixels(shots, path, fps, crf=12)
    return path


def footage():
    """{name: (clip or None for the photograph's, segments)}."""
    demo = yaml.safe_load((REPO / "config/dreams/julia_flight.yaml").read_text())
    photo = [{"seconds": 2, "layer": 4}, {"seconds": 2, "layer": 6, "transition": 12}]
    return {"julia_flight": (REPO / demo["video"], demo["segments"]), "photograph": (None, photo)}


def plan_of(clip, segments, parallel=None, threads=1, **fields):
    data = {**SETTINGS, "threads": threads, "video": str(clip), "audio": "none", "segments": segments, **fields}
    return spec.plan("bench", spec.validate({**data, **({"parallel": parallel} if parallel else {})}))


def prepare(p, folder):
    """The footage and flow a frame job reads, as the workflow extracts them."""
    src, fl = folder / "source", folder / "flow"
    source.extract(p.video, src, len(p.frames), p.fps, p.size, p.start)
    flow.compute_folder(src, fl, len(p.frames), p.flow)
    return src, fl


def render_jobs(p, out, src, fl, only=None, joins=True):
    """The frames of plan p in `out`, in the plan's order: the chains `only` (None: all), and the
    joins if `joins`."""
    prefix = p.frame_path(0).rsplit("/", 1)[0] + "/"
    for index, record, path, inputs in p.jobs():
        chain = p.chain_of(index) if "/chains/" not in path else int(path.split("/chains/")[1].split("/")[0])
        if not joins if isinstance(chain, tuple) else only is not None and chain not in only:
            continue
        target = out / path.removeprefix(prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        moved = {
            key: str(src) if key == "source" else str(fl) if key == "flow" else value for key, value in inputs.items()
        }
        for key in ("previous", "earlier", "later"):
            if key in moved:
                moved[key] = str(out / moved[key].removeprefix(prefix))
        render.make_frame(index, record, target, **moved)


def pair_errors(paths, fl):
    """Each frame pair's warp error (flow.warping_error of the pair) along the source's flow."""
    frames = [pictures.read_frame(p).astype(np.float32) for p in paths]
    return [
        flow.warping_error([frames[t - 1], frames[t]], [None, flow.load(f"{fl}/{t:06d}.npz")])
        for t in range(1, len(frames))
    ]


def joins_of(p):
    """The join regions of plan p: (first frame, frames) of each."""
    kinds = [record["kind"] == "join" for record in p.frames]
    starts = [i for i, joined in enumerate(kinds) if joined and (i == 0 or not kinds[i - 1])]
    return [(a, next((i for i in range(a, len(kinds)) if not kinds[i]), len(kinds)) - a) for a in starts]
