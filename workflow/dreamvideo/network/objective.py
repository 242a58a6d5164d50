"""The objective a dream climbs: a weighted sum of terms, each the mean square of one layer's
activations (or of some of its channels), or for a guided term (Google's notebook) the mean over
positions of the best match with a guide's features. The dreamer's loss (dream.Dreamer) and the
look's dream strength (`values`: the objective on whole images, one forward pass) both read it
from here."""

import functools

import cv2
import numpy as np

from . import loading, models


def terms(model_name, objective):
    """An objective → its terms ((layer name, channels, guided), ...) and weights. `objective` is a
    layer (number or name) or a plan record's list of [layer, weight, channels] terms, a guided
    term with its guide image's path as a fourth item."""
    model = models.get(model_name)
    if isinstance(objective, (int, str)):
        return ((model.layer_name(objective), (), False),), (1.0,)
    return (
        tuple((model.layer_name(layer), tuple(channels), bool(guides)) for layer, _, channels, *guides in objective),
        tuple(float(weight) for _, weight, *_ in objective),
    )


def features(model_name, shape, precision="float32"):
    """The callable that gives the activations of the layers of an objective's terms (`shape`, as
    `terms` gives it): a list, one per term."""
    return loading.features(model_name, tuple(layer for layer, _, _ in shape), precision)


def activations(features, mean, std, images):
    """The activations (one tensor per term) of a batch of images (0..255), scaled by the model's
    `mean` and `std` for its input."""
    out = features((images - mean) / std, training=False)
    if not isinstance(out, (list, tuple)):  # Keras hands back a lone output unwrapped
        out = [out]
    return out


def term_value(act, channels, guide=None):
    """A term's value on each image of a batch, from its layer's activations `act`: the mean square
    of its `channels` (all where none are named); with a `guide` (positions x channels), the mean
    over positions of the best dot product with any of the guide's features, whose gradient pulls
    each position toward the guide feature it matches best."""
    import tensorflow as tf

    act = tf.cast(act, tf.float32)
    if channels:
        act = tf.gather(act, list(channels), axis=-1)
    if guide is None:
        return tf.reduce_mean(tf.square(act), axis=[1, 2, 3])
    shape = tf.shape(act)
    positions = tf.reshape(act, [shape[0], shape[1] * shape[2], shape[3]])
    matches = tf.matmul(positions, guide, transpose_b=True)  # images x positions x guide's
    return tf.reduce_mean(tf.reduce_max(matches, axis=2), axis=1)


def parts(sums, terms):
    """(the plain terms' total, [each guided term's value]) from each term's value, in order."""
    return sum((v for v, (_, _, guided) in zip(sums, terms) if not guided), 0.0), [
        v for v, (_, _, guided) in zip(sums, terms) if guided
    ]


def _unit(grads):
    """Gradients over a batch of tiles, each tile's divided by its std."""
    import tensorflow as tf

    _, variance = tf.nn.moments(grads, axes=[1, 2, 3], keepdims=True)
    return grads / (tf.sqrt(variance) + 1e-8)


def gradient(tape, tiles, plain, guided, weights, is_guided):
    """The objective's gradient on a batch of tiles (tape: a persistent GradientTape that saw the
    terms computed). `plain`: the unguided terms' sum, `guided`: each guided term's value. Without
    guided terms, the plain sum's gradient as it is. With them, each guided term's gradient and the
    plain terms' are made unit per tile first and then weighed by their weights: a deep layer's
    gradient (far larger in the pixels than a shallow one's) would drown the shallow pull that
    carries a guide's fine structure (docs/masks_and_guides.md)."""
    if not guided:
        return tape.gradient(plain, tiles)
    plain_share = sum(weights[k] for k, on in enumerate(is_guided) if not on)
    shares = [weights[k] for k, on in enumerate(is_guided) if on]
    total = plain_share * _unit(tape.gradient(plain, tiles)) if not all(is_guided) else 0.0
    for share, value in zip(shares, guided):
        total += share * _unit(tape.gradient(value, tiles))
    return total


def values(images, model_name, objective, precision="float32"):
    """The objective of a plan record (`objective`: its [layer, weight, channels(, guide)] terms)
    on each of `images` (H x W x 3, 0..255, all one size): per image, one value per term, the mean
    square of that layer's activations (of its channels where the term names some) over the whole
    image, in one forward pass (no tiles, no gradient). A guided term counts as its layer's mean
    square (the guide is not read). Images smaller than the network's minimum are enlarged as the
    dreamer does."""
    shape, _ = terms(model_name, objective)
    min_size = models.get(model_name).min_size
    batch = np.stack([np.asarray(image, np.float32) for image in images])
    if min(batch.shape[1:3]) < min_size:
        scale = min_size / min(batch.shape[1:3])
        size = (int(np.ceil(batch.shape[2] * scale)), int(np.ceil(batch.shape[1] * scale)))
        batch = np.stack([cv2.resize(image, size, interpolation=cv2.INTER_LINEAR) for image in batch])
    return _forward(model_name, shape, precision)(batch).numpy().astype(np.float64)  # images x terms


@functools.cache  # one per model, objective shape and precision; open sizes: one trace
def _forward(model_name, shape, precision):
    """A compiled forward pass for an objective's terms: per image, each term's mean square."""
    import tensorflow as tf

    model = models.get(model_name)
    layers = features(model_name, shape, precision)
    mean, std = tf.constant(model.mean, tf.float32), tf.constant(model.std, tf.float32)

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
    def forward(batch):
        acts = activations(layers, mean, std, batch)
        return tf.stack([term_value(act, channels) for (_, channels, _), act in zip(shape, acts)], axis=1)

    return forward
