"""The look of a frame, measured: contrast, colourfulness, fine detail and the change from the
frame before. A dream video should hold these over thousands of frames; these numbers say
whether it does (scripts/benchmark_look.py, dreams/<name>/look.csv).

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

import functools

import cv2
import numpy as np

METRICS = ("contrast", "colourfulness", "detail", "change", "strength")
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


def measure(pixels, previous=None, strength=None):
    """All metrics of one frame as a dict (see METRICS); `strength` as given (None: not measured)."""
    return {"contrast": contrast(pixels), "colourfulness": colourfulness(pixels), "detail": detail(pixels),
            "change": change(pixels, previous), "strength": strength}


def objective_values(images, model_name, objective, precision="float32"):
    """The objective of a plan record (`objective`: its [layer, weight, channels(, guide)] terms)
    on each of `images` (H x W x 3, 0..255, all one size): per image, one value per term, the mean
    square of that layer's activations (of its channels where the term names some) over the whole
    image, in one forward pass (no tiles, no gradient). A guided term counts as its layer's mean
    square (the guide is not read). Images smaller than the network's minimum are enlarged as the
    dreamer does."""
    from ..network import dream

    dreamer = dream.dreamer(model_name, objective, precision)
    batch = np.stack([np.asarray(image, np.float32) for image in images])
    if min(batch.shape[1:3]) < dreamer.model.min_size:
        scale = dreamer.model.min_size / min(batch.shape[1:3])
        size = (int(np.ceil(batch.shape[2] * scale)), int(np.ceil(batch.shape[1] * scale)))
        batch = np.stack([cv2.resize(image, size, interpolation=cv2.INTER_LINEAR) for image in batch])
    return _forward(dreamer)(batch).numpy().astype(np.float64)  # images x terms


@functools.cache  # one per dreamer (each dreamer is built once per process), open sizes: one trace
def _forward(dreamer):
    """A compiled forward pass for a dreamer's terms: per image, each term's mean square."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
    def forward(batch):
        activations = dreamer.features((batch - dreamer.mean) / dreamer.std, training=False)
        if not isinstance(activations, (list, tuple)):
            activations = [activations]
        values = []
        for (_, channels, _), act in zip(dreamer.terms, activations):
            act = tf.cast(act, tf.float32)
            if channels:
                act = tf.gather(act, list(channels), axis=-1)
            values.append(tf.reduce_mean(tf.square(act), axis=[1, 2, 3]))
        return tf.stack(values, axis=1)

    return forward


def strength(before, after, model_name, objective, precision="float32"):
    """A dream's strength on one frame: the objective's value on `after` (the dreamed frame) over
    its value on `before` (what it dreamed on). With several terms, each term's ratio weighted by
    its weight (the dreamer scales each term by its own value, so each pulls by its ratio)."""
    values = objective_values([before, after], model_name, objective, precision)
    ratios = values[1] / np.maximum(values[0], 1e-12)
    weights = np.array([abs(float(term[1])) for term in objective], np.float64)
    return float((weights * ratios).sum() / weights.sum()) if weights.sum() else float(ratios.mean())


def ratio(values, early=(10, 30), late=40):
    """How well a curve holds: mean of its last `late` values / mean of values early[0]..early[1]
    (frames 10-30 by default: after the seed frame, once the dream has started)."""
    values = np.asarray(values, np.float64)
    start = values[early[0]:early[1] + 1].mean()
    return float(values[-late:].mean() / start) if start else float("nan")


def use_threads(count):
    """TensorFlow's pools at `count` threads (the frames' `threads`) where this process has not
    set them yet; as they are otherwise (another pool size changes a sum's rounding, not what the
    strength says: it need not be byte-exact, the frames must)."""
    from ..network import dream

    try:
        dream.use_threads(count)
    except RuntimeError:
        pass


def of_frames(paths, records=None, source=None, flow=None):
    """One dict per frame file, in order: `frame` and the METRICS. With the frames' plan `records`
    (and a video dream's `source` and `flow` folders, as its frame jobs get them) also each frame's
    dream strength, against what it dreamed on (render.prepared: frame i-1 as saved, moved and
    coloured; for a video the source frame with the dream carried in); None for an image dream's
    seed frame, and for all without `records`."""
    from ..frame import pictures, render

    rows, previous = [], None
    for index, path in enumerate(paths):
        pixels = pictures.read_rgb(path)
        value = None
        if records is not None:
            record = records[index]
            before = render.prepared(index, record, paths[index - 1] if index else None, source, flow)
            if before is not None:
                value = strength(before, pixels, record["model"], record["objective"], record["precision"])
        rows.append({"frame": index, **measure(pixels, previous, value)})
        previous = pixels
    return rows


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
            held = (f"  (objective after / before the frame's dream; median {np.median(measured):.2f}x)"
                    if len(measured) else "  (not measured)")
        else:
            held = f"  last 40 / frames 10-30: {ratio(values):.2f}x" if len(rows) >= 70 and key != "change" else ""
        ax.set_title(key + held, loc="left", fontsize=9, pad=2)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s)")
    axes[0].secondary_xaxis("top", functions=(lambda t: t * fps, lambda f: f / fps)).set_xlabel("frame")
    with files.atomic(path) as tmp:
        fig.savefig(tmp, format="png")
