"""`dream-image` (the venv's command, dreamvideo.cli), run as a user runs it."""

import subprocess

import pytest
from PIL import Image

from helpers import BIN


def dream_image(env, *args):
    return subprocess.run([str(BIN / "dream-image"), *map(str, args)], env=env, capture_output=True, text=True)


def test_layer_6_on_a_photo_twice_gives_the_same_bytes(photo, tmp_path, model_env):
    outputs = [tmp_path / "a.jpg", tmp_path / "b.jpg"]
    for out in outputs:
        done = dream_image(model_env, photo, out, "--layer", 6, "--seed", 1, "--iterations", 1)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "octave 5/5" in done.stderr  # progress while it works
    assert Image.open(outputs[0]).size == (640, 360)
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    assert outputs[0].read_bytes() != photo.read_bytes()


@pytest.mark.parametrize("layer", ["12", "0", "nope"])
def test_bad_layer_lists_the_valid_ones(photo, tmp_path, model_env, layer):
    done = dream_image(model_env, photo, tmp_path / "out.jpg", "--layer", layer)
    assert done.returncode != 0
    assert done.stderr.strip() == (
        f"error: unknown layer '{layer}' for model inception_v3: use a number 1..11 or a name "
        "(mixed0, mixed1, mixed2, mixed3, mixed4, mixed5, mixed6, mixed7, mixed8, mixed9, mixed10)"
    )
    assert not (tmp_path / "out.jpg").exists()


def test_bad_inputs_fail_in_one_line_and_leave_no_output(photo, tmp_path, model_env):
    (tmp_path / "text.jpg").write_text("not an image")
    (tmp_path / "cut.jpg").write_bytes(photo.read_bytes()[:3000])  # a JPEG cut short
    cases = {"missing.jpg": "no such file", "text.jpg": "not a readable image", "cut.jpg": "not a readable image"}
    for name, message in cases.items():
        out = tmp_path / f"out-{name}"
        done = dream_image(model_env, tmp_path / name, out, "--iterations", 1)
        assert done.returncode != 0
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path / name}: {message}"), done.stderr
        assert not out.exists()
