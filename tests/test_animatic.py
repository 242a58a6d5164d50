"""The animatic: the camera path and colour control chained like the render, without dreaming."""

import subprocess
import sys

import numpy as np
import pytest

from dreamvideo.frame import render
from dreamvideo.outputs import animatic
from helpers import blob, centroid, decode

FPS = 24


def plan(seed, count, **changes):
    """`count` records: the seed, then neutral frames (no move, balance to the seed's own mean)."""
    height, width = seed.shape[:2]
    neutral = {
        "kind": "image_dream",
        "zoom": 1.0,
        "angle": 0.0,
        "translate_x": 0.0,
        "translate_y": 0.0,
        "center": [0.5, 0.5],
        "border": "reflect",
        "zoom_speed": 0,
        "color_balance": [1 / 3, 1 / 3, 1 / 3],
        "reference_brightness": float(seed.mean()),
        "target_color": None,
        "color_rate": 0.0,
        "color_hold": 0.0,
        "reference_vividness": None,
    }
    first = {"kind": "seed_image", "seed_image": "seed.png", "size": [width, height]}
    return [first] + [{**neutral, **changes}] * (count - 1)


@pytest.mark.parametrize("size", [(96, 64), (160, 90)])
def test_translate_moves_the_dot_every_frame(tmp_path, size):
    width, height = size
    seed = blob(width, height, width * 0.2, height * 0.5, sigma=2.0)
    records = plan(seed, 10, translate_x=0.05)
    out = tmp_path / "animatic.mp4"
    animatic.render(seed, records, FPS, out, crf=10)
    assert out.is_file() and not list(tmp_path.glob(".*"))

    meta, frames = decode(out)
    assert tuple(meta["size"]) == (width, height)
    assert meta["fps"] == FPS
    assert len(frames) == len(records)
    points = np.array([centroid(f, floor=24) for f in frames])
    steps = np.diff(points, axis=0)
    assert np.all(np.abs(steps[:, 0] - 0.05 * width) <= 0.5), steps
    assert np.all(np.abs(steps[:, 1]) <= 0.5), steps
    assert abs(points[0, 0] - width * 0.2) <= 0.5  # frame 0 is the seed itself


def test_frames_chain_exactly_like_the_render():
    rng = np.random.default_rng(3)
    seed = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    records = plan(
        seed,
        6,
        zoom=1.03,
        angle=2.0,
        translate_y=-0.01,
        zoom_speed=64,
        color_balance=[0.5, 0.3, 0.2],
        reference_brightness=110.0,
    )
    records[4] = {**records[4], "target_color": [220.0, 40.0, 90.0], "color_rate": 0.5}
    expected = [seed]
    for record in records[1:]:  # what render.make_frame hands the dreamer, rounded as frames are saved
        expected.append(np.clip(np.round(render.prepare(expected[-1], record)), 0, 255).astype(np.uint8))
    frames = list(animatic.frames(seed, records))
    assert len(frames) == len(records)
    assert np.array_equal(frames[0], seed)
    for got, want in zip(frames, expected):
        assert got.dtype == np.uint8 and np.array_equal(got, want)
    assert not np.array_equal(frames[1], seed)  # the settings really moved something
    assert frames[4][..., 0].mean() > frames[3][..., 0].mean()  # steered toward the red target


def test_seed_must_match_the_plan_size(tmp_path):
    seed = blob(96, 64, 40, 30, sigma=2.0)
    records = plan(seed, 3)
    records[0] = {**records[0], "size": [160, 90]}
    with pytest.raises(ValueError, match="96x64"):
        animatic.render(seed, records, FPS, tmp_path / "bad.mp4")
    assert not list(tmp_path.iterdir())  # neither the video nor a temporary file


def test_no_tensorflow():
    code = (
        "import sys, dreamvideo.outputs.animatic; "
        "assert 'dreamvideo.network.dream' not in sys.modules and 'tensorflow' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=animatic.__file__.rsplit("/dreamvideo/", 1)[0])
