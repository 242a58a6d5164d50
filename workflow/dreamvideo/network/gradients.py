"""The two gradients the dream's network runs its own way: a convolution's input gradient as a
forward convolution (faster than TensorFlow's backprop kernels), and a max pool whose gradient
goes to the first maximum of each window whichever kernels run it (exact bytes with oneDNN and
without)."""


def _dilate(t, stride):
    """Insert stride-1 zeros between the rows and columns of a [N, H, W, C] tensor."""
    import tensorflow as tf

    for axis in (1, 2):
        shape = tf.shape(t)
        t = tf.stack([t] + [tf.zeros_like(t)] * (stride - 1), axis=axis + 1)
        new_shape = tf.concat([shape[:axis], [shape[axis] * stride], shape[axis + 1 :]], 0)
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
            with tf.name_scope("conv_gradient"):  # a scope for the profiler (benchmarks/roofline.py)
                return _input_gradient(dy)

        def _input_gradient(dy):
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
    x = tf.pad(
        x, [[0, 0], [top, qh * sh - h - top], [left, qw * sw - w - left], [0, 0]], constant_values=float("-inf")
    )  # padding is never a window's maximum
    phases = _phases(x, sh, sw)
    if x.dtype == tf.bfloat16:
        # Compared as their bits (int16): Eigen converts every bfloat16 to float32 to compare it,
        # which made the comparisons a third of this gradient. Equal bits are equal numbers; the
        # one pair of equal numbers with other bits, -0 and +0, is a ReLU's zero, whose gradient
        # the ReLU before every pool of these networks sets to 0 whichever window takes it.
        phases, y = tf.bitcast(phases, tf.int16), tf.bitcast(y, tf.int16)
    zero = tf.zeros_like(dy)
    shares, taken = {}, None
    for a in range(kh):
        for b in range(kw):
            at = phases[a % sh, b % sw, :, a // sh : a // sh + ho, b // sw : b // sw + wo, :]
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
            total = tf.math.add_n([total] + terms[start : start + 3])
        return total

    phase_grads = {key: ordered_sum(terms) for key, terms in phase_grads.items()}
    stacked = tf.stack([tf.stack([phase_grads.get((ra, rb), empty) for rb in range(sw)]) for ra in range(sh)])
    full = tf.reshape(tf.transpose(stacked, [2, 3, 0, 4, 1, 5]), [n, qh * sh, qw * sw, c])
    return full[:, top : top + h, left : left + w, :]


def exact_max_pool(x, pool_size, strides, padding):
    """Max pool whose gradient goes to the first maximum of each window, whichever kernels run.
    A plain MaxPoolGrad runs sometimes in oneDNN, sometimes in TensorFlow's own kernel (run to
    run), and the two route ties differently; after a ReLU, ties in a window are common. The
    forward is a plain max pool (a max is exact in any kernel; oneDNN's is fast), the gradient
    `_first_max_gradient`: the bytes of MaxPoolWithArgmax's gradient, without that op, whose
    Eigen kernel took a quarter of a bfloat16 dream step (benchmarks/README.md: what was tried)."""
    import tensorflow as tf

    size = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    strides = (strides, strides) if isinstance(strides, int) else tuple(strides)

    @tf.custom_gradient
    def pool(x):
        y = tf.nn.max_pool2d(x, size, strides, padding)

        def gradient(dy):
            with tf.name_scope("max_pool_gradient"):  # a scope for the profiler (benchmarks/roofline.py)
                return _first_max_gradient(x, y, dy, size, strides, padding)

        return y, gradient

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
