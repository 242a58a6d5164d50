"""What each choice brings, one at a time: the network rewrites (plain Keras, BN folding,
forward-conv gradients, XLA) on one gradient step, and bfloat16 against float32 (speed, and the
same dream side by side in benchmarks/bfloat16.jpg)."""

import numpy as np

from dreamvideo.frame import pictures
from dreamvideo.network import loading, models, networks

from .base import SIZES, frame_time, median_time, picture, record
from .frame import step_flops


def _variants():
    """(label, network, XLA) from the plain Keras network to ours."""
    plain = networks.inception_v3()
    plain.load_weights(models.weights_path(models.DEFAULT_MODEL))
    fast = loading.network(models.DEFAULT_MODEL)
    return [
        ("Keras InceptionV3 as is, TensorFlow's gradients", plain, False),
        (
            "+ batch norms folded into the convs",
            networks.dreaming_inception_v3(models.weights_path(models.DEFAULT_MODEL), fast_gradients=False),
            False,
        ),
        ("+ conv input gradients as forward convs (ours)", fast, False),
        ("ours + XLA (jit_compile)", fast, True),
    ]


def ablation(runs, layer=3, size=(640, 360)):
    """What each rewrite brings: one gradient step on the whole image, network variants."""
    import keras
    import tensorflow as tf

    name = models.get(models.DEFAULT_MODEL).layer_name(layer)
    x = tf.constant(picture(size)[None].astype(np.float32) / 128.0 - 1.0)
    flops = step_flops(layer, 1, size[1], size[0])
    rows = []
    for label, net, xla in _variants():
        features = keras.Model(net.input, net.get_layer(name).output)

        def gradient(image):
            with tf.GradientTape() as tape:
                tape.watch(image)
                loss = tf.reduce_mean(tf.square(features(image, training=False)))
            return tape.gradient(loss, image)

        compiled = tf.function(gradient, jit_compile=xla)
        seconds = median_time(lambda: compiled(x).numpy(), runs)
        rows.append(dict(label=label, step=seconds, rate=flops / seconds / 1e9))
        print(f"{label}: {seconds:.3f} s, {flops / seconds / 1e9:.0f} GFLOP/s", flush=True)
    return rows


def bfloat16(runs, out_path):
    """float32 against bfloat16: frame time in this process, and the same dream side by side."""
    from dreamvideo.network import dream

    size = SIZES[0]
    rows = {p: frame_time(record(3, size, precision=p), size, runs) for p in models.PRECISIONS}
    print(f"frame 640x360 layer 3: float32 {rows['float32']:.3f} s, bfloat16 {rows['bfloat16']:.3f} s", flush=True)
    pixels = picture(size)
    settings = dict(num_iterations=10, step_size=3.0, num_repeats=3, seed=1)
    dreams = [
        pictures.to_uint8(dream.dreamer(models.DEFAULT_MODEL, 5, p)(pixels, **settings)) for p in models.PRECISIONS
    ]
    difference = np.clip(np.abs(dreams[0].astype(int) - dreams[1]) * 4, 0, 255).astype(np.uint8)
    sheet = np.concatenate([dreams[0], dreams[1], difference], axis=1)
    small = pictures.Image.fromarray(sheet).resize(
        (sheet.shape[1] // 2, sheet.shape[0] // 2), pictures.Image.Resampling.LANCZOS
    )
    pictures.write_atomic(np.asarray(small), out_path, quality=85)
    rows["mean_difference"] = float(np.abs(dreams[0].astype(int) - dreams[1]).mean())
    rows["correlation"] = float(
        np.corrcoef((dreams[0].astype(float) - pixels).ravel(), (dreams[1].astype(float) - pixels).ravel())[0, 1]
    )
    return rows


if __name__ == "__main__":  # python -m benchmarks.ablations: prints each rewrite's step (not part of results.md)
    from .base import start_tensorflow

    start_tensorflow()
    ablation(5)
