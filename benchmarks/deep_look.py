"""Does the look hold at every layer, on real photographs? A zoom dream (1.01 a frame, the schema's
defaults otherwise) of each photograph at one layer, frame by frame in one process as the frame
jobs make them (render.prepare: camera + colour; the record's dreamer; uint8 as saved), with its
records planned from a spec. A candidate changes the records (spec fields) or the dreamer's call
(network/dream.py's options); `default` is the frames the plan makes today.

Each run appends one JSON line to --out/summary.jsonl (contrast, colourfulness and detail early =
mean of frames 10-30 and late = mean of the last 40, seconds per frame) and writes its curves
(--out/<run>.csv) and its last frame (--out/<run>.png); `--table` prints the markdown of what is
there, `--compare` the ratios of --candidates side by side, `--undreamed` the photographs' own
look as the zoom goes in (no dream). The photographs ship inside packages
the project installs (PHOTOS); the synthetic seeds (SYNTHETIC) check that a change made for
photographs does not over-cook the pictures the other look benchmarks use.

    python -m benchmarks.deep_look --time                       # one frame per layer, both sizes
    python -m benchmarks.deep_look --layers 1 6 11 --photos china --frames 240 --out /tmp/deep
    python -m benchmarks.deep_look --candidates default lap4 --layers 11 --out /tmp/deep
    python -m benchmarks.deep_look --photos discs fractal --switch 4 6 --candidates step1 step3
    python -m benchmarks.deep_look --table --out /tmp/deep
    python -m benchmarks.deep_look --compare --candidates step1 step2 step3 --out /tmp/deep
    python -m benchmarks.deep_look --layers 9 --photos china --size 640 360 --seeds 0 1 2  # run to run
"""

import argparse
import itertools
import json
import time
from pathlib import Path

import matplotlib
import numpy as np
import sklearn

from dreamvideo.frame import pictures, render
from dreamvideo.outputs import look
from dreamvideo.plan import spec

from .base import REPO

PHOTOS = {  # real photographs that ship inside installed packages
    "china": Path(sklearn.__file__).parent / "datasets/images/china.jpg",  # a temple over a lake
    "flower": Path(sklearn.__file__).parent / "datasets/images/flower.jpg",
    "grace_hopper": Path(matplotlib.get_data_path()) / "sample_data/grace_hopper.jpg",
}
# Synthetic seeds, to check that a change for photographs does not over-cook them: the demo's
# fractal and benchmarks.look's coloured discs (drawn at the run's size into --out).
SYNTHETIC = {"fractal": REPO / "dreams/fractal_light/img_0.jpg", "discs": None}
# Candidates: "spec" changes the spec's defaults, "dream" the dreamer's call, "mix" puts this
# weight of a shallow layer (mixed2) under the frame's layer.
CANDIDATES = {
    "default": {},
    "lap4": {"dream": {"lap_levels": 4}},  # Laplacian-pyramid gradient normalisation, 4 bands
    "lap3": {"dream": {"lap_levels": 3}},
    "above": {"dream": {"dream_scale": 1 / 0.7}},  # octaves 1.43x and 1.0x instead of 1.0x and 0.7x
    "above_only": {"dream": {"dream_scale": 1 / 0.7}, "spec": {"num_repeats": 0}},  # one octave, 1.43x
    "mix0.2": {"mix": 0.2},  # a fifth of mixed2 under the layer
    "no_hold": {"spec": {"color_hold": 0.0}},
    "no_zoom": {"spec": {"zoom": 1.0}},
    "no_zoom_step2": {"spec": {"zoom": 1.0, "step_size": 2.0}},  # a still dream at step 2
    "abs": {"dream": {"step_norm": "abs"}},  # a step measured in the gradient's mean |g| (Google's notebook)
    "step1": {"spec": {"step_size": 1.0}},  # the schema's default before issue 33 (runs named default then)
    "step1.5": {"spec": {"step_size": 1.5}},
    "step2": {"spec": {"step_size": 2.0}},
    "step3": {"spec": {"step_size": 3.0}},  # the schema's default before 3.5
    "step4": {"spec": {"step_size": 4.0}},  # a stronger step for a larger frame (640x360)
    "flat2": {"spec": {"num_repeats": 0, "num_iterations": 2}},  # no octave below, 2 steps at full size
    "mix0.2_step1.5": {"mix": 0.2, "spec": {"step_size": 1.5}},
}
SHALLOW = "mixed2"
METRICS = ("contrast", "colourfulness", "detail")


def seed_path(photo, size, out):
    """The seed image of `photo`: a photograph, the fractal, or the discs drawn into `out`."""
    if photo in PHOTOS or SYNTHETIC[photo]:
        return PHOTOS.get(photo) or SYNTHETIC[photo]
    from .look import discs

    path = Path(out) / f"discs_{size[0]}x{size[1]}.png"
    if not path.exists():
        pictures.write_atomic(discs(size), path)
    return path


def plan(photo, size, layers, frames, candidate="default", seed=0, out="."):
    """The records of a `frames`-frame zoom of `photo` at `size`, the frames split evenly over
    `layers`, with the candidate's spec changes."""
    settings = CANDIDATES[candidate]
    segments, done = [], 1  # frame 0 is the seed image
    for k, layer in enumerate(layers):
        count = (frames * (k + 1)) // len(layers) - (frames * k) // len(layers)
        if "mix" in settings:
            from dreamvideo.network import models

            layer = {models.get(models.DEFAULT_MODEL).layer_name(layer): 1.0, SHALLOW: settings["mix"]}
        segments.append({"frames": count, "layer": layer})
        done += count
    data = {
        "seed_image": str(seed_path(photo, size, out)),
        "size": list(size),
        "seed": seed,
        "defaults": {"zoom": 1.01, "zoom_speed": 0, **settings.get("spec", {})},
        "segments": segments,
    }
    return spec.plan("deep_look", spec.validate(data)).frames


def dream_frames(records, candidate="default", each=None):
    """The frames of `records` (uint8), the first the fitted seed image; `each(index, pixels,
    seconds)` after each frame. The candidate's dreamer options go with every dream."""
    from dreamvideo.network import setup

    settings = CANDIDATES[candidate]
    prev = pictures.fit(pictures.read_rgb(records[0]["seed_image"]), records[0]["size"])
    if each:
        each(0, prev, 0.0)
    for index, record in enumerate(records[1:], 1):
        start = time.perf_counter()
        dreamer = setup.for_record(record)
        before = render.prepare(prev, record)
        prev = pictures.to_uint8(
            dreamer(
                before,
                seed=record["rng_seed"],
                weights=[term[1] for term in record["objective"]],
                **{key: record[key] for key in render.DREAM_SETTINGS},
                **settings.get("dream", {}),
            )
        )
        if each:
            each(index, prev, time.perf_counter() - start)
    return prev


def run(photo, size, layers, frames, candidate, out, seed=0):
    """One run: its curves, last frame and summary line in `out`; returns the summary."""
    name = f"{candidate}_{photo}_{size[0]}x{size[1]}_L{'-'.join(map(str, layers))}_{frames}"
    name += f"_seed{seed}" if seed else ""
    rows, seconds, last = [], [], {}

    def each(index, pixels, spent):
        rows.append({"frame": index, **look.measure(pixels, last.get("pixels"))})
        seconds.append(spent)
        last["pixels"] = pixels

    records = plan(photo, size, layers, frames, candidate, seed, out)
    dream_frames(records, candidate, each)
    look.write_csv(rows, out / f"{name}.csv")
    pictures.write_atomic(last["pixels"], out / f"{name}.png")
    summary = {"run": name, "candidate": candidate, "photo": photo, "size": list(size), "layers": list(layers)}
    summary["frames"], summary["seed"] = frames, seed
    for metric in ("contrast", "colourfulness", "detail"):
        curve = [row[metric] for row in rows]
        summary[metric] = [float(np.mean(curve[10:31])), float(np.mean(curve[-40:])), look.ratio(curve)]
    summary["seconds"] = float(np.median(seconds[1:]))
    with open(out / "summary.jsonl", "a") as stream:
        stream.write(json.dumps(summary) + "\n")
    return summary


def time_layers(sizes, photo="china", repeats=3):
    """Seconds of one dreamed frame per layer and size (median of `repeats` after a warm-up)."""
    print("| layer | " + " | ".join(f"{w}x{h} s/frame" for w, h in sizes) + " |\n|---|" + "---|" * len(sizes))
    for layer in range(1, 12):
        cells = []
        for size in sizes:
            records = plan(photo, size, [layer], repeats + 1)
            times = []
            dream_frames(records, each=lambda i, _p, s: times.append(s) if i > 1 else None)
            cells.append(f"{np.median(times):.3f}")
        print(f"| {layer} | " + " | ".join(cells) + " |", flush=True)


def table(out):
    """The markdown of every run in out/summary.jsonl (the last line of a run counts)."""
    runs = {}
    for line in (out / "summary.jsonl").read_text().splitlines():
        row = json.loads(line)
        runs[row["run"]] = row
    print("| candidate | photo | size | layers | contrast early → late (ratio) | colourfulness | detail | s/frame |")
    print("|---|---|---|---|---|---|---|---|")
    for row in sorted(runs.values(), key=lambda r: (r["size"], r["layers"], r["photo"], r["candidate"])):
        cells = [
            f"{early:.1f} → {late:.1f} ({'**' if ratio < 0.85 else ''}{ratio:.2f}x{'**' if ratio < 0.85 else ''})"
            for early, late, ratio in (row[m] for m in ("contrast", "colourfulness", "detail"))
        ]
        size = "x".join(map(str, row["size"]))
        layers = " → ".join(map(str, row["layers"]))
        print(
            f"| {row['candidate']} | {row['photo']} | {size} | {layers} | {' | '.join(cells)} | {row['seconds']:.3f} |"
        )


def undreamed(size, frames):
    """The photographs' own look as the zoom goes in, no dream: each frame the centre of the
    full-resolution file at the zoom's magnification (16:9, as fitted), resized to `size`."""
    from PIL import Image

    for photo, path in PHOTOS.items():
        image = Image.open(path).convert("RGB")
        w, h = image.size
        cw, ch = (w, w * 9 / 16) if w / h < 16 / 9 else (h * 16 / 9, h)
        rows = []
        for index in range(frames):
            bw, bh = cw / 1.01**index, ch / 1.01**index
            box = ((w - bw) / 2, (h - bh) / 2, (w + bw) / 2, (h + bh) / 2)
            rows.append(look.measure(np.asarray(image.resize(size, Image.LANCZOS, box=box))))
        print(photo, " ".join(f"{m} {look.ratio([row[m] for row in rows]):.2f}x" for m in METRICS))


def compare(out, candidates):
    """The markdown of the ratios (contrast / colourfulness / detail) per size, layers and seed,
    one column per candidate: the runs of out/summary.jsonl (the last line of a run counts)."""
    runs = {}
    for line in (out / "summary.jsonl").read_text().splitlines():
        row = json.loads(line)
        key = (tuple(row["size"]), tuple(row["layers"]), row["frames"], row.get("seed", 0), row["photo"])
        runs.setdefault(key, {})[row["candidate"]] = row
    print("| size | layer | seed | " + " | ".join(candidates) + " |\n|---|---|---|" + "---|" * len(candidates))
    for (size, layers, frames, seed, photo), row in sorted(runs.items()):
        cells = [
            " / ".join(f"**{r:.2f}**" if r < 0.85 else f"{r:.2f}" for r in (row[c][m][2] for m in METRICS))
            if c in row
            else "–"
            for c in candidates
        ]
        where = (
            f"{size[0]}x{size[1]}"
            + ("" if frames == 240 else f", {frames} frames")
            + (f", spec seed {seed}" if seed else "")
        )
        print(f"| {where} | {' → '.join(map(str, layers))} | {photo} | " + " | ".join(cells) + " |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--time", action="store_true", help="only time one frame per layer at 320x180 and 640x360")
    p.add_argument("--table", action="store_true", help="only print the table of the runs in --out")
    p.add_argument("--undreamed", action="store_true", help="only the photographs' look zoomed with no dream")
    p.add_argument("--compare", action="store_true", help="only print the --candidates' ratios side by side")
    p.add_argument("--photos", nargs="+", default=list(PHOTOS), choices=[*PHOTOS, *SYNTHETIC])
    p.add_argument("--layers", nargs="+", type=int, default=list(range(1, 12)), help="one run per layer")
    p.add_argument("--switch", nargs="+", type=int, help="one run whose frames go through these layers in turn")
    p.add_argument("--size", type=int, nargs=2, default=[320, 180])
    p.add_argument("--frames", type=int, default=240)
    p.add_argument(
        "--seeds", type=int, nargs="+", default=[0], help="one run per spec seed (the dream's random shifts)"
    )
    p.add_argument("--candidates", nargs="+", default=["default"], choices=list(CANDIDATES))
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "deep_look")
    args = p.parse_args()
    if args.table:
        return table(args.out)
    if args.undreamed:
        return undreamed(tuple(args.size), args.frames)
    if args.compare:
        return compare(args.out, args.candidates)
    from dreamvideo.network import setup

    setup.use_threads(spec.schema_default("threads"))
    if args.time:
        return time_layers([(320, 180), (640, 360)])
    args.out.mkdir(parents=True, exist_ok=True)
    for layers in [args.switch] if args.switch else [[layer] for layer in args.layers]:
        for photo in args.photos:
            for candidate, seed in itertools.product(args.candidates, args.seeds):
                row = run(photo, tuple(args.size), layers, args.frames, candidate, args.out, seed)
                ratios = " ".join(f"{m} {row[m][2]:.2f}x" for m in ("contrast", "colourfulness", "detail"))
                print(f"{row['run']}: {ratios}, {row['seconds']:.3f} s/frame", flush=True)


if __name__ == "__main__":
    main()
