"""Google's DeepDream notebook (google/deepdream dream.ipynb) on our network: its zoom, its
make_step and its deepdream, for the other programs' recipes of benchmarks.look (`notebook`
recipes). Used for side-by-side looks only."""

import numpy as np


def notebook_zoom(pixels, s):
    """The notebook's zoom: scipy's bilinear affine_transform by 1 - s about the centre."""
    from scipy import ndimage as nd

    height, width = pixels.shape[:2]
    return nd.affine_transform(
        np.asarray(pixels, np.float32), [1 - s, 1 - s, 1], [height * s / 2, width * s / 2, 0], order=1
    )


def notebook_step(dreamer, image, step_size, jitter, rng):
    """The notebook's make_step on our network: jitter by a random roll, gradient of the mean square
    of the layer's activations (objective_L2), step of step_size / mean |g|, unroll, clip to 0..255."""
    import tensorflow as tf

    ox, oy = rng.integers(-jitter, jitter + 1, 2)
    rolled = np.roll(np.roll(image, ox, 1), oy, 0)
    grad = _notebook_grad(dreamer)(tf.constant(rolled[np.newaxis])).numpy()[0]
    rolled = rolled + step_size / (np.abs(grad).mean() + 1e-12) * grad
    return np.clip(np.roll(np.roll(rolled, -ox, 1), -oy, 0), 0, 255)


_GRADS = {}


def _notebook_grad(dreamer):
    """The notebook's gradient (objective_L2) of `dreamer`'s layer, compiled once per dreamer."""
    if id(dreamer) not in _GRADS:
        import tensorflow as tf

        from dreamvideo.network import objective

        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.float32)])
        def grad(image):
            with tf.GradientTape() as tape:
                tape.watch(image)
                act = objective.activations(dreamer.features, dreamer.mean, dreamer.std, image)[0]
                loss = 0.5 * tf.reduce_sum(tf.square(tf.cast(act, tf.float32)))
            return tape.gradient(loss, image)

        _GRADS[id(dreamer)] = (dreamer, grad)
    return _GRADS[id(dreamer)][1]


def notebook_dream(dreamer, image, iter_n, octave_n, octave_scale, step_size, jitter, rng, **_):
    """The notebook's deepdream: octaves by scipy's bilinear zoom (those under the network's minimum
    side dropped, as our dreamer does: Inception v3 takes >= 75 px where GoogLeNet took less), the
    smallest dreamed first, each larger one starting from its undreamed level + the upscaled detail."""
    from scipy import ndimage as nd

    octaves = [np.asarray(image, np.float32)]
    for _ in range(octave_n - 1):
        smaller = nd.zoom(octaves[-1], (1 / octave_scale, 1 / octave_scale, 1), order=1)
        if min(smaller.shape[:2]) < dreamer.model.min_size:
            break
        octaves.append(smaller)
    detail = np.zeros_like(octaves[-1])
    for base in octaves[::-1]:
        h, w = base.shape[:2]
        if detail.shape[:2] != (h, w):
            detail = nd.zoom(detail, (h / detail.shape[0], w / detail.shape[1], 1), order=1)
        current = base + detail
        for _ in range(iter_n):
            current = notebook_step(dreamer, current, step_size, jitter, rng)
        detail = current - base
    return current
