"""Guide images (Google's DeepDream notebook): instead of (or beside) making a layer's activations
larger everywhere, each position of the frame is pulled toward the guide's features that match
it best, so the dream grows the guide's textures and shapes.

The guide is scaled to the frame's area (at most MAX_AREA pixels, its own aspect ratio kept), so
its patterns match the frame's at the network's scale; its features at a layer are computed once
per process (one forward pass to that layer) and reused by every frame."""

import functools
import math

import numpy as np
from PIL import Image

from .. import files
from ..network import loading, models
from . import pictures

MAX_AREA = 512 * 288  # the guide's features are matched against every position: bound that cost


def size_for(guide_size, frame_size, min_side):
    """(width, height) of a guide of `guide_size` for frames of `frame_size`."""
    area = min(frame_size[0] * frame_size[1], MAX_AREA)
    scale = math.sqrt(area / (guide_size[0] * guide_size[1]))
    scale = max(scale, min_side / min(guide_size))  # the network's smallest input
    return max(1, round(guide_size[0] * scale)), max(1, round(guide_size[1] * scale))


def pixels(path, frame_size, min_side):
    """The guide image as float32 H x W x 3 (0..255) at its size for `frame_size`."""
    image = Image.fromarray(pictures.read_rgb(path))
    size = size_for(image.size, frame_size, min_side)
    return np.asarray(image.resize(size, Image.Resampling.LANCZOS), np.float32)


@functools.cache
def _features(model_name, layer, precision, digest, path, frame_size):
    import tensorflow as tf

    model = models.get(model_name)
    image = pixels(path, frame_size, model.min_size)
    batch = (image[None] - np.float32(model.mean)) / np.float32(model.std)
    act = loading.features(model_name, layer, precision)(tf.constant(batch), training=False)
    act = np.asarray(tf.cast(act, tf.float32))
    return act.reshape(-1, act.shape[-1])


def features(model_name, layer, channels, precision, path, frame_size):
    """The guide's features at `layer` (only `channels` when given) as positions x channels,
    float32; computed once per process for each guide file content, layer and frame size."""
    digest = files.digest(path)  # an edited guide is another guide, even at the same path
    found = _features(model_name, layer, precision, digest, str(path), tuple(frame_size))
    return found[:, list(channels)] if channels else found
