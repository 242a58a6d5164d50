"""The look of a frame, measured: contrast, colourfulness, fine detail and the change from the
frame before. A dream video should hold these over thousands of frames; these numbers say
whether it does (scripts/benchmark_look.py, dreams/<name>/look.csv).

All take an RGB frame H x W x 3 in 0..255 (uint8 or float) and return a float:
  contrast       std of luma (0.299 R + 0.587 G + 0.114 B)
  colourfulness  Hasler & Süsstrunk (2003): hypot(std(rg), std(yb)) + 0.3 hypot(mean(rg), mean(yb)),
                 rg = R - G, yb = (R + G) / 2 - B
  detail         mean |Laplacian(luma)| (OpenCV's 3x3 aperture): fine structure, what blur removes
  change         mean |frame - previous| over all channels: motion and flicker
"""

import cv2
import numpy as np

METRICS = ("contrast", "colourfulness", "detail", "change")
LUMA = np.array([0.299, 0.587, 0.114], np.float64)


def _float(pixels):
    image = np.asarray(pixels, np.float64)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"a frame is H x W x 3, not {image.shape}")
    return image


def luma(pixels):
    return _float(pixels) @ LUMA


def contrast(pixels):
    return float(luma(pixels).std())


def colourfulness(pixels):
    image = _float(pixels)
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def detail(pixels):
    return float(np.abs(cv2.Laplacian(luma(pixels), cv2.CV_64F, ksize=1)).mean())


def change(pixels, previous):
    """Mean absolute difference to the previous frame (None: no previous, 0.0)."""
    if previous is None:
        return 0.0
    return float(np.abs(_float(pixels) - _float(previous)).mean())


def measure(pixels, previous=None):
    """All metrics of one frame as a dict (see METRICS)."""
    return {"contrast": contrast(pixels), "colourfulness": colourfulness(pixels), "detail": detail(pixels),
            "change": change(pixels, previous)}


def ratio(values, early=(10, 30), late=40):
    """How well a curve holds: mean of its last `late` values / mean of values early[0]..early[1]
    (frames 10-30 by default: after the seed frame, once the dream has started)."""
    values = np.asarray(values, np.float64)
    start = values[early[0]:early[1] + 1].mean()
    return float(values[-late:].mean() / start) if start else float("nan")


def of_frames(paths):
    """One dict per frame file, in order: `frame` and the METRICS."""
    from . import frame

    rows, previous = [], None
    for index, path in enumerate(paths):
        pixels = frame.read_rgb(path)
        rows.append({"frame": index, **measure(pixels, previous)})
        previous = pixels
    return rows


def write_csv(rows, path):
    """The metrics as CSV, one row per frame (3 decimals: far finer than they vary)."""
    import csv

    from . import frame

    with frame.atomic(path) as tmp, open(tmp, "w", newline="") as stream:
        out = csv.writer(stream, lineterminator="\n")
        out.writerow(["frame", *METRICS])
        out.writerows([row["frame"], *(f"{row[k]:.3f}" for k in METRICS)] for row in rows)


def write_png(rows, fps, path, title=""):
    """One panel per metric over time (s), frame numbers on top, with each curve's late/early ratio
    in its title (mean of the last 40 frames / frames 10-30) where the video is long enough."""
    from matplotlib.figure import Figure

    from . import frame

    times = np.array([row["frame"] for row in rows]) / fps
    fig = Figure(figsize=(12, 1.2 + 2.0 * len(METRICS)), dpi=100, layout="constrained")
    axes = fig.subplots(len(METRICS), 1, sharex=True, squeeze=False)[:, 0]
    fig.suptitle(f"{title or 'look'}  ({len(rows)} frames)", fontsize=10)
    for ax, key, colour in zip(axes, METRICS, ("black", "tab:purple", "tab:green", "tab:orange")):
        values = [row[key] for row in rows]
        ax.plot(times, values, color=colour, lw=1.2)
        held = f"  last 40 / frames 10-30: {ratio(values):.2f}x" if len(rows) >= 70 and key != "change" else ""
        ax.set_title(key + held, loc="left", fontsize=9, pad=2)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s)")
    axes[0].secondary_xaxis("top", functions=(lambda t: t * fps, lambda f: f / fps)).set_xlabel("frame")
    with frame.atomic(path) as tmp:
        fig.savefig(tmp, format="png")
