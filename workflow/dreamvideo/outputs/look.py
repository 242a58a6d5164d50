"""The look of a frame, measured: contrast, colourfulness, fine detail and the change from the
frame before. A dream video should hold these over thousands of frames; these numbers say
whether it does (`python -m benchmarks.look`, dreams/<name>/look.csv).

All take an RGB frame H x W x 3 in 0..255 (uint8 or float) and return a float:
  contrast       std of luma (0.299 R + 0.587 G + 0.114 B)
  colourfulness  Hasler & Süsstrunk (2003): hypot(std(rg), std(yb)) + 0.3 hypot(mean(rg), mean(yb)),
                 rg = R - G, yb = (R + G) / 2 - B
  detail         mean |Laplacian(luma)| (OpenCV's 3x3 aperture): fine structure, what blur removes
  change         mean |frame - previous| over all channels: motion and flicker

and, given the frame's plan record and what it dreamed on (render.prepared), its dream strength:
  strength       the objective's value on the frame as saved / on the frame as prepared for its
                 dream (strength(): one forward pass of both at the frame's size); 1 = the dream
                 did nothing, 2 = it doubled its layers' mean square activation
"""

import cv2
import numpy as np

from ..frame import colour as colours
from ..frame.colour import LUMA

METRICS = ("contrast", "colourfulness", "detail", "change", "strength")


def _float(pixels):
    image = np.asarray(pixels, np.float64)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"a frame is H x W x 3, not {image.shape}")
    return image


def luma(pixels):
    return _float(pixels) @ LUMA


def contrast(pixels):
    return colours.contrast(_float(pixels))


def colourfulness(pixels):
    return colours.colourfulness(_float(pixels))


def detail(pixels):
    return float(np.abs(cv2.Laplacian(luma(pixels), cv2.CV_64F, ksize=1)).mean())


def change(pixels, previous):
    """Mean absolute difference to the previous frame (None: no previous, 0.0)."""
    if previous is None:
        return 0.0
    return float(np.abs(_float(pixels) - _float(previous)).mean())


def measure(pixels, previous=None, strength=None):
    """All metrics of one frame as a dict (see METRICS); `strength` as given (None: not measured)."""
    return {
        "contrast": contrast(pixels),
        "colourfulness": colourfulness(pixels),
        "detail": detail(pixels),
        "change": change(pixels, previous),
        "strength": strength,
    }


def strength(before, after, model_name, objective, precision="float32"):
    """A dream's strength on one frame: the objective's value on `after` (the dreamed frame) over
    its value on `before` (what it dreamed on). With several terms, each term's ratio weighted by
    its weight (the dreamer scales each term by its own value, so each pulls by its ratio)."""
    from ..network import objective as objectives  # TensorFlow loads only when a strength is measured

    values = objectives.values([before, after], model_name, objective, precision)
    ratios = values[1] / np.maximum(values[0], 1e-12)
    weights = np.array([abs(float(term[1])) for term in objective], np.float64)
    return float((weights * ratios).sum() / weights.sum()) if weights.sum() else float(ratios.mean())


def ratio(values, early=(10, 30), late=40):
    """How well a curve holds: mean of its last `late` values / mean of values early[0]..early[1]
    (frames 10-30 by default: after the seed frame, once the dream has started)."""
    values = np.asarray(values, np.float64)
    start = values[early[0] : early[1] + 1].mean()
    return float(values[-late:].mean() / start) if start else float("nan")


def of_frames(paths, records=None, source=None, flow=None):
    """One dict per frame file, in order: `frame` and the METRICS. With the frames' plan `records`
    (and a video dream's `source` and `flow` folders, as its frame jobs get them) also each frame's
    dream strength (`dream_strength`); None for all without `records`."""
    from ..frame import pictures

    rows, previous = [], None
    for index, (path, previous_path) in enumerate(zip(paths, [None, *paths[:-1]])):
        pixels = pictures.read_rgb(path)
        value = None if records is None else dream_strength(index, records[index], pixels, previous_path, source, flow)
        rows.append({"frame": index, **measure(pixels, previous, value)})
        previous = pixels
    return rows


def dream_strength(index, record, pixels, previous_path=None, source=None, flow=None):
    """The strength of frame `index`'s dream (`pixels`, as saved), by its record's kind: None for the
    seed image (kind seed_image: fitted, not dreamed); every other kind is dreamed, a video's frame 0
    too, and measured against what it dreamed on (render.prepared: for an image dream the frame
    before, `previous_path`, as saved, moved and coloured; for a video the source frame, with the
    dream carried in after frame 0)."""
    from ..frame import render

    if record["kind"] == "seed_image":
        return None
    before = render.prepared(index, record, previous_path, source, flow)
    return strength(before, pixels, record["model"], record["objective"], record["precision"])


def write_csv(rows, path):
    """The metrics as CSV, one row per frame (3 decimals: far finer than they vary)."""
    import csv

    from .. import files

    with files.atomic(path) as tmp, open(tmp, "w", newline="") as stream:
        out = csv.writer(stream, lineterminator="\n")
        out.writerow(["frame", *METRICS])
        out.writerows([row["frame"], *("" if row.get(k) is None else f"{row[k]:.3f}" for k in METRICS)] for row in rows)


def write_png(rows, fps, path, title=""):
    """One panel per metric over time (s), frame numbers on top, with each curve's late/early ratio
    in its title (mean of the last 40 frames / frames 10-30) where the video is long enough."""
    from matplotlib.figure import Figure

    from .. import files

    times = np.array([row["frame"] for row in rows]) / fps
    fig = Figure(figsize=(12, 1.2 + 2.0 * len(METRICS)), dpi=100, layout="constrained")
    axes = fig.subplots(len(METRICS), 1, sharex=True, squeeze=False)[:, 0]
    fig.suptitle(f"{title or 'look'}  ({len(rows)} frames)", fontsize=10)
    for ax, key, colour in zip(axes, METRICS, ("black", "tab:purple", "tab:green", "tab:orange", "tab:red")):
        values = np.array([np.nan if row.get(key) is None else row[key] for row in rows], np.float64)
        ax.plot(times, values, color=colour, lw=1.2)
        if key == "strength":
            ax.axhline(1.0, color="grey", lw=0.8, ls="--")  # 1: the dream changed nothing
            measured = values[~np.isnan(values)]
            held = (
                f"  (objective after / before the frame's dream; median {np.median(measured):.2f}x)"
                if len(measured)
                else "  (not measured)"
            )
        else:
            held = f"  last 40 / frames 10-30: {ratio(values):.2f}x" if len(rows) >= 70 and key != "change" else ""
        ax.set_title(key + held, loc="left", fontsize=9, pad=2)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s)")
    axes[0].secondary_xaxis("top", functions=(lambda t: t * fps, lambda f: f / fps)).set_xlabel("frame")
    with files.atomic(path) as tmp:
        fig.savefig(tmp, format="png")
