"""Does the look hold over a long zoom? Recipes side by side, frame by frame in one process.

Each recipe renders the same zoom dream from the same seed picture (coloured discs), as frame jobs
do (render.prepare: camera + colour balance, then the dreamer, then uint8 as a saved frame), with the
layer switching from 4 to 6 halfway (FACTS.md, "Look metrics"). The recipes take turns frame by frame,
so a shared machine's drift hits all alike and the seconds per frame compare as ratios.

Prints, per recipe: contrast, colourfulness and detail early (mean of frames 10-30) and late (mean of
the last 40), their ratio late/early, and seconds per frame; writes every frame's metrics to
--out/<recipe>.csv and a contact sheet of the start and the end to --out/<recipe>.png.

    python scripts/benchmark_look.py --frames 240 --recipes old new iterations --out /tmp/look
"""

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from dreamvideo import look, models, render, spec  # noqa: E402

LAYERS = (4, 6)  # first half, second half
# Recipes: changes to the base record. All cost about one full-size step per frame except where noted.
RECIPES = {
    "old": dict(octave_mode="blend"),  # the seed's default: 1 iteration x 2 octaves, blend 0.2
    "new": dict(octave_mode="detail"),  # the same cost, detail re-injected
    "iterations": dict(num_repeats=0, num_iterations=2),  # no octaves, 2 iterations at full size
    "new_step1.5": dict(octave_mode="detail", step_size=1.5),
    "new_2it": dict(octave_mode="detail", num_iterations=2),  # twice the cost
    "old_no_zoom": dict(octave_mode="blend", zoom=1.0),
    "new_no_zoom": dict(octave_mode="detail", zoom=1.0),
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


def record(index, frames, size, seed_pixels, **changes):
    """Frame `index`'s record, with the schema's defaults where the benchmark does not say."""
    model = models.get(models.DEFAULT_MODEL)
    defaults = spec.validate({"segments": [{"frames": 1}]})["defaults"]
    layer = LAYERS[0] if index < frames // 2 else LAYERS[1]
    base = {key: defaults[key] for key in (*render.DREAM_SETTINGS, "color_balance")}
    base.update(model=model.name, precision="float32", objective=[[model.layer_name(layer), 1.0, []]],
                zoom_speed=0, zoom=1.01, angle=0.0, translate_x=0.0, translate_y=0.0, center=[0.5, 0.5],
                border="reflect", target_color=None, color_rate=0.0, threads=spec.schema_default("threads"),
                reference_brightness=float(seed_pixels.mean()), seed=[0, index])
    return {**base, **changes}


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


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frames", type=int, default=240)
    p.add_argument("--size", type=int, nargs=2, default=[320, 180])
    p.add_argument("--recipes", nargs="+", default=["old", "new", "iterations"], choices=list(RECIPES))
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "look")
    args = p.parse_args()
    from dreamvideo import dream

    dream.use_threads(spec.schema_default("threads"))
    args.out.mkdir(parents=True, exist_ok=True)
    size, frames = tuple(args.size), args.frames
    seed_pixels = discs(size)
    state = {name: dict(prev=seed_pixels, rows=[look.measure(seed_pixels)], seconds=[], kept={}) for name in args.recipes}
    keep = sorted({1, 10, 30, frames // 2 - 1, frames // 2 + 10, *range(frames - 45, frames, 15), frames - 1})
    for index in range(1, frames):
        for name in args.recipes:
            s = state[name]
            rec = record(index, frames, size, seed_pixels, **RECIPES[name])
            start = time.perf_counter()
            dreamer = dream.dreamer(rec["model"], rec["objective"], rec["precision"])
            settings = {k: rec[k] for k in (*render.DREAM_SETTINGS, "octave_mode") if k in rec}
            out = dream.to_uint8(dreamer(render.prepare(s["prev"], rec), seed=rec["seed"], **settings))
            s["seconds"].append(time.perf_counter() - start)
            s["rows"].append(look.measure(out, s["prev"]))
            s["prev"] = out
            if index in keep:
                s["kept"][index] = out
        if index % 50 == 0 or index == frames - 1:  # curves so far, readable while a long run goes on
            print(f"frame {index}/{frames}", file=sys.stderr, flush=True)
            for name in args.recipes:
                write_curves(state[name]["rows"], args.out / f"{name}.csv")

    print(f"{frames} frames at {size[0]}x{size[1]}, zoom 1.01, layers {LAYERS[0]} then {LAYERS[1]}; "
          "early = mean of frames 10-30, late = mean of the last 40; s/frame: median\n")
    print("| recipe | contrast early → late (ratio) | colourfulness | detail | s/frame |")
    print("|---|---|---|---|---|")
    for name in args.recipes:
        s = state[name]
        cells = []
        for metric in ("contrast", "colourfulness", "detail"):
            curve = [row[metric] for row in s["rows"]]
            early, late = np.mean(curve[10:31]), np.mean(curve[-40:])
            cells.append(f"{early:.1f} → {late:.1f} ({look.ratio(curve):.2f}x)")
        print(f"| {name} | {' | '.join(cells)} | {np.median(s['seconds']):.3f} |", flush=True)
        kept = sorted(s["kept"])
        sheet([s["kept"][i] for i in kept], [f"{name} {i}" for i in kept], args.out / f"{name}.png")


if __name__ == "__main__":
    main()
