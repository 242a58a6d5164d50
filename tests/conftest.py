import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


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
    from dreamvideo import models

    assert models.weights_path("inception_v3").exists(), "run `make weights` first (the test command does)"
    return {**os.environ, "DREAM_MODEL_DIR": str(models.model_dir())}
