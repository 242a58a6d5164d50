"""DeepDream: octaves (`num_repeats`, `rescale_factor`, `octave_mode`) of gradient ascent
(`num_iterations`, `step_size`) on the mean square of one layer's activations.

Octaves, `octave_mode`:
  detail  (Google's notebook, the Keras example) each larger level is the undreamed level plus the
          upscaled *change* the smaller octaves dreamed: the frame's own fine detail is never
          blurred, so a chain of frames keeps it.
  blend   (the original project) each larger level is `blend` x the undreamed level + (1 - blend) x the
          upscaled dreamed result: the downscale's lost detail is blurred away every frame, which
          compounds over a video into haze (benchmarks/look.md).

Each iteration computes the gradient on a grid of tiles (`tile_size`) shifted by a random offset,
normalises it per tile, smooths it with the original project's three Gaussian blurs and steps along it. One
compiled function per model/layer runs all iterations of an octave; its input signature has open
sizes, so no image or tile size retraces it. Randomness comes only from `seed`: same input and
seed give the same bytes."""

import functools
import math

import cv2
import numpy as np
import tensorflow as tf

from . import models
from . import objective as objectives  # `objective` names dreamer()'s argument


def gaussian_blur(image, sigma):
    """Separable Gaussian over H and W of an H x W x 3 float32 array, reflected edges (scipy's
    gaussian_filter with truncate=4), on the host: OpenCV does it ~10x faster than TensorFlow's
    depthwise convolution."""
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * np.square(x / sigma))
    kernel = (kernel / kernel.sum()).astype(np.float32)
    return cv2.sepFilter2D(np.asarray(image, np.float32), -1, kernel, kernel, borderType=cv2.BORDER_REFLECT)


def _resize(image, size):
    """H x W x 3 float32 → size (h, w): area averaging down (antialiased), bilinear up."""
    shrink = size[0] < image.shape[0] or size[1] < image.shape[1]
    return cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def _kernel_spectrum(sigma, n):
    """DFT (real: the kernel is symmetric) of the truncated Gaussian of `gaussian_blur`,
    centred at 0 on a circle of n samples."""
    radius = tf.cast(4.0 * sigma + 0.5, tf.int32)
    x = tf.range(-radius, radius + 1)
    kernel = tf.exp(-0.5 * tf.square(tf.cast(x, tf.float32) / sigma))
    kernel = kernel / tf.reduce_sum(kernel)
    frequencies = tf.cast(tf.range(n), tf.float32)[:, tf.newaxis] * tf.cast(x, tf.float32)[tf.newaxis, :]
    return tf.reduce_sum(kernel * tf.cos(2.0 * math.pi * frequencies / tf.cast(n, tf.float32)), axis=1)


def _smooth(grad, sigma):
    """The original project's smoothing, blur(sigma) + blur(2 sigma) + blur(sigma / 2) of an [H, W, 3] image,
    in one FFT pass: equal to three `gaussian_blur`s (reflected edges), but its cost does not
    grow with sigma. Reflecting by the widest radius serves the narrower kernels too, and the
    FFT's wrap-around only touches the padding that is cut off."""
    pad = tf.cast(4.0 * 2.0 * sigma + 0.5, tf.int32)
    height, width = tf.shape(grad)[0], tf.shape(grad)[1]
    padded = tf.pad(grad, [[pad, pad], [pad, pad], [0, 0]], mode="SYMMETRIC")
    rows, cols = height + 2 * pad, width + 2 * pad
    spectrum = tf.signal.rfft2d(tf.transpose(padded, [2, 0, 1]))
    transfer = tf.zeros([rows, cols // 2 + 1])
    for s in (sigma, 2.0 * sigma, 0.5 * sigma):
        transfer += _kernel_spectrum(s, rows)[:, tf.newaxis] * _kernel_spectrum(s, cols)[tf.newaxis, : cols // 2 + 1]
    smoothed = tf.signal.irfft2d(spectrum * tf.complex(transfer, 0.0), fft_length=[rows, cols])
    return tf.transpose(smoothed, [1, 2, 0])[pad : pad + height, pad : pad + width]


# The 5-tap binomial kernel of TensorFlow's deepdream notebook (`lap_split`), one per channel.
_K5X3 = (np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1])[:, :, None, None] * np.eye(3) / 256.0).astype(np.float32)


def _lap_normalize(grads, levels):
    """The notebook's `lap_normalize` on a batch of tiles [n, h, w, 3]: the gradient split into
    `levels` Laplacian bands, each scaled to unit RMS per tile, summed back (a candidate of issue
    33, off: it moved a deep layer's step to coarse scales, benchmarks/look.md)."""
    kernel = tf.constant(_K5X3)
    bands, low = [], grads
    for _ in range(levels - 1):
        smaller = tf.nn.conv2d(low, kernel, 2, "SAME")
        bands.append(low - tf.nn.conv2d_transpose(smaller, kernel * 4.0, tf.shape(low), 2))
        low = smaller
    bands = [b / (tf.sqrt(tf.reduce_mean(tf.square(b), axis=[1, 2, 3], keepdims=True)) + 1e-8) for b in bands + [low]]
    merged = bands.pop()
    for high in reversed(bands):
        merged = tf.nn.conv2d_transpose(merged, kernel * 4.0, tf.shape(high), 2) + high
    return merged


OCTAVE_MODES = ("detail", "blend")
LAP_LEVELS = 0  # Laplacian bands of the gradient normalisation (0: one std per tile)
STEP_NORM = "std"  # what a step of `step_size` is measured in: the gradient's std, or "abs"


class Dreamer:
    """Gradient ascent on one objective of one model. Build it through `dreamer(model, objective)`.

    The objective is a weighted sum of terms, each the mean square of one layer's activations
    (or of some of its channels). With several terms, each is divided by its own (constant)
    value, so every layer pulls with its weight whatever the scale of its activations. The
    layers and channels are the compiled function's shape; the weights are an input, so a
    transition that cross-fades two layers traces once."""

    def __init__(self, model_name, terms, precision="float32"):
        self.model = models.get(model_name)
        self.terms = terms  # ((layer name, channels tuple, guided), ...)
        self.features = objectives.features(model_name, terms, precision)
        self.mean = tf.constant(self.model.mean, tf.float32)
        self.std = tf.constant(self.model.std, tf.float32)
        signature = [
            tf.TensorSpec([None, None, 3], tf.float32),  # image, 0..255
            tf.TensorSpec([None, 2], tf.int32),  # per-iteration random shift (y, x)
            tf.TensorSpec([2], tf.int32),  # tile grid (rows, columns)
            tf.TensorSpec([], tf.float32),  # step size
            tf.TensorSpec([len(terms)], tf.float32),  # weight of each term
        ]
        guided = [
            len(channels) or self.model.channels[self.model.layers.index(layer)]
            for layer, channels, is_guided in terms
            if is_guided
        ]
        if guided:  # each guided term's guide features: positions x channels
            signature.append([tf.TensorSpec([None, count], tf.float32) for count in guided])
        self.signature, self.octaves = signature, {}
        self.octave = self.octave_for()

    def octave_for(self, lap_levels=LAP_LEVELS, step_norm=STEP_NORM):
        """The compiled octave, once per setting: the gradient normalised per tile by its std (or by
        `lap_levels` Laplacian bands); a step is `step_size` x the smoothed gradient / its std
        (`step_norm` "std") or its mean |g| ("abs", Google's notebook)."""
        key = (lap_levels, step_norm)
        if key not in self.octaves:
            # No autograph: the one loop is written as a tf.while_loop, and converting the code to
            # find that took ~0.5 s of the first trace in every process (the same graph, the same bytes).
            self.octaves[key] = tf.function(
                functools.partial(self._octave, lap_levels=lap_levels, step_norm=step_norm),
                input_signature=self.signature,
                autograph=False,
            )
        return self.octaves[key]

    def _loss(self, tiles, weights, guides=()):
        """Sum over tiles of each term (each tile's gradient is its own, as if run alone; objective.term_value):
        the plain terms' total, and each guided term's apart (objective.gradient weighs them)."""
        activations = objectives.activations(self.features, self.mean, self.std, tiles)
        sums, guides = [], list(guides)
        for k, ((_, channels, guided), act) in enumerate(zip(self.terms, activations)):
            per_tile = objectives.term_value(act, channels, guides.pop(0) if guided else None)
            if len(self.terms) > 1:  # scale-free: d(L / const) = dL / L
                per_tile = weights[k] * per_tile / (tf.stop_gradient(per_tile) + 1e-12)
            sums.append(tf.reduce_sum(per_tile))
        return objectives.parts(sums, self.terms)

    def _tiled_gradient(self, image, shift, grid, weights, guides=(), lap_levels=0):
        """Gradient of the mean square activation, normalised per tile. The image is rolled by
        `shift`, cut into grid[0] x grid[1] equal tiles (edge-padded to fit) that run as one batch,
        and rolled back: tile borders land somewhere else every iteration, so no seams."""
        height, width = tf.shape(image)[0], tf.shape(image)[1]
        rows, cols = grid[0], grid[1]
        tile_h = (height + rows - 1) // rows
        tile_w = (width + cols - 1) // cols
        rolled = tf.roll(image, shift, axis=[0, 1])
        padded = tf.pad(rolled, [[0, rows * tile_h - height], [0, cols * tile_w - width], [0, 0]], mode="SYMMETRIC")
        tiles = tf.reshape(padded, [rows, tile_h, cols, tile_w, 3])
        tiles = tf.reshape(tf.transpose(tiles, [0, 2, 1, 3, 4]), [rows * cols, tile_h, tile_w, 3])
        with tf.GradientTape(persistent=bool(guides)) as tape:
            tape.watch(tiles)
            loss, apart = self._loss(tiles, weights, guides)
        grads = objectives.gradient(tape, tiles, loss, apart, weights, [guided for _, _, guided in self.terms])
        if lap_levels > 1:
            grads = _lap_normalize(grads, lap_levels)
        else:
            _, variance = tf.nn.moments(grads, axes=[1, 2, 3], keepdims=True)
            grads = grads / (tf.sqrt(variance) + 1e-8)
        grads = tf.reshape(grads, [rows, cols, tile_h, tile_w, 3])
        grads = tf.reshape(tf.transpose(grads, [0, 2, 1, 3, 4]), [rows * tile_h, cols * tile_w, 3])
        return tf.roll(grads[:height, :width], -shift, axis=[0, 1])

    def _octave(self, image, shifts, grid, step_size, weights, guides=(), lap_levels=0, step_norm="std"):
        iterations = tf.shape(shifts)[0]

        def step(i, image):
            grad = self._tiled_gradient(image, shifts[i], grid, weights, guides, lap_levels)
            # The original project's smoothing: three blurs whose width grows with the iteration.
            sigma = tf.cast(i, tf.float32) * 4.0 / tf.cast(iterations, tf.float32) + 0.5
            grad = _smooth(grad, sigma)
            scale = tf.math.reduce_std(grad) if step_norm == "std" else tf.reduce_mean(tf.abs(grad))
            return i + 1, image + grad * (step_size / (scale + 1e-8))

        return tf.while_loop(lambda i, _: i < iterations, step, [tf.constant(0), image])[1]

    def tile_grid(self, height, width, tile_size):
        """Rows and columns of tiles near `tile_size` (0 = one tile), none below the model's minimum."""

        def count(n):
            wanted = max(1, round(n / tile_size)) if tile_size else 1
            return max(1, min(wanted, n // self.model.min_size))

        return count(height), count(width)

    def __call__(
        self,
        image,
        num_iterations=10,
        step_size=3.0,
        rescale_factor=0.7,
        num_repeats=4,
        blend=0.2,
        tile_size=400,
        seed=0,
        weights=None,
        progress=None,
        octave_mode="detail",
        guides=(),
        lap_levels=LAP_LEVELS,
        step_norm=STEP_NORM,
        dream_scale=1.0,
    ):
        """Dream on `image` (H x W x 3, uint8 or float 0..255) → float32 array of the same size.
        `weights`: one per objective term (default all 1). `guides`: the guide features
        (positions x channels, guide.features) of each guided term, in order. `progress(done,
        total)` is called after each octave. `blend` counts in `octave_mode` "blend" only (see the
        module docstring). `lap_levels`, `step_norm`: the gradient's normalisation (`octave_for`).
        `dream_scale` > 1: the octaves run on the frame enlarged by it (Lanczos); only the change
        comes back down (area). The three are issue 33's candidates, off by default."""
        if octave_mode not in OCTAVE_MODES:
            raise ValueError(f"octave_mode {octave_mode!r} is not one of {', '.join(OCTAVE_MODES)}")
        rng = np.random.default_rng(seed)
        weights = tf.constant([1.0] * len(self.terms) if weights is None else weights, tf.float32)
        original = image = np.asarray(image, np.float32)
        size = image.shape[:2]
        if dream_scale > 1.0:
            enlarged = (round(size[1] * dream_scale), round(size[0] * dream_scale))
            image = cv2.resize(image, enlarged, interpolation=cv2.INTER_LANCZOS4)
        elif min(size) < self.model.min_size:  # too small for the network: dream on an enlargement
            scale = self.model.min_size / min(size)
            image = _resize(image, (math.ceil(size[0] * scale), math.ceil(size[1] * scale)))
        pyramid = self._pyramid(image, num_repeats, rescale_factor)
        octave = self.octave_for(lap_levels, step_norm)
        result = base = None
        for done, level in enumerate(reversed(pyramid), 1):
            start = level
            if result is not None and octave_mode == "detail":  # only what the dream changed is upscaled
                start = level + _resize(result - base, level.shape[:2])
            elif result is not None:  # the 2018 original's: the upscaled (blurred) result replaces most of the level
                start = blend * level + (1.0 - blend) * _resize(result, level.shape[:2])
            result, base = (
                self._run_octave(octave, start, num_iterations, step_size, tile_size, rng, weights, guides).numpy(),
                level,
            )
            if progress:
                progress(done, len(pyramid))
        if dream_scale > 1.0:
            return original + _resize(result - image, size)
        if result.shape[:2] != size:
            result = _resize(result, size)
        return result

    def _pyramid(self, image, num_repeats, rescale_factor):
        """The image, then blurred + downscaled num_repeats times (none below the model's minimum),
        on the host (OpenCV); the octaves dream the smallest first."""
        pyramid = [image]
        for _ in range(num_repeats):
            h, w = pyramid[-1].shape[:2]
            smaller = (round(h * rescale_factor), round(w * rescale_factor))
            if min(smaller) < self.model.min_size:
                break
            pyramid.append(_resize(gaussian_blur(pyramid[-1], 0.5), smaller))
        return pyramid

    def _run_octave(self, octave, image, num_iterations, step_size, tile_size, rng, weights, guides=()):
        rows, cols = self.tile_grid(image.shape[0], image.shape[1], tile_size)
        tile_h, tile_w = -(-image.shape[0] // rows), -(-image.shape[1] // cols)
        shifts = np.stack([rng.integers(0, tile_h, num_iterations), rng.integers(0, tile_w, num_iterations)], 1)
        extra = [[tf.constant(g, tf.float32) for g in guides]] if guides else []
        return octave(
            image,
            tf.constant(shifts, tf.int32),
            tf.constant([rows, cols], tf.int32),
            tf.constant(step_size, tf.float32),
            weights,
            *extra,
        )


@functools.cache
def _dreamer(model_name, shape, precision):
    return Dreamer(model_name, shape, precision)


def dreamer(model_name, objective, precision="float32"):
    """The compiled dreamer for a model and the shape of an objective (its layers and
    channels), built once per process; pass the objective's weights when calling it."""
    shape, _ = objectives.terms(model_name, objective)
    return _dreamer(model_name, shape, precision)
