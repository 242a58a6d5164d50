"""Keras InceptionV3, rebuilt for dreaming: batch norms folded into the convs, conv input
gradients computed as forward convolutions, max pools whose gradient does not depend on the
kernels that run it, and (for the TorchScript source) mixed10's max pool."""

import functools
import re
import threading
import types

import numpy as np

from .gradients import _exact_max_pooling_class, _fast_conv

CONVS, AVERAGE_POOLS = 94, 9  # in Keras' InceptionV3; mixed10's pool branch is the last average pool
_BUILDING = threading.Lock()  # Keras' InceptionV3 builder reads its layers from a module we swap for a build


def creation_order(layers):
    """Keras names auto-created layers `conv2d`, `conv2d_1`, …: sorting by that counter gives the
    order the layers were created in, whatever offset earlier models in the process added."""

    def key(layer):
        match = re.search(r"_(\d+)$", layer.name)
        return int(match.group(1)) if match else 0

    return sorted(layers, key=key)


def inception_v3():
    """Keras' InceptionV3 without top, any input size, no weights."""
    import keras

    return keras.applications.InceptionV3(include_top=False, weights=None, input_shape=(None, None, 3))


def stored_layers(path, kind):
    """The weights (a list of arrays each) of the layers of one kind ("conv2d",
    "batch_normalization") in a Keras weights file, in the order of the saved model's layers, read
    without building a model. Keras 3's .weights.h5 names a model's layers by class in that order
    (conv2d, conv2d_1, ...) whatever they were called; the legacy .h5 lists them in that order."""
    import h5py

    def of_kind(name):
        return re.fullmatch(rf"{kind}(_\d+)?", name)

    with h5py.File(path, "r") as f:
        if "layers" in f:  # Keras 3: layers/<name>/vars/<i>
            names = sorted(filter(of_kind, f["layers"]), key=lambda n: int(n.rsplit("_", 1)[1]) if n != kind else 0)
            return [[f["layers"][n]["vars"][str(i)][()] for i in range(len(f["layers"][n]["vars"]))] for n in names]

        def text(value):
            return value.decode() if isinstance(value, bytes) else value

        names = filter(of_kind, map(text, f.attrs["layer_names"]))
        return [[f[n][text(w)][()] for w in f[n].attrs["weight_names"]] for n in names]


def dreaming_inception_v3(path, max_pool_mixed10=False, fast_gradients=True, dtype_policy=None):
    """Keras' InceptionV3 (no top, any input size) made for speed and for the source's exact graph,
    with the weights of the file at `path`:
    - each BatchNormalization folded into the conv before it (kernel * s, bias beta - mean * s,
      s = 1 / sqrt(var + eps)): the same function with two fewer passes over every activation,
      forward and backward, and Conv2D+BiasAdd+ReLU fuse into one kernel;
    - convs take their input gradient as a forward convolution (`_fast_conv`);
    - max pools are `exact_max_pool`s (bytes that do not depend on the kernels);
    - with `max_pool_mixed10`, mixed10's pool branch a 3x3 MAX pool as in the TorchScript source,
      where Keras averages;
    - with `dtype_policy` (e.g. "mixed_bfloat16"), every layer computes in that policy.
    Built once, from these layers where Keras' builder asks for its own (building Keras' model and
    copying it layer by layer took twice as long: about 1.4 s more in every process that dreams);
    the weights are read from the file (`stored_layers`)."""
    made = {"conv_of": {}, "average": 0}
    net = _build_inception_v3(_dreaming_layers(made, max_pool_mixed10, fast_gradients, dtype_policy))
    _load_folded(net, path, made)
    return net


@functools.cache
def onednn():
    """Whether TensorFlow runs oneDNN's kernels in this process (its default on CPUs with
    AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX; TF_ENABLE_ONEDNN_OPTS overrides)."""
    from tensorflow.python.util import _pywrap_util_port

    return _pywrap_util_port.IsMklEnabled()


def _dreaming_layer_classes(fast_gradients):
    """The Identity that stands where a BatchNormalization was, and the Conv2D whose input
    gradient is `_fast_conv` where it can be (`fast_gradients`) and pays: with TensorFlow's own
    kernels everywhere, with oneDNN's at stride 1 only. oneDNN's own backward pass of a strided
    convolution skips the zeros `_fast_conv` dilates the gradient with: the first conv's (3x3,
    stride 2, 3 channels out) took 13 of a 640x360 layer-3 step's 94 ms that way (TensorFlow's
    profiler), 2 ms in oneDNN (timed alone; Intel Xeon with AMX, bfloat16; benchmarks/README.md)."""
    import keras

    layers = keras.layers

    class Identity(layers.Layer):  # stands where a BatchNormalization was
        def call(self, inputs, training=None, mask=None):
            return inputs

    class Conv2D(layers.Conv2D):
        # The loaded kernel, which dreams never change, as a constant of the traced graph: oneDNN
        # then reorders it into its blocked layout once and keeps it (TensorFlow caches a constant
        # filter), and Grappler folds the cast to bfloat16 and the input gradient's flipped kernel.
        # Read from the variable, the kernels were reordered at every call: a layer-3 step in
        # bfloat16 ran 82 reorders (6 now) beside 52 convolutions, in float32 32 (ONEDNN_VERBOSE;
        # tests/test_onednn.py). The same bytes either way; a 320x180 frame's dream about 1.2x faster,
        # a 640x360 one's within the noise (Intel Xeon with AMX, 2 cores).
        frozen = None

        def convolution_op(self, inputs, kernel):
            import tensorflow as tf

            if self.frozen is not None:
                kernel = tf.constant(self.frozen, dtype=kernel.dtype)
            stride = self.strides[0]
            if (
                fast_gradients
                and (stride == 1 or not onednn())
                and self.strides == (stride, stride)
                and self.dilation_rate == (1, 1)
                and (self.padding == "valid" or stride == 1)
                and all(k % 2 for k in self.kernel_size)
            ):
                return _fast_conv(inputs, kernel, stride, self.padding.upper())
            return super().convolution_op(inputs, kernel)

    return Identity, Conv2D


def _dreaming_layers(made, max_pool_mixed10, fast_gradients, dtype_policy):
    """What Keras' InceptionV3 builder gets for the layers it asks for by name: the dreaming
    network's. `made` records what they made: each Identity's conv (conv_of), the batch norms'
    epsilon, the count of average pools, and the two layer classes (Conv2D, Identity)."""
    import keras

    layers = keras.layers
    Identity, Conv2D = _dreaming_layer_classes(fast_gradients)
    made.update(Identity=Identity, Conv2D=Conv2D)
    ExactMaxPooling2D = _exact_max_pooling_class()
    policy = {"dtype": dtype_policy} if dtype_policy else {}

    def conv(*args, use_bias=False, **kwargs):  # the folded batch norm's shift is the conv's bias
        made["conv"] = Conv2D(*args, use_bias=True, **kwargs, **policy)
        return made["conv"]

    def norm(**kwargs):  # always right after its conv (conv2d_bn)
        made["epsilon"] = layers.BatchNormalization(**kwargs).epsilon  # Keras' default: a layer not built
        identity = Identity(name=kwargs.get("name"), **policy)
        made["conv_of"][id(identity)] = made["conv"]
        return identity

    def average(*args, **kwargs):
        made["average"] += 1
        if max_pool_mixed10 and made["average"] == AVERAGE_POOLS:
            return ExactMaxPooling2D(3, strides=1, padding="same", name="mixed10_max_pool", **policy)
        return layers.AveragePooling2D(*args, **kwargs, **policy)

    return {
        "Conv2D": conv,
        "BatchNormalization": norm,
        "AveragePooling2D": average,
        "MaxPooling2D": lambda *a, **k: ExactMaxPooling2D(*a, **k, **policy),
        "Activation": lambda *a, **k: layers.Activation(*a, **k, **policy),
        "concatenate": lambda inputs, axis=-1, **k: layers.Concatenate(axis=axis, **k, **policy)(inputs),
    }


def _build_inception_v3(given):
    """Keras' InceptionV3 (no top, any input size, no weights), its builder given the layers in
    `given` where it asks for Keras' own."""
    import keras
    from keras.src.applications import inception_v3 as builder

    layers = keras.layers
    with _BUILDING:  # Snakemake may run two jobs' threads in one process
        keras_layers = builder.layers
        builder.layers = types.SimpleNamespace(**{**{n: getattr(layers, n) for n in dir(layers)}, **given})
        try:
            return builder.InceptionV3(include_top=False, weights=None, input_shape=(None, None, 3))
        finally:
            builder.layers = keras_layers


def _load_folded(net, path, made):
    """The weights of the file at `path` into the dreaming network: each batch norm folded into
    the conv before it."""
    convs = [layer for layer in net.layers if isinstance(layer, made["Conv2D"])]  # the weights file's order
    norms = [layer for layer in net.layers if isinstance(layer, made["Identity"])]
    assert made["average"] == AVERAGE_POOLS and len(convs) == len(norms) == CONVS, (made["average"], len(convs))
    kernels = {id(layer): weights[0] for layer, weights in zip(convs, stored_layers(path, "conv2d"), strict=True)}
    for identity, (beta, mean, var) in zip(norms, stored_layers(path, "batch_normalization"), strict=True):
        layer = made["conv_of"][id(identity)]
        scale = 1.0 / np.sqrt(var + made["epsilon"])
        layer.frozen = kernels[id(layer)] * scale
        layer.set_weights([layer.frozen, beta - mean * scale])
