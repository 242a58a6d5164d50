"""The same frame made the way peers make it, on our model, for side-by-side timings only.

- `SeedStyle`: the original project's Hvass-style loop: tiles one by one, each a separate gradient call,
  per-tile normalisation and the three Gaussian blurs in numpy, octaves resized with PIL.
- `TutorialStyle`: the TensorFlow DeepDream tutorial: `TiledGradients` (one tf.function with an
  input signature, random roll, a tape per tile inside a tf.range loop), octaves in Python.
Both use the same layer, iterations, octaves and tile size as ours. `peer_speed` times a chained
640x360 frame each way against ours (`frame_time`), and the single image of `dream-image`'s defaults."""

import math

import numpy as np
import tensorflow as tf
from PIL import Image

from dreamvideo.frame import pictures, render
from dreamvideo.network import loading, models

from .base import LAYERS, SIZES, chained, frame_time, median_time, record

SINGLE_IMAGE = dict(num_iterations=10, step_size=3.0, num_repeats=4)  # `dream-image` defaults (dreamvideo/cli.py)


def _numpy_blur(image, sigma):
    """scipy.ndimage.gaussian_filter over H and W (reflect, truncate 4), in numpy."""
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    kernel /= kernel.sum()
    for axis in (0, 1):
        pad = [(0, 0)] * image.ndim
        pad[axis] = (radius, radius)
        padded = np.pad(image, pad, mode="symmetric")
        out = np.zeros_like(image)
        for k, weight in enumerate(kernel):
            out += weight * np.take(padded, range(k, k + image.shape[axis]), axis=axis)
        image = out
    return image


def _resize(image, size):
    """PIL resize of a float image, one channel at a time (the original project resized 8-bit images)."""
    height, width = size
    return np.stack(
        [
            np.asarray(Image.fromarray(image[..., c]).resize((width, height), Image.Resampling.LANCZOS))
            for c in range(3)
        ],
        axis=-1,
    )


class SeedStyle:
    def __init__(self, features, mean, std, min_size=75):
        self.min_size = min_size  # the original project's edge tiles can be thinner than InceptionV3 accepts

        @tf.function(input_signature=[tf.TensorSpec([None, None, 3], tf.float32)])
        def gradient(tile):  # the original project's session.run(gradient, feed_dict={image: tile})
            x = (tile[tf.newaxis] - mean) / std
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_mean(tf.square(features(x, training=False)))
            return tape.gradient(loss, x)[0] / std

        self.gradient = gradient

    def tiled_gradient(self, image, tile_size, rng):
        grad = np.zeros_like(image)
        height, width = image.shape[:2]
        tile_h = math.ceil(height / max(1, round(height / tile_size)))
        tile_w = math.ceil(width / max(1, round(width / tile_size)))

        def span(start, size, limit):  # the original project's clipped tile, widened to the network's minimum
            lo, hi = max(start, 0), min(start + size, limit)
            if hi - lo < self.min_size:
                lo = max(0, hi - self.min_size)
                hi = min(limit, lo + self.min_size)
            return lo, hi

        y = rng.integers(-3 * tile_h // 4, -tile_h // 4)
        while y < height:
            x = rng.integers(-3 * tile_w // 4, -tile_w // 4)
            y0, y1 = span(y, tile_h, height)
            while x < width:
                x0, x1 = span(x, tile_w, width)
                g = self.gradient(tf.constant(image[y0:y1, x0:x1])).numpy()
                grad[y0:y1, x0:x1] = g / (np.std(g) + 1e-8)
                x += tile_w
            y += tile_h
        return grad

    def optimize(self, image, num_iterations, step_size, tile_size, rng):
        image = image.copy()
        for i in range(num_iterations):
            grad = self.tiled_gradient(image, tile_size, rng)
            sigma = (i * 4.0) / num_iterations + 0.5
            grad = _numpy_blur(grad, sigma) + _numpy_blur(grad, sigma * 2) + _numpy_blur(grad, sigma * 0.5)
            image += grad * (step_size / (np.std(grad) + 1e-8))
        return image

    def __call__(self, image, num_iterations, step_size, rescale_factor, num_repeats, blend, tile_size, seed):
        rng = np.random.default_rng(seed)

        def recursive(img, repeats):
            if repeats > 0:
                blurred = _numpy_blur(img, 0.5)
                h, w = img.shape[:2]
                down = _resize(blurred, (round(h * rescale_factor), round(w * rescale_factor)))
                up = _resize(recursive(down, repeats - 1), (h, w))
                img = blend * img + (1.0 - blend) * up
            return self.optimize(img, num_iterations, step_size, tile_size, rng)

        return recursive(np.asarray(image, np.float32), num_repeats)


class TutorialStyle:
    def __init__(self, features, mean, std):
        @tf.function(
            input_signature=[
                tf.TensorSpec([None, None, 3], tf.float32),
                tf.TensorSpec([2], tf.int32),
                tf.TensorSpec([], tf.int32),
            ]
        )
        def tiled_gradients(img, shift, tile_size):
            img_rolled = tf.roll(img, shift=shift, axis=[0, 1])
            gradients = tf.zeros_like(img_rolled)
            xs = tf.range(0, tf.shape(img_rolled)[1], tile_size)
            ys = tf.range(0, tf.shape(img_rolled)[0], tile_size)
            for x in xs:
                for y in ys:
                    with tf.GradientTape() as tape:
                        tape.watch(img_rolled)
                        tile = img_rolled[y : y + tile_size, x : x + tile_size]
                        loss = tf.reduce_mean(tf.square(features((tile[tf.newaxis] - mean) / std, training=False)))
                    gradients = gradients + tape.gradient(loss, img_rolled)
            gradients = tf.roll(gradients, shift=-shift, axis=[0, 1])
            return gradients / (tf.math.reduce_std(gradients) + 1e-8)

        self.tiled_gradients = tiled_gradients

    def __call__(self, image, num_iterations, step_size, rescale_factor, num_repeats, blend, tile_size, seed):
        rng = np.random.default_rng(seed)
        img = tf.constant(np.asarray(image, np.float32))
        base_shape = tf.shape(img)[:-1]
        for n in range(-num_repeats, 1):
            new_size = tf.cast(tf.cast(base_shape, tf.float32) * (1.0 / rescale_factor) ** n, tf.int32)
            img = tf.image.resize(img, new_size)
            for _ in range(num_iterations):
                shift = tf.constant(rng.integers(-tile_size, tile_size, 2), tf.int32)
                img = img + self.tiled_gradients(img, shift, tf.constant(tile_size)) * step_size
                img = tf.clip_by_value(img, 0.0, 255.0)
        return img.numpy()


def peer_frame_time(size, layer, runs, dream_fn, settings=None):
    """A frame as `frame_time` makes it, with a peer's dream in place of ours."""
    rec = record(layer, size, **(settings or {}))

    def peer_frame():
        pixels = render.prepare(pictures.read_frame(prev), rec)
        settings = {k: rec[k] for k in render.DREAM_SETTINGS if k != "octave_mode"}  # each peer has its own octaves
        result = dream_fn(pixels, seed=1, **settings)
        pictures.write_frame(np.clip(np.round(result), 0, 255).astype(np.uint8), out)

    with chained(size) as (prev, out):
        return median_time(peer_frame, runs, warmup=1)


def peer_speed(runs):
    model = models.get(models.DEFAULT_MODEL)
    rows = []
    cases = [(layer, "video frame", None, runs) for layer in LAYERS] + [(3, "single image", SINGLE_IMAGE, 1)]
    for layer, label, settings, n in cases:
        features = loading.features(model.name, layer)
        size = SIZES[0]
        ours = frame_time(record(layer, size, **(settings or {})), size, n)
        seed = peer_frame_time(size, layer, n, SeedStyle(features, model.mean, model.std), settings)
        tutorial = peer_frame_time(size, layer, n, TutorialStyle(features, model.mean, model.std), settings)
        rows.append(dict(layer=layer, label=label, ours=ours, seed=seed, tutorial=tutorial))
        print(
            f"layer {layer} 640x360 {label}: ours {ours:.3f} s, seed's way {seed:.3f} s ({seed / ours:.1f}x), "
            f"tutorial's way {tutorial:.3f} s ({tutorial / ours:.1f}x)",
            flush=True,
        )
    return rows


if __name__ == "__main__":  # python -m benchmarks.peers: prints the comparison (not part of results.md)
    from .base import start_tensorflow

    start_tensorflow()
    peer_speed(3)
