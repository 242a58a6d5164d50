"""The model registry: the converted Inception v3 is the real network; the download paths for
users with the internet work on files the tests build themselves."""

import dataclasses
import hashlib
import json
import zipfile

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from dreamvideo.network import dream, loading, models, networks, weights


def test_converted_inception_v3_matches_the_torchscript_reference(repo):
    """Reference numbers came once from the TorchScript file run by torch (tests/data/README.md)."""
    reference = json.loads((repo / "tests/data/inception_v3_reference.json").read_text())
    pixels = np.asarray(Image.open(repo / "tests/data/golden_input.png").convert("RGB"), np.float32)
    x = (pixels[None] - 128.0) / 128.0
    checked = 0
    for layer, ref in reference["layers"].items():
        activations = loading.features("inception_v3", layer)(x, training=False).numpy()[0]
        assert list(activations.shape) == [*ref["spatial"], ref["channels"]]
        pooled = activations.mean(axis=(0, 1))
        for channel, value in ref["pooled"].items():
            assert pooled[int(channel)] == pytest.approx(value, rel=1e-3, abs=1e-6), (layer, channel)
            checked += 1
    assert {"mixed3", "mixed10"} <= set(reference["layers"]) and checked >= 16


def serve(tmp_path, monkeypatch, name, archive, **changes):
    """Point model `name` at a local archive (file:// URL) and an empty cache."""
    monkeypatch.setenv("DREAM_MODEL_DIR", str(tmp_path / "cache"))
    model = dataclasses.replace(models.MODELS[name], source=archive.as_uri(), **changes)
    monkeypatch.setitem(models.MODELS, name, model)
    return model


def tiny_inception5h(tmp_path):
    """A GraphDef with inception5h's input and two of its layer names, zipped like the real one."""
    rng = np.random.default_rng(0)
    kernel = rng.normal(0, 0.1, (3, 3, 3, 8)).astype(np.float32)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, None, None, 3], name="input")
        conv = tf.nn.relu(tf.nn.conv2d(x, tf.constant(kernel), 1, "SAME"), name="conv2d1")
        tf.nn.relu(
            tf.nn.conv2d(conv, tf.constant(rng.normal(0, 0.1, (3, 3, 8, 4)).astype(np.float32)), 2, "SAME"),
            name="conv2d2",
        )
    pb = graph.as_graph_def().SerializeToString()
    archive = tmp_path / "inception5h.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("tensorflow_inception_graph.pb", pb)
        z.writestr("LICENSE", "test")
    return archive, pb, kernel


def test_inception5h_download_verify_and_dream(tmp_path, monkeypatch):
    archive, pb, kernel = tiny_inception5h(tmp_path)
    serve(
        tmp_path,
        monkeypatch,
        "inception5h",
        archive,
        source_sha256=hashlib.sha256(archive.read_bytes()).hexdigest(),
        member_sha256=hashlib.sha256(pb).hexdigest(),
    )
    path = weights.prepare("inception5h", log=lambda _: None)
    assert path.read_bytes() == pb

    image = np.random.default_rng(1).uniform(0, 255, (1, 80, 90, 3)).astype(np.float32)
    got = loading.features("inception5h", 1)(tf.constant(image - 117.0)).numpy()
    want = tf.nn.relu(tf.nn.conv2d(image - 117.0, kernel, 1, "SAME")).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)

    dreamer = dream.dreamer("inception5h", "conv2d2")
    out = dreamer(image[0], num_iterations=2, num_repeats=1, seed=0)
    assert out.shape == image.shape[1:] and np.abs(out - image[0]).mean() > 0.1


def test_download_with_a_wrong_hash_is_refused(tmp_path, monkeypatch):
    archive, _, _ = tiny_inception5h(tmp_path)
    serve(tmp_path, monkeypatch, "inception5h", archive, source_sha256="0" * 64)
    with pytest.raises(models.ModelError, match="does not match the pinned 0000"):
        weights.prepare("inception5h", log=lambda _: None)
    assert not models.weights_path("inception5h").exists()


def test_offline_download_names_the_offline_models(tmp_path, monkeypatch):
    monkeypatch.setenv("DREAM_MODEL_DIR", str(tmp_path))
    model = dataclasses.replace(models.MODELS["inception5h"], source="http://127.0.0.1:9/inception5h.zip")
    monkeypatch.setitem(models.MODELS, "inception5h", model)
    with pytest.raises(models.ModelError, match="without the internet use an offline model: inception_v3, vgg16"):
        weights.prepare("inception5h", log=lambda _: None)


def test_keras_imagenet_weights_load_from_a_verified_h5(tmp_path, monkeypatch):
    """Keras' own weights come as a legacy .h5; the test writes one with known weights."""
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    source = keras.applications.InceptionV3(include_top=False, weights=None)
    rng = np.random.default_rng(2)
    for weight in source.weights:
        values = (
            rng.normal(0.0, 0.1, weight.shape)
            if "moving_variance" not in weight.path
            else rng.uniform(0.5, 1.5, weight.shape)
        )
        weight.assign(values.astype(np.float32))
    archive = tmp_path / "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
    with h5py.File(archive, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, source)
    serve(
        tmp_path,
        monkeypatch,
        "inception_v3_keras",
        archive,
        source_sha256="md5:" + hashlib.md5(archive.read_bytes()).hexdigest(),
    )
    weights.prepare("inception_v3_keras", log=lambda _: None)
    # The loaded network (batch norms folded into the convs) computes what the source computes.
    x = rng.uniform(-1, 1, (1, 150, 180, 3)).astype(np.float32)
    for layer in ("mixed2", "mixed7"):
        want = keras.Model(source.inputs, source.get_layer(layer).output)(x).numpy()
        got = loading.features("inception_v3_keras", layer)(x).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4 * np.abs(want).max())


def test_vgg16_dreams(repo):
    pixels = np.asarray(Image.open(repo / "tests/data/golden_input.png").convert("RGB").resize((128, 96)))
    out = dream.dreamer("vgg16", 8)(pixels, num_iterations=2, num_repeats=0, seed=0)
    assert out.shape == pixels.shape and np.abs(out - pixels).mean() > 0.5


def test_fast_network_has_the_plain_networks_gradient():
    """Batch norms folded and conv input gradients computed as forward convs: the dream gradient
    equals the one TensorFlow derives for Keras' plain InceptionV3 with the same weights."""
    import keras

    plain = networks.inception_v3()
    plain.load_weights(models.weights_path("inception_v3"))
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (1, 157, 203, 3)).astype(np.float32))
    for layer in ("mixed2", "mixed5", "mixed9"):
        grads = []
        for features in (
            loading.features("inception_v3", layer),
            keras.Model(plain.input, plain.get_layer(layer).output),
        ):
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_mean(tf.square(features(x)))
            grads.append(tape.gradient(loss, x).numpy())
        fast, reference = grads
        assert np.abs(fast - reference).max() < 1e-2 * np.abs(reference).max(), layer
        assert np.corrcoef(fast.ravel(), reference.ravel())[0, 1] > 0.99999, layer
