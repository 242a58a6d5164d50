"""Guide images at every layer, measured: how far a guide of horizontal or vertical grey stripes
steers a dream's change (the energy ratio |d/dy|^2 / |d/dx|^2 of its luma: above 1 horizontal,
below 1 vertical), at layers 1, 3, 6, 9, 11 (`--layers 1-11` for all: about 2.5 times the
time), two stripe periods, and what a guide_weight does (how much of the seed image's picture
each keeps). `python -m benchmarks.guides` writes benchmarks/guides.md and the contact sheet
docs/guides_layers.jpg (layers 1, 6, 11; no guide, horizontal, vertical, 16 px);
docs/masks_and_guides.md shows both.

The set-up is issue 32's: the fractal seed image at 256x144, `zoom_speed: 0`, 4 iterations a
frame, step 2.0, frame 5 against the seed image (frame 0), one process, the frames' threads."""

import argparse
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from dreamvideo import cpu
from dreamvideo.frame import pictures, render
from dreamvideo.plan import spec

from . import report
from .base import REPO

OUT = REPO / "benchmarks/guides.md"
SHEET = REPO / "docs/guides_layers.jpg"
SEED = REPO / "dreams/fractal_light/img_0.jpg"
SIZE = (256, 144)
PERIODS = (16, 31)
BANDS = {"shallow": 1, "middle": 6, "deep": 11}


def stripes(horizontal, period, size=SIZE):
    """Grey stripes (levels 64 and 192), `period` pixels; horizontal: rows of stripes."""
    y, x = np.mgrid[: size[1], : size[0]]
    level = np.where(((y if horizontal else x) % period) < period / 2, 192, 64).astype(np.uint8)
    return np.repeat(level[..., None], 3, 2)


def luma(pixels):
    return np.asarray(pixels, np.float64) @ [0.299, 0.587, 0.114]


def orientation(change):
    """|d/dy|^2 / |d/dx|^2 of a luma image: above 1, more horizontal structure."""
    return float((np.diff(change, axis=0) ** 2).sum() / (np.diff(change, axis=1) ** 2).sum())


def dream(layer, folder, guide=None, weight=None, frames=6):
    """(frame frames-1 as saved, the seed image fitted) of the issue's set-up at `layer`."""
    segment = {"frames": frames, "layer": layer}
    if guide is not None:
        segment["guide"] = str(guide)
        if weight is not None:
            segment["guide_weight"] = weight
    data = {
        "seed_image": str(SEED),
        "size": list(SIZE),
        "seed": 1,
        "defaults": {"zoom_speed": 0, "num_iterations": 4, "step_size": 2.0},
        "segments": [segment],
    }
    plan = spec.plan("guides", spec.validate(data))
    paths = [folder / f"{i:06d}.png" for i in range(frames)]
    render.make_frames(range(frames), plan.frames, paths)
    return pictures.read_frame(paths[-1]), pictures.read_frame(paths[0])


def kept(frame, seed):
    """How much of the seed image's picture a frame keeps: the correlation of their lumas."""
    return float(np.corrcoef(luma(frame).ravel(), luma(seed).ravel())[0, 1])


def measure_layer(layer, folder, guides, weights):
    """One layer's row: the unguided ratio; per period, toward horizontal and vertical at the
    default weight; per weight (period 16), the pull (h / v) and the seed kept."""
    plain, seed = dream(layer, folder)
    row = {"plain": orientation(luma(plain) - luma(seed)), "kept plain": kept(plain, seed), "frames": {}}
    for period in PERIODS:
        for name in "hv":
            frame, _ = dream(layer, folder, guides[name, period])
            row[name, period] = orientation(luma(frame) - luma(seed))
            row["frames"][name, period] = frame
    row["frames"]["plain"] = plain
    default = spec.frame_default("guide_weight")
    for weight in weights:  # the default's frames are the period-16 ones above: not dreamed twice
        pair = [
            row["frames"][name, 16] if weight == default else dream(layer, folder, guides[name, 16], weight)[0]
            for name in "hv"
        ]
        h, v = (orientation(luma(frame) - luma(seed)) for frame in pair)
        row["weight", weight] = (h / v, min(kept(frame, seed) for frame in pair))
    return row


def sheet(rows):
    """Per band: the unguided frame, guided by horizontal and by vertical stripes (period 16)."""
    lines = [
        np.concatenate([rows[layer]["frames"][key] for key in ("plain", ("h", 16), ("v", 16))], 1)
        for layer in BANDS.values()
    ]
    Image.fromarray(np.concatenate(lines, 0)).save(SHEET, quality=90)
    print(f"wrote {report.shown(SHEET)}", flush=True)


def table(rows, weights):
    default = spec.frame_default("guide_weight")
    lines = [
        "# Guides at every layer",
        "",
        f"Written by `python -m benchmarks.guides` on {cpu.describe()}. Guide: grey",
        f"stripes; seed image {SIZE[0]}x{SIZE[1]}, `zoom_speed: 0`, 4 iterations, step 2.0; frame 5 against the seed",
        "image. Ratio: |d/dy|^2 / |d/dx|^2 of the luma of the change (> 1: horizontal). Pull: the ratio",
        f"toward horizontal over the ratio toward vertical (the bar: 1.15). Guide weight {default:g} (the default)",
        "unless said; kept: the correlation of the frame's luma with the seed image's (1: the seed image).",
        "",
        "| layer | no guide | "
        + " | ".join(f"{p} px: toward h / v, pull" for p in PERIODS)
        + " | "
        + " | ".join(f"weight {w:g}: pull, kept" for w in weights)
        + " | kept, no guide |",
        "|---|---|" + "---|" * (len(PERIODS) + len(weights) + 1),
    ]
    for layer, row in rows.items():
        cells = [f"{row['h', p]:.2f} / {row['v', p]:.2f}, **{row['h', p] / row['v', p]:.2f}x**" for p in PERIODS]
        cells += [f"{row['weight', w][0]:.2f}x, {row['weight', w][1]:.2f}" for w in weights]
        lines.append(f"| {layer} | {row['plain']:.2f} | " + " | ".join(cells) + f" | {row['kept plain']:.2f} |")
    return [*lines, ""]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", default="1,3,6,9,11", help="e.g. 1-11 or 2,6,10")
    parser.add_argument("--weights", default="0.25,0.5,1", help="guide weights, e.g. 0.25,1")
    args = parser.parse_args()
    first, _, last = args.layers.partition("-")
    layers = range(int(first), int(last) + 1) if last else [int(n) for n in args.layers.split(",")]
    weights = [float(w) for w in args.weights.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        guides = {}
        for period in PERIODS:
            for name in "hv":
                guides[name, period] = folder / f"{name}{period}.png"
                Image.fromarray(stripes(name == "h", period)).save(guides[name, period])
        rows = {}
        for layer in layers:
            rows[layer] = measure_layer(layer, folder, guides, weights)
            print(
                f"layer {layer}: " + ", ".join(f"{k}: {v:.2f}" for k, v in rows[layer].items() if isinstance(v, float)),
                flush=True,
            )
    if set(BANDS.values()) <= set(rows):
        sheet(rows)
    report.write(OUT, table(rows, weights))


if __name__ == "__main__":
    main()
