import fcntl
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


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
    of the dream schema, set before any test runs an operation (see dream.use_threads)."""
    from dreamvideo.network import dream
    from dreamvideo.plan import spec

    dream.use_threads(spec.schema_default("threads"))


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


def blob(width, height, x, y, sigma=2.5):
    """A black uint8 frame with one bright Gaussian dot centred at pixel (x, y)."""
    yy, xx = np.mgrid[0:height, 0:width]
    dot = 255.0 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2))
    return np.repeat(np.round(dot).astype(np.uint8)[..., None], 3, axis=2)


def centroid(pixels, floor=0):
    """Intensity-weighted centre (x, y) in pixel-centre coordinates; summed levels under `floor`
    (a video codec's noise on black) count as 0."""
    weight = pixels.astype(np.float64).sum(axis=2)
    weight[weight < floor] = 0
    yy, xx = np.mgrid[0:weight.shape[0], 0:weight.shape[1]]
    return (weight * xx).sum() / weight.sum(), (weight * yy).sum() / weight.sum()


@pytest.fixture(scope="session")
def spec_render(tmp_path_factory, model_env):
    """test_pipeline.SPEC rendered once for the whole test run, even across pytest-xdist workers (a
    lock in their common temporary folder): its draft preview's contact sheet alone first (which
    renders the draft preview; that sheet is kept as dreams/t/early_sheet.jpg), then final.mp4 and preview.mp4.
    Returns copy(folder): a copy of that project at `folder` (modification times and Snakemake's
    records kept, so it is up to date there too) and the log of the full render."""
    from test_pipeline import make_project, snakemake

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
