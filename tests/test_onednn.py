"""oneDNN on or off, the same bytes: TensorFlow runs a max pool's gradient sometimes in oneDNN,
sometimes in its own kernel, and the two route ties differently; the network's pools must not."""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = """
import hashlib, json, sys
import numpy as np
import tensorflow as tf
from dreamvideo.network.gradients import exact_max_pool
rng = np.random.default_rng(5)
# ReLU-like: most values 0 or small integers, so windows hold ties.
x = np.maximum(rng.integers(-4, 4, (2, 33, 47, 8)), 0).astype(np.float32)
out = {{}}
for dtype in ("float32", "bfloat16"):
    for size, stride, padding in ((3, 2, "VALID"), (3, 1, "SAME"), (2, 2, "VALID")):
        xt = tf.cast(tf.constant(x), dtype)
        shape = exact_max_pool(xt, size, stride, padding).shape
        dy = tf.cast(tf.constant(rng.normal(size=shape).astype(np.float32)), dtype)

        def grad(xt, dy):
            with tf.GradientTape() as tape:
                tape.watch(xt)
                y = exact_max_pool(xt, size, stride, padding)
            return tape.gradient(y, xt, output_gradients=dy)

        for mode, fn in (("eager", grad), ("graph", tf.function(grad))):
            g = tf.cast(fn(xt, dy), tf.float32).numpy()
            key = f"{{dtype}} {{size}}x{{size}} s{{stride}} {{padding}} {{mode}}"
            out[key] = hashlib.sha256(g.tobytes()).hexdigest()
print(json.dumps(out))
"""


def gradients(onednn):
    code = SCRIPT.format()
    env = {**__import__("os").environ, "TF_ENABLE_ONEDNN_OPTS": onednn}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_max_pool_gradient_bytes_do_not_depend_on_onednn():
    on, off = gradients("1"), gradients("0")
    assert len(on) == 12
    differ = [case for case in on if on[case] != off[case]]
    assert not differ, f"oneDNN on and off give different gradients: {differ}"


def test_max_pool_gradient_is_max_pool_with_argmax_gradient():
    """The exact pool's own gradient gives MaxPoolWithArgmax's gradient bytes (first maximum,
    overlapping windows summed in window order), eager and compiled."""
    import numpy as np
    import tensorflow as tf

    from dreamvideo.network.gradients import exact_max_pool

    def argmax_pool(x, size, stride, padding):
        return tf.nn.max_pool_with_argmax(x, size, stride, padding, include_batch_in_index=True)[0]

    rng = np.random.default_rng(3)
    x = np.maximum(rng.integers(-4, 4, (2, 19, 22, 4)), 0).astype(np.float32)
    for dtype in ("float32", "bfloat16"):
        for size, stride, padding in ((3, 2, "VALID"), (3, 1, "SAME"), (2, 2, "VALID"), (3, 2, "SAME")):
            xt = tf.cast(tf.constant(x), dtype)
            shape = argmax_pool(xt, size, stride, padding).shape
            dy = tf.cast(tf.constant(rng.normal(size=shape).astype(np.float32)), dtype)
            results = []
            for pool in (argmax_pool, exact_max_pool):

                def grad(xt, dy, pool=pool):
                    with tf.GradientTape() as tape:
                        tape.watch(xt)
                        y = pool(xt, size, stride, padding)
                    return tape.gradient(y, xt, output_gradients=dy)

                results += [tf.cast(fn(xt, dy), tf.float32).numpy().tobytes() for fn in (grad, tf.function(grad))]
            assert len(set(results)) == 1, (dtype, size, stride, padding)


def test_through_a_relu_signed_zeros_change_no_gradient():
    """bfloat16 pools compare bits: -0 and +0 are equal numbers with other bits. They are a ReLU's
    zeros, whose gradient the ReLU sets to 0, so through relu + pool the gradient is
    MaxPoolWithArgmax's, with signed zeros and ties in the windows."""
    import numpy as np
    import tensorflow as tf

    from dreamvideo.network.gradients import exact_max_pool

    rng = np.random.default_rng(5)
    z = rng.integers(-3, 4, (2, 17, 20, 3)).astype(np.float32)
    negative_zero = rng.random(z.shape) < 0.5  # the ReLU's zeros: some -0, some +0
    for dtype in ("bfloat16", "float32"):
        zt = tf.cast(tf.constant(z), dtype)
        zeros = tf.where(tf.constant(negative_zero), -tf.zeros_like(zt), tf.zeros_like(zt))
        dy = None
        results = []
        for pool in (
            lambda x: tf.nn.max_pool_with_argmax(x, 3, 2, "VALID", include_batch_in_index=True)[0],
            lambda x: exact_max_pool(x, 3, 2, "VALID"),
        ):
            with tf.GradientTape() as tape:
                tape.watch(zt)
                y = pool(tf.where(zt > 0, zt, zeros))
            if dy is None:
                dy = tf.cast(tf.constant(rng.normal(size=y.shape).astype(np.float32)), dtype)
            results.append(tf.cast(tape.gradient(y, zt, output_gradients=dy), tf.float32).numpy().tobytes())
        assert results[0] == results[1], dtype


STEP = """
import numpy as np
from dreamvideo.network import dream, models
d = dream.dreamer(models.DEFAULT_MODEL, 3, "{precision}")
image = (np.random.default_rng(0).random((90, 160, 3)) * 255).astype(np.float32)
d(image, num_iterations=1, num_repeats=0, seed=[1, 2])
print("SECOND STEP", flush=True)
d(image, num_iterations=1, num_repeats=0, seed=[1, 2])
"""


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_a_dream_step_reorders_no_kernel_twice(precision):
    """The network's kernels are constants of the traced graph, so oneDNN reorders each into its
    blocked layout once, not at every step: in a second step, far fewer reorders than convolutions
    (with the kernels read from variables, a layer-3 step ran 82 reorders for 52 convolutions)."""
    env = {**os.environ, "ONEDNN_VERBOSE": "1", "TF_ENABLE_ONEDNN_OPTS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", STEP.format(precision=precision)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    second = done.stdout.split("SECOND STEP", 1)[1].splitlines()
    executed = [line.split(",")[5] for line in second if line.startswith("onednn_verbose") and ",exec," in line]
    convolutions, reorders = executed.count("convolution"), executed.count("reorder")
    assert convolutions >= 26, executed  # oneDNN ran the network's convolutions
    assert reorders <= convolutions // 4, (reorders, convolutions)
