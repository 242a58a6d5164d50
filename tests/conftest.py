import fcntl
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from helpers import REPO, make_project, snakemake


def pytest_configure(config):
    """In the main pytest process, before pytest-xdist starts its workers: librosa's and the camera's
    numba kernels compiled into their caches once, by one process. In a fresh venv, two workers compiling into
    that cache at once crashed one of them (a segfault in librosa's beat tracker)."""
    if hasattr(config, "workerinput"):
        return  # a worker: the main process has done it
    from dreamvideo.frame import lanczos
    from dreamvideo.plan import audio

    seconds = np.arange(4 * audio.SR) / audio.SR
    clicks = np.sin(2 * np.pi * 1000 * seconds) * (seconds % 0.5 < 0.01)  # 120 BPM
    audio.analyse(clicks.astype(np.float32), (250, 4000))
    lanczos.warm_up()  # the camera's warp, likewise


@pytest.fixture(scope="session", autouse=True)
def frame_job_threads():
    """Tests dream in this process as a frame job does: TensorFlow's pools at the default `threads`
    of the dream schema, set before any test runs an operation (see setup.use_threads)."""
    from dreamvideo.network import setup
    from dreamvideo.plan import spec

    setup.use_threads(spec.schema_default("threads"))


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def photo(tmp_path_factory):
    """A fresh 640x360 'photo': the test card, rotated and scaled, with some noise."""
    rng = np.random.default_rng(7)
    card = Image.open(REPO / "tests/data/golden_input.png").rotate(17, resample=Image.Resampling.BICUBIC, expand=True)
    pixels = np.asarray(card.resize((640, 360), Image.Resampling.LANCZOS)).astype(np.float32)
    pixels = np.clip(pixels * 0.8 + 30 + rng.normal(0, 6, pixels.shape), 0, 255).astype(np.uint8)
    path = tmp_path_factory.mktemp("photo") / "photo.jpg"
    Image.fromarray(pixels).save(path, quality=90)
    return path


@pytest.fixture(scope="session")
def model_env():
    """The environment for subprocesses: the prepared model cache (`make weights`)."""
    from dreamvideo.network import models

    assert models.weights_path("inception_v3").exists(), "run `make weights` first (the test command does)"
    return {**os.environ, "DREAM_MODEL_DIR": str(models.model_dir())}


@pytest.fixture(scope="session")
def spec_render(tmp_path_factory, model_env):
    """helpers.SPEC rendered once for the whole test run, even across pytest-xdist workers (a
    lock in their common temporary folder): its draft preview's contact sheet alone first (which
    renders the draft preview; that sheet is kept as dreams/t/early_sheet.jpg), then final.mp4 and preview.mp4.
    Returns copy(folder): a copy of that project at `folder` (modification times and Snakemake's
    records kept, so it is up to date there too) and the log of the full render."""
    base = tmp_path_factory.getbasetemp()
    base = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    original = base / "spec_render"
    with open(base / "spec_render.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (original / "render.log").exists():
            shutil.rmtree(original, ignore_errors=True)
            make_project(original)
            done = snakemake(original, model_env, "dreams/t/preview/contact_sheet.jpg")
            assert done.returncode == 0, done.stderr[-3000:]
            shutil.copy2(original / "dreams/t/preview/contact_sheet.jpg", original / "dreams/t/early_sheet.jpg")
            done = snakemake(original, model_env, "dreams/t/final.mp4", "dreams/t/preview.mp4")
            assert done.returncode == 0, done.stderr[-3000:]
            (original / "render.log").write_text(done.stderr)

    def copy(folder):
        shutil.copytree(original, folder, symlinks=True)
        return folder, (original / "render.log").read_text()

    return copy
