"""Does the look hold over a long zoom? Recipes side by side, frame by frame in one process.

Each recipe renders the same zoom dream from the same seed picture (coloured discs), as frame jobs
do (render.prepare: camera + colour balance, then the dreamer, then uint8 as a saved frame), with the
layer switching from 4 to 6 halfway (FACTS.md, "Look metrics"); its records are the plan's. The
recipes take turns frame by frame, so a shared machine's drift hits all alike and the seconds per
frame compare as ratios.

Prints, per recipe: contrast, colourfulness and detail early (mean of frames 10-30) and late (mean of
the last 40), their ratio late/early, and seconds per frame; writes every frame's metrics to
--out/<recipe>.csv and a contact sheet of the start and the end to --out/<recipe>.png.

    python -m benchmarks.look --frames 240 --recipes old new iterations --out /tmp/look
    python -m benchmarks.look --losses dreams/fractal_light/img_0.jpg   # no dreaming
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from dreamvideo.frame import pictures, render
from dreamvideo.outputs import look
from dreamvideo.plan import spec

from .base import REPO
from .notebook import notebook_dream, notebook_zoom

LAYERS = (4, 6)  # first half, second half
# Recipes: changes to the base record. All cost about one full-size step per frame except where noted.
RECIPES = {
    "old": dict(octave_mode="blend", color_hold=0.0),  # 2018 original's default: 1 iteration x 2 octaves, blend 0.2
    "new": dict(octave_mode="detail"),  # the same cost, detail re-injected (and the default color_hold)
    "no_hold": dict(octave_mode="detail", color_hold=0.0),  # as before color_hold
    "iterations": dict(num_repeats=0, num_iterations=2),  # no octaves, 2 iterations at full size
    "new_step1.5": dict(octave_mode="detail", step_size=1.5),
    "hold0.05": dict(octave_mode="detail", color_hold=0.05),
    "hold0.2": dict(octave_mode="detail", color_hold=0.2),
    "new_2it": dict(octave_mode="detail", num_iterations=2),  # twice the cost
    "old_no_zoom": dict(octave_mode="blend", zoom=1.0),
    "new_no_zoom": dict(octave_mode="detail", zoom=1.0),
    # Other programs' recipes (benchmarks.notebook), iterations cut from their 10 to 1 so that a
    # frame costs about what ours does (`--notebook-iterations` to change it):
    # google/deepdream dream.ipynb: deepdream(net, frame) with its defaults (iter_n=10, octave_n=4,
    # octave_scale=1.4, step_size=1.5, jitter=32, clip), then its zoom loop's
    # nd.affine_transform(frame, [1-s,1-s,1], [h*s/2,w*s/2,0], order=1), s = 0.05.
    "google": dict(notebook=dict(octave_n=4, octave_scale=1.4, step_size=1.5, jitter=32, s=0.05)),
    "google_zoom1.01": dict(notebook=dict(octave_n=4, octave_scale=1.4, step_size=1.5, jitter=32, s=1 - 1 / 1.01)),
    # samim23/DeepDreamAnim dreamer.py's defaults: octaves 4, octave_scale 1.5, iterations 10,
    # stepsize 1.5, jitter 32 (its `zoom` option is unused and its blend 0.5 mixes in the next
    # frame of a source video, which a still zoom has none of): the notebook's dream in our 1.01 zoom.
    "deepdreamanim": dict(notebook=dict(octave_n=4, octave_scale=1.5, step_size=1.5, jitter=32, s=1 - 1 / 1.01)),
}


def discs(size, seed=0):
    """A plain picture: coloured discs on a soft gradient, the same every run."""
    width, height = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack([60 + 80 * x / width, 70 + 60 * y / height, 140 - 60 * x / width], axis=2)
    for _ in range(14):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.05, 0.2) * height
        image[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.uniform(20, 235, 3)
    return np.clip(image, 0, 255).astype(np.uint8)


def records(frames, size, seed_pixels, seed=0):
    """The plan's records of the zoom dream of `seed_pixels`: layer LAYERS[0] for the first half,
    LAYERS[1] after, the schema's defaults elsewhere; `seed` is the dream's (the random tile
    shifts, records' rng_seed [seed, index]), the picture stays the same."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "discs.png"
        pictures.write_frame(seed_pixels, path)
        data = spec.validate(
            {
                "seed_image": str(path),
                "size": list(size),
                "precision": "float32",
                "seed": seed,
                "defaults": {"zoom": 1.01, "zoom_speed": 0, "step_size": 1.0},  # the default when measured (look.md)
                "segments": [
                    {"frames": frames // 2, "layer": LAYERS[0]},
                    {"frames": frames - frames // 2, "layer": LAYERS[1]},
                ],
            }
        )
        return spec.plan("look", data).frames


def sheet(frames, labels, path, columns=4):
    """Frames in a grid, each labelled with its index."""
    height, width = frames[0].shape[:2]
    rows = -(-len(frames) // columns)
    canvas = Image.new("RGB", (columns * width, rows * height), "black")
    draw = ImageDraw.Draw(canvas)
    for k, (pixels, label) in enumerate(zip(frames, labels)):
        x, y = (k % columns) * width, (k // columns) * height
        canvas.paste(Image.fromarray(pixels), (x, y))
        draw.text((x + 4, y + 4), label, fill="white", stroke_width=2, stroke_fill="black")
    canvas.save(path)


def write_curves(rows, path):
    look.write_csv([{"frame": i, **row} for i, row in enumerate(rows)], path)


def losses(picture):
    """What each resampling of a frame step keeps of a picture's detail, without dreaming: the
    camera's zoom (camera.warp; OpenCV's Lanczos, cubic and bilinear for comparison), as one step, a zoom in + out
    round trip and ten of them (uint8 between), and the original project's octave round trip."""
    import cv2

    from dreamvideo.frame import camera
    from dreamvideo.network import dream

    height, width = picture.shape[:2]
    image, inner = picture.astype(np.float32), (slice(20, -20), slice(20, -20))  # round trips: edges aside
    zoom_in, zoom_out = camera.matrix(width, height, zoom=1.01), camera.matrix(width, height, zoom=1 / 1.01)
    print("| step | detail kept |\n|---|---|")

    def opencv(flag):
        return lambda pixels, m: cv2.warpAffine(
            pixels, m, (width, height), flags=flag, borderMode=cv2.BORDER_REFLECT_101
        )

    for name, warp in (
        ("Lanczos (camera.warp, exact positions)", camera.warp),
        ("Lanczos (OpenCV, 1/32 px positions)", opencv(cv2.INTER_LANCZOS4)),
        ("cubic (OpenCV)", opencv(cv2.INTER_CUBIC)),
        ("bilinear (OpenCV)", opencv(cv2.INTER_LINEAR)),
    ):
        once = look.detail(warp(image, zoom_in)) / look.detail(image)
        chain = image
        for k in range(10):
            chain = np.clip(np.round(warp(warp(chain, zoom_in), zoom_out)), 0, 255)
            if k == 0:
                trip = look.detail(chain[inner]) / look.detail(image[inner])
        ten = look.detail(chain[inner]) / look.detail(image[inner])
        print(f"| zoom 1.01, {name}: one step / a round trip / 10 round trips | {once:.2f} / {trip:.2f} / {ten:.2f} |")
    small = (round(height * 0.7), round(width * 0.7))
    up = dream._resize(dream._resize(dream.gaussian_blur(image, 0.5), small), (height, width))
    print(
        f"| the seed's octave round trip (blur 0.5, area down 0.7x, bilinear up) | "
        f"{look.detail(up) / look.detail(image):.2f} |"
    )
    print(f"| ... blended back as `blend: 0.2` | {look.detail(0.2 * image + 0.8 * up) / look.detail(image):.2f} |")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frames", type=int, default=240)
    p.add_argument("--size", type=int, nargs=2, default=[320, 180])
    p.add_argument("--recipes", nargs="+", default=["old", "new", "iterations"], choices=list(RECIPES))
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "look")
    p.add_argument(
        "--no-strength",
        dest="strength",
        action="store_false",
        help="skip the dream strength (a forward pass of each frame before and after its dream)",
    )
    p.add_argument(
        "--notebook-iterations",
        type=int,
        default=1,
        help="iterations per octave of the other programs' recipes (theirs: 10)",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="the dream's seed (records' seed [SEED, index]); the picture stays"
    )
    p.add_argument("--losses", metavar="IMAGE", help="only measure what each resampling keeps of IMAGE's detail")
    return p.parse_args()


def dream_frame(name, prev, planned, index, args):
    """Recipe `name`'s frame `index` from its previous frame: (what it dreamed on, the frame, its record)."""
    from dreamvideo.network import dream

    changes = dict(RECIPES[name])
    notebook = changes.pop("notebook", None)
    rec = {**planned, **changes}  # the recipe's settings over the plan's
    dreamer = dream.dreamer(rec["model"], rec["objective"], rec["precision"])
    if notebook:
        before = notebook_zoom(prev, notebook["s"])
        rng = np.random.default_rng([args.seed, index])
        return (
            before,
            pictures.to_uint8(notebook_dream(dreamer, before, args.notebook_iterations, rng=rng, **notebook)),
            rec,
        )
    before = render.prepare(prev, rec)
    settings = {k: rec[k] for k in (*render.DREAM_SETTINGS, "octave_mode") if k in rec}
    return before, pictures.to_uint8(dreamer(before, seed=rec["rng_seed"], **settings)), rec


def run_recipes(args, size, frames, seed_pixels):
    """Every recipe's frames, taking turns frame by frame: {recipe: prev, rows, seconds, kept}."""
    planned = records(frames, size, seed_pixels, args.seed)
    state = {
        name: dict(prev=seed_pixels, rows=[look.measure(seed_pixels)], seconds=[], kept={}) for name in args.recipes
    }
    keep = sorted({1, 10, 30, frames // 2 - 1, frames // 2 + 10, *range(frames - 45, frames, 15), frames - 1})
    for index in range(1, frames):
        for name in args.recipes:
            s = state[name]
            start = time.perf_counter()
            before, out, rec = dream_frame(name, s["prev"], planned[index], index, args)
            s["seconds"].append(time.perf_counter() - start)
            strength = (
                look.strength(before, out, rec["model"], rec["objective"], rec["precision"]) if args.strength else None
            )
            s["rows"].append(look.measure(out, s["prev"], strength))
            s["prev"] = out
            if index in keep:
                s["kept"][index] = out
        if index % 50 == 0 or index == frames - 1:  # curves so far, readable while a long run goes on
            print(f"frame {index}/{frames}", file=sys.stderr, flush=True)
            for name in args.recipes:
                write_curves(state[name]["rows"], args.out / f"{name}.csv")
    return state


def summary(state, args, size, frames):
    """The table of each recipe's look early and late, and its contact sheet."""
    print(
        f"{frames} frames at {size[0]}x{size[1]}, zoom 1.01, layers {LAYERS[0]} then {LAYERS[1]}, seed {args.seed}; "
        "early = mean of frames 10-30, late = mean of the last 40; s/frame: median\n"
    )
    print("| recipe | contrast early → late (ratio) | colourfulness | detail | dream strength | s/frame |")
    print("|---|---|---|---|---|---|")
    for name in args.recipes:
        s = state[name]
        cells = []
        for metric in ("contrast", "colourfulness", "detail"):
            curve = [row[metric] for row in s["rows"]]
            early, late = np.mean(curve[10:31]), np.mean(curve[-40:])
            cells.append(f"{early:.1f} → {late:.1f} ({look.ratio(curve):.2f}x)")
        if args.strength:
            curve = [row["strength"] for row in s["rows"][1:]]  # frame 0: the seed image
            cells.append(f"{np.mean(curve[9:30]):.3f} → {np.mean(curve[-40:]):.3f}")
        else:
            cells.append("")
        print(f"| {name} | {' | '.join(cells)} | {np.median(s['seconds']):.3f} |", flush=True)
        kept = sorted(s["kept"])
        sheet([s["kept"][i] for i in kept], [f"{name} {i}" for i in kept], args.out / f"{name}.png")


def main():
    args = parse_args()
    if args.losses:
        return losses(pictures.fit(pictures.read_rgb(args.losses), tuple(args.size)))
    from dreamvideo.network import setup

    setup.use_threads(spec.schema_default("threads"))
    args.out.mkdir(parents=True, exist_ok=True)
    size, frames = tuple(args.size), args.frames
    seed_pixels = discs(size)
    summary(run_recipes(args, size, frames, seed_pixels), args, size, frames)


if __name__ == "__main__":
    main()
