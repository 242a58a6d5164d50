"""A model's network, loaded once per process from the weights file models.weights_path names
(weights.py prepares it), and the callables that give its layers' activations."""

import functools
import os
import sys
import time
from pathlib import Path

from . import gradients, models, networks
from .models import BFLOAT16_MODELS, ModelError


class _GraphNetwork:
    """inception5h's frozen GraphDef behind the same `outputs(names)` call as a Keras model."""

    def __init__(self, path):
        import tensorflow as tf

        self.graph_def = tf.compat.v1.GraphDef.FromString(Path(path).read_bytes())

    def features(self, layer):
        import tensorflow as tf

        def imported(x):
            tf.compat.v1.import_graph_def(self.graph_def, input_map={"input:0": x}, name="")

        wrapped = tf.compat.v1.wrap_function(imported, [tf.TensorSpec([None, None, None, 3], tf.float32)])
        names = layer if isinstance(layer, list) else [layer]
        outputs = [wrapped.graph.get_tensor_by_name(f"{n}:0") for n in names]
        pruned = wrapped.prune(wrapped.inputs[0], outputs if isinstance(layer, list) else outputs[0])
        return lambda x, training=False: pruned(x)  # called like a Keras model


@functools.cache
def network(name, precision="float32"):
    """The model's network with its weights, built once per process. `bfloat16` runs the
    convolutions in bfloat16 (Keras' mixed_bfloat16 policy: float32 weights, cast per layer).
    Says so on stderr, once: a job's log shows how often its process loaded a model."""
    start = time.monotonic()
    net = _build(name, precision)
    print(
        f"dreamvideo: {name} ({precision}) loaded in {time.monotonic() - start:.1f} s, process {os.getpid()}",
        file=sys.stderr,
        flush=True,
    )
    return net


def _build(name, precision):
    import keras

    path = models.weights_path(name)
    if not path.exists():
        hint = "it is prepared automatically by the Snakemake workflow, or by `prepare-model " + name + "`"
        raise ModelError(f"weights for {name} not found at {path}: {hint}")
    if precision != "float32" and name not in BFLOAT16_MODELS:
        raise ModelError(
            f"precision {precision} is available for the Inception v3 models only; use float32 with {name}"
        )
    if name == "inception5h":
        return _GraphNetwork(path)
    if name == "vgg16":
        net = keras.applications.VGG16(include_top=False, weights=None, input_shape=(None, None, 3))
        net.load_weights(path)
        return gradients.exact_pools(net)
    policy = None if precision == "float32" else "mixed_bfloat16"
    return networks.dreaming_inception_v3(path, max_pool_mixed10=(name == "inception_v3"), dtype_policy=policy)


@functools.cache
def features(name, layers, precision="float32"):
    """A callable: preprocessed image batch → activations of `layers` (a number or name, or a
    tuple of them: then a list of activations, one per layer)."""
    import keras

    model = models.get(name)
    net = network(name, precision)
    names = [model.layer_name(layer) for layer in (layers if isinstance(layers, tuple) else (layers,))]
    if isinstance(net, _GraphNetwork):
        return net.features(names if isinstance(layers, tuple) else names[0])
    outputs = [net.get_layer(n).output for n in names]
    return keras.Model(net.input, outputs if isinstance(layers, tuple) else outputs[0])
