"""The dream step, the frame and what surrounds the network: a tiled gradient step's time and
FLOPs (as % of the measured peak), a full chained frame's time, and where a frame's time goes
outside the network."""

import statistics
import time

import numpy as np

from dreamvideo.frame import pictures, render
from dreamvideo.network import loading, models

from .base import SIZES, chained, median_time, picture, record


def step_flops(layer, tiles, tile_h, tile_w):
    """Forward conv FLOPs up to `layer` for a batch of tiles, x2 for the input gradient."""
    import keras

    features = loading.features(models.DEFAULT_MODEL, layer)
    convs = [each for each in features.layers if isinstance(each, keras.layers.Conv2D)]
    probe_model = keras.Model(features.input, [c.output for c in convs])
    outputs = probe_model(np.zeros((1, tile_h, tile_w, 3), np.float32))
    forward = sum(2 * np.prod(o.shape[1:]) * np.prod(c.kernel.shape[:3]) for c, o in zip(convs, outputs))
    return 2 * tiles * float(forward)


def octave_args(dreamer, size, height=None, width=None):
    import tensorflow as tf

    height, width = height or size[1], width or size[0]
    pixels = np.asarray(pictures.Image.fromarray(picture(size)).resize((width, height))).astype(np.float32)
    grid = dreamer.tile_grid(height, width, 400)
    args = (
        tf.constant(pixels),
        tf.constant([[3, 5]], tf.int32),
        tf.constant(grid, tf.int32),
        tf.constant(1.0),
        tf.constant([1.0]),
    )
    return args, grid, (-(-height // grid[0]), -(-width // grid[1]))


def step_time(layer, size, runs):
    """(seconds, FLOPs) of one tiled gradient step (one octave iteration) on the full frame."""
    from dreamvideo.network import dream

    dreamer = dream.dreamer(models.DEFAULT_MODEL, layer)
    args, grid, (tile_h, tile_w) = octave_args(dreamer, size)
    return median_time(lambda: dreamer.octave(*args).numpy(), runs), step_flops(
        layer, grid[0] * grid[1], tile_h, tile_w
    )


def _parts(idle, rec, prev, out):
    """Each part of a frame on its own, and the whole frame."""

    pixels = pictures.read_frame(prev)
    prepared = render.prepare(pixels, rec)
    result = pictures.to_uint8(prepared)
    settings = {k: rec[k] for k in render.DREAM_SETTINGS}
    return {
        "read PNG": lambda: (pictures._last_written.clear(), pictures.read_frame(prev)),  # a decode, as after a resume
        "camera + colour": lambda: render.prepare(pixels, rec),
        "octave work": lambda: idle(prepared, seed=[0, 1], **settings),
        "write PNG": lambda: pictures.write_frame(result, out),
        "frame": lambda: (pictures.write_frame(pixels, prev), render.make_frame(1, rec, out, prev)),
    }


def _alternated(parts, rounds):
    """Median seconds of each part, the parts taking turns so that drift of a shared machine cancels."""
    for fn in parts.values():
        fn(), fn()
    samples = {name: [] for name in parts}
    for _ in range(rounds):
        for name, fn in parts.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(v) for name, v in samples.items()}


def overheads(rounds, layer=3, precision="float32"):
    """Where a frame's time goes outside the network, each part timed on its own: PNG read and
    write, camera + colour, and the octave work (the same dream call with the network swapped
    for the identity: tiling, per-tile normalisation, smoothing, pyramid), in alternation with
    whole frames so that drift of a shared machine cancels."""
    from dreamvideo.network import dream

    rows = []
    dreamer = dream.dreamer(models.DEFAULT_MODEL, layer, precision)
    idle = dream.Dreamer(models.DEFAULT_MODEL, dreamer.terms, precision)
    idle.features = lambda x, training=False: x  # traced on first call: the octave without a network
    for size in SIZES:
        with chained(size) as (prev, out):
            med = _alternated(_parts(idle, record(layer, size, precision=precision), prev, out), rounds)
        # In a chain the previous frame comes from memory (pictures.read_frame): no decode per frame.
        outside = med["camera + colour"] + med["octave work"] + med["write PNG"]
        rows.append(dict(size=size, parts=med, outside=100 * outside / med["frame"]))
        print(
            f"{size[0]}x{size[1]}: frame {med['frame']:.3f} s, outside the network {100 * outside / med['frame']:.1f}% "
            f"(camera+colour {med['camera + colour']:.3f}, octave work {med['octave work']:.3f}, "
            f"write {med['write PNG']:.3f}; a PNG read when resuming {med['read PNG']:.3f})",
            flush=True,
        )
    return rows
