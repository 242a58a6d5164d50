"""Coherence of dreamed video: writes benchmarks/video.md.

For each clip, every way of carrying the dream from frame to frame dreams the same frames with the
same settings, and is measured by the temporal warping error: the mean absolute difference (0..255)
between each output frame and the previous output frame moved along the *source's* optical flow
(DIS), over the pixels where that flow holds (the standard measure of flicker; lower is steadier).
The source's own error is there for reference: resampling, the codec's chroma at odd shifts and
detail finer than the flow can follow add to everyone's error; a dream that smooths the picture can
come out below it. Also the
dream's strength (mean |output - source|, from frame 24 on) and seconds per frame, flow included.

Clips: the tests' texture moving 3 px a frame (128x96, 48 frames), and the video demo's clip.

    python -m benchmarks.video"""

import datetime
import functools
import tempfile
import time
from pathlib import Path

import numpy as np

from dreamvideo import cpu
from dreamvideo.frame import carry as carrying
from dreamvideo.frame import colour, flow, pictures, render, source
from dreamvideo.network import dream
from dreamvideo.outputs import look
from dreamvideo.plan import spec
from dreamvideo.testmedia import make_clip

from . import report
from .base import REPO, SEED

# (label, flow method, carry, carry_mode, carry_resample)
WAYS = [
    ("each frame dreamed afresh (carry 0)", "none", 0.0, "dream", "lanczos"),
    ("graphific's blend (flow none, carry 0.5)", "none", 0.5, "dream", "lanczos"),
    ("DIS, previous dream carried (ours, default; carry 0.8, Lanczos)", "dis", 0.8, "dream", "lanczos"),
    ("DIS, previous dream carried bilinear (the seed's carry; carry 0.8)", "dis", 0.8, "dream", "bilinear"),
    ("DIS, dream residual carried (carry 0.8, Lanczos)", "dis", 0.8, "residual", "lanczos"),
    ("Farneback, previous dream carried (carry 0.8, Lanczos)", "farneback", 0.8, "dream", "lanczos"),
]


@functools.cache
def record():
    """A dreamed frame's record as the plan makes it: layer mixed4, 3 iterations of step 2, one octave
    below full size, float32, the schema's colour control (what `colour_control` reads)."""
    data = spec.validate(
        {
            "seed_image": str(SEED),
            "precision": "float32",
            "segments": [{"frames": 2}],
            "defaults": {"layer": "mixed4", "num_iterations": 3, "step_size": 2.0, "zoom_speed": 0},
        }
    )
    return spec.plan("video", data).frames[1]


def settings():
    return {key: record()[key] for key in render.DREAM_SETTINGS}


def frames_of(path, tmp, limit):
    info = source.probe(path)
    count = min(limit, source.frame_count(info["duration"], info["fps"]))
    size = (info["size"][0] // 2 * 2, info["size"][1] // 2 * 2)
    paths = [tmp / f"{path.stem}/{i:06d}.png" for i in range(count)]
    source.extract(path, tmp / path.stem, count, info["fps"], size)
    return [pictures.read_frame(p) for p in paths]


def dream_clip(sources, method, carry, mode, resample):
    """Dream every frame the way a video dream's frame jobs do; (outputs, seconds per frame)."""
    rec = record()
    dreamer = dream.dreamer(rec["model"], rec["objective"], rec["precision"])
    dreamer(sources[0], seed=[0, 0], weights=[1.0], **settings())  # warm-up: tracing is not a frame's cost
    outputs = []
    start = time.perf_counter()
    for i, src in enumerate(sources):
        pixels = src.astype(np.float32)
        if i and (carry or method != "none"):
            moved = flow.backward(sources[i - 1], src, method) if method != "none" else (None, None)
            pixels = carrying.carry(outputs[-1], sources[i - 1], src, carry, *moved, mode=mode, resample=resample)
        pixels = render.colour_control(pixels, rec, float(src.mean()), colour.vividness(src))
        outputs.append(pictures.to_uint8(dreamer(pixels, seed=[0, i], weights=[1.0], **settings())))
    return outputs, (time.perf_counter() - start) / len(sources)


def flow_speed(sources):
    """Seconds for one pair's flow (both directions and the mask), per method and size."""
    import cv2

    rows = []
    for size in ((320, 180), (640, 360), (1280, 720)):
        a, b = (cv2.resize(s, size, interpolation=cv2.INTER_CUBIC) for s in sources[10:12])
        for method in flow.METHODS[:-1]:
            flow.backward(a, b, method)
            start = time.perf_counter()
            for _ in range(5):
                flow.backward(a, b, method)
            rows.append((f"{size[0]}x{size[1]}", method, (time.perf_counter() - start) / 5))
            print(f"flow {method} {size[0]}x{size[1]}: {rows[-1][2]:.3f} s", flush=True)
    return rows


def measure(name, sources):
    flows = [None] + [flow.backward(a, b) for a, b in zip(sources, sources[1:])]

    def detail(frames):
        return float(np.mean([look.detail(f) for f in frames]))

    rows = [("the source itself (for reference)", flow.warping_error(sources, flows), 0.0, detail(sources), None)]
    for label, method, carry, mode, resample in WAYS:
        outputs, seconds = dream_clip(sources, method, carry, mode, resample)
        strength = float(np.mean([np.abs(o.astype(np.float32) - s).mean() for o, s in zip(outputs[24:], sources[24:])]))
        rows.append((label, flow.warping_error(outputs, flows), strength, detail(outputs), seconds))
        print(
            f"{name}: {label}: warping error {rows[-1][1]:.2f}, strength {strength:.2f}, detail {rows[-1][3]:.2f}, "
            f"{seconds:.3f} s/frame",
            flush=True,
        )
    return rows


def main():
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        texture = make_clip(tmp / "texture.mp4")
        texture_frames = frames_of(texture, tmp, 48)
        speeds = flow_speed(texture_frames)
        results["moving texture, 128x96, 48 frames"] = measure("texture", texture_frames)
        demo = REPO / "dreams/julia_flight/clip.mp4"
        if demo.exists():
            sources = frames_of(demo, tmp, 48)
            results[f"the video demo's clip, {sources[0].shape[1]}x{sources[0].shape[0]}, first 48 frames"] = measure(
                "demo", sources
            )
    lines = [
        "# Coherence of dreamed video",
        "",
        f"Written by `python -m benchmarks.video` on {datetime.date.today()}; CPU: {cpu.describe()}. "
        "Nothing here is typed by hand. Layer mixed4, 3 iterations of step 2 per frame, one octave below full size.",
        "",
        "Warping error: mean |frame t - frame t-1 moved along the source's DIS flow| (0..255) where the flow "
        "holds; lower is steadier. Strength: mean |output - source| from frame 24 on: how much dream there is. "
        "Detail: mean |Laplacian of luma| over all frames (look.detail): fine structure, what blur removes.",
        "",
    ]
    for clip, rows in results.items():
        lines += [
            f"## {clip}",
            "",
            "| carried how | warping error | strength | detail | s/frame |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {label} | {error:.2f} | {strength:.2f} | {detail:.2f} | {'' if seconds is None else f'{seconds:.3f}'} |"
            for label, error, strength, detail, seconds in rows
        ]
        lines.append("")
    lines += [
        "## Flow per pair of frames (both directions and the mask; computed once per clip)",
        "",
        "| size | method | seconds |",
        "|---|---|---|",
        *[f"| {s} | {m} | {t:.3f} |" for s, m, t in speeds],
        "",
    ]
    report.write(REPO / "benchmarks/video.md", lines)


if __name__ == "__main__":
    main()
