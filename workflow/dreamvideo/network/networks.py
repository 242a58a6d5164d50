"""Keras InceptionV3, rebuilt for dreaming: batch norms folded into the convs, conv input
gradients computed as forward convolutions, max pools whose gradient does not depend on the
kernels that run it, and (for the TorchScript source) mixed10's max pool."""

import re
import threading
import types

import numpy as np

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


def _dilate(t, stride):
    """Insert stride-1 zeros between the rows and columns of a [N, H, W, C] tensor."""
    import tensorflow as tf

    for axis in (1, 2):
        shape = tf.shape(t)
        t = tf.stack([t] + [tf.zeros_like(t)] * (stride - 1), axis=axis + 1)
        new_shape = tf.concat([shape[:axis], [shape[axis] * stride], shape[axis + 1:]], 0)
        t = tf.reshape(t, new_shape)
        t = t[:, : (shape[1] - 1) * stride + 1] if axis == 1 else t[:, :, : (shape[2] - 1) * stride + 1]
    return t


def _fast_conv(x, kernel, stride, padding):
    """A convolution whose input gradient is computed as a forward convolution (kernel flipped,
    channels swapped; for strided 'valid' convs on the zero-dilated gradient): on CPUs that runs
    several times faster than TensorFlow's Conv2DBackpropInput, the slowest part of a dream step.
    Odd kernels, 'same' at stride 1 or 'valid', as in Inception; no kernel gradient (dreams never
    train)."""
    import tensorflow as tf

    @tf.custom_gradient
    def conv(x, kernel):
        def input_gradient(dy):
            flipped = tf.transpose(tf.reverse(kernel, axis=[0, 1]), [0, 1, 3, 2])
            if padding == "SAME":
                return tf.nn.conv2d(dy, flipped, 1, "SAME"), tf.zeros_like(kernel)
            kh, kw = kernel.shape[0], kernel.shape[1]
            dy = _dilate(dy, stride) if stride > 1 else dy
            # What the strided conv never read (the last rows/columns) gets no gradient.
            rest_h = tf.shape(x)[1] - (tf.shape(dy)[1] + kh - 1)
            rest_w = tf.shape(x)[2] - (tf.shape(dy)[2] + kw - 1)
            dy = tf.pad(dy, [[0, 0], [kh - 1, kh - 1 + rest_h], [kw - 1, kw - 1 + rest_w], [0, 0]])
            return tf.nn.conv2d(dy, flipped, 1, "VALID"), tf.zeros_like(kernel)

        return tf.nn.conv2d(x, kernel, stride, padding), input_gradient

    return conv(x, tf.convert_to_tensor(kernel))  # a tensor, not the variable: no kernel gradient


def _phases(t, sh, sw):
    """[n, qh * sh, qw * sw, c] → [sh, sw, n, qh, qw, c], t[:, i * sh + ra, j * sw + rb] at [ra, rb, :, i, j]:
    one transpose, after which a window offset's values are a plain (unit-stride) slice."""
    import tensorflow as tf

    n, hh, ww, c = tf.unstack(tf.shape(t))
    return tf.transpose(tf.reshape(t, [n, hh // sh, sh, ww // sw, sw, c]), [2, 4, 0, 1, 3, 5])


def _first_max_gradient(x, y, dy, size, strides, padding):
    """The input gradient of y = max_pool(x): each output's dy goes to the first maximum of its
    window (row-major, as MaxPoolWithArgmax picks it), built from comparisons, selects, pads and
    adds that run the same whichever kernels run them. For each window offset (a, b), the
    values x[i * sh + a, j * sw + b] (a slice of x's stride phases) equal to y[i, j] and equal at
    no earlier offset take dy[i, j]. Where windows overlap, an input's shares are summed in the
    order of the windows (row-major), as MaxPoolGradWithArgmax sums them: the same bytes."""
    import tensorflow as tf

    (kh, kw), (sh, sw) = size, strides
    n, h, w, c = tf.unstack(tf.shape(x))
    ho, wo = tf.shape(y)[1], tf.shape(y)[2]
    ph = tf.maximum((ho - 1) * sh + kh - h, 0) if padding == "SAME" else 0
    pw = tf.maximum((wo - 1) * sw + kw - w, 0) if padding == "SAME" else 0
    top, left = ph // 2, pw // 2  # TensorFlow's SAME: the odd pixel of padding at the end
    qh, qw = (h + ph + sh - 1) // sh, (w + pw + sw - 1) // sw
    x = tf.pad(x, [[0, 0], [top, qh * sh - h - top], [left, qw * sw - w - left], [0, 0]],
               constant_values=float("-inf"))  # padding is never a window's maximum
    phases = _phases(x, sh, sw)
    zero = tf.zeros_like(dy)
    shares, taken = {}, None
    for a in range(kh):
        for b in range(kw):
            at = phases[a % sh, b % sw, :, a // sh:a // sh + ho, b // sw:b // sw + wo, :]
            hit = tf.equal(at, y)
            first = hit if taken is None else tf.logical_and(hit, tf.logical_not(taken))
            taken = hit if taken is None else tf.logical_or(taken, hit)
            shares[a, b] = tf.where(first, dy, zero)
    empty = tf.zeros([n, qh, qw, c], dy.dtype)  # also what a phase no window offset reaches gets
    phase_grads = {}
    for a in reversed(range(kh)):  # a window below or right of another reads an input at a smaller offset
        for b in reversed(range(kw)):
            key, da, db = (a % sh, b % sw), a // sh, b // sw
            share = tf.pad(shares[a, b], [[0, 0], [da, qh - ho - da], [db, qw - wo - db], [0, 0]])
            phase_grads.setdefault(key, [empty]).append(share)
    # AddNs of a phase's terms in that order: AddN sums up to 8 terms left to right, and Grappler
    # leaves an AddN's order alone where it would rewrite (and reorder) a chain of Adds.
    def ordered_sum(terms):
        total = tf.math.add_n(terms[:4])
        for start in range(4, len(terms), 3):
            total = tf.math.add_n([total] + terms[start:start + 3])
        return total

    phase_grads = {key: ordered_sum(terms) for key, terms in phase_grads.items()}
    stacked = tf.stack([tf.stack([phase_grads.get((ra, rb), empty) for rb in range(sw)]) for ra in range(sh)])
    full = tf.reshape(tf.transpose(stacked, [2, 3, 0, 4, 1, 5]), [n, qh * sh, qw * sw, c])
    return full[:, top:top + h, left:left + w, :]


def exact_max_pool(x, pool_size, strides, padding):
    """Max pool whose gradient goes to the first maximum of each window, whichever kernels run.
    A plain MaxPoolGrad runs sometimes in oneDNN, sometimes in TensorFlow's own kernel (run to
    run), and the two route ties differently; after a ReLU, ties in a window are common. The
    forward is a plain max pool (a max is exact in any kernel; oneDNN's is fast), the gradient
    `_first_max_gradient`: the bytes of MaxPoolWithArgmax's gradient, without that op, whose
    Eigen kernel took a quarter of a bfloat16 dream step (benchmarks/results.md)."""
    import tensorflow as tf

    size = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    strides = (strides, strides) if isinstance(strides, int) else tuple(strides)

    @tf.custom_gradient
    def pool(x):
        y = tf.nn.max_pool2d(x, size, strides, padding)
        return y, lambda dy: _first_max_gradient(x, y, dy, size, strides, padding)

    return pool(x)


def _exact_max_pooling_class():
    import keras

    class ExactMaxPooling2D(keras.layers.MaxPooling2D):
        def call(self, inputs):
            return exact_max_pool(inputs, self.pool_size, self.strides, self.padding.upper())

    return ExactMaxPooling2D


def exact_pools(net):
    """A copy of a Keras model with each MaxPooling2D an `exact_max_pool`, same weights."""
    import keras

    exact = _exact_max_pooling_class()

    def clone(layer):
        cls = exact if type(layer) is keras.layers.MaxPooling2D else layer.__class__
        return cls.from_config(layer.get_config())

    copy = keras.models.clone_model(net, clone_function=clone)
    copy.set_weights(net.get_weights())
    return copy


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
        text = lambda value: value.decode() if isinstance(value, bytes) else value
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


def _dreaming_layer_classes(fast_gradients):
    """The Identity that stands where a BatchNormalization was, and the Conv2D whose input
    gradient is `_fast_conv` where it can be (`fast_gradients`)."""
    import keras

    layers = keras.layers

    class Identity(layers.Layer):  # stands where a BatchNormalization was
        def call(self, inputs, training=None, mask=None):
            return inputs

    class Conv2D(layers.Conv2D):
        def convolution_op(self, inputs, kernel):
            stride = self.strides[0]
            if (fast_gradients and self.strides == (stride, stride) and self.dilation_rate == (1, 1)
                    and (self.padding == "valid" or stride == 1) and all(k % 2 for k in self.kernel_size)):
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
        "Conv2D": conv, "BatchNormalization": norm, "AveragePooling2D": average,
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
        layer.set_weights([kernels[id(layer)] * scale, beta - mean * scale])
