"""The draft preview: the real frame records at a smaller size, rendered beside the full frames."""

import numpy as np
import pytest
from PIL import Image

from dreamvideo.frame import pictures, render
from dreamvideo.plan import preview, spec
from helpers import REPO, SPEC, frames, make_project, snakemake, stream_seconds

PREVIEW_SPEC = SPEC.replace("size: [96, 64]", "size: [96, 64]\npreview_scale: 0.5")


def plans(text, tmp_path, monkeypatch):
    root = make_project(tmp_path, text)
    monkeypatch.chdir(root)
    loaded = spec.load("t")
    return spec.plan("t", loaded), preview.plan(spec.plan("t", spec.load("t")), loaded["preview_scale"])


def test_preview_records_are_the_real_records_with_only_the_size_changed(tmp_path, monkeypatch):
    full, small = plans(PREVIEW_SPEC.replace("defaults: {", "defaults: {tile_size: 40, "), tmp_path, monkeypatch)
    assert small.size == (48, 32) and small.frame_path(3) == "dreams/t/preview/000003.png"
    assert (small.fps, small.audio, len(small.frames)) == (full.fps, full.audio, len(full.frames))
    assert small.frames[0] == {**full.frames[0], "size": [48, 32]}
    for big, little in zip(full.frames[1:], small.frames[1:]):
        assert little == {**big, "tile_size": 20, "trim_size": [96, 64]}


@pytest.mark.parametrize(
    "size,scale,expected",
    [
        ((640, 360), 0.25, (160, 90)),
        ((100, 62), 0.25, (24, 16)),
        ((1920, 1080), 0.1, (192, 108)),
        ((32, 16), 0.25, (16, 16)),
    ],
)
def test_preview_size_is_even_and_at_least_16(size, scale, expected):
    assert preview.preview_size(size, scale) == expected


def test_preview_zooms_at_the_full_renders_pace(tmp_path, monkeypatch):
    """Camera and colour only (no dream): the preview's frames are the full frames, smaller. Without
    `trim_size` the seed zoom's whole-pixel trim (192 // 48 = 4 px, 48 // 48 = 1 px: 4x the pace at a
    quarter of the size) would drift away from the full render."""
    text = SPEC.replace("size: [96, 64]", "size: [192, 128]").replace("zoom_speed: 32", "zoom_speed: 48")
    full, small = plans(text, tmp_path, monkeypatch)
    seed = pictures.read_rgb(REPO / "tests/data/golden_input.png")

    def chain(plan, drop=()):
        pixels = pictures.fit(seed, plan.size)
        for record in plan.frames[1:]:
            pixels = render.prepare(pixels, {k: v for k, v in record.items() if k not in drop})
        return pixels.astype(float)

    shrunk = np.asarray(Image.fromarray(chain(full).astype(np.uint8)).resize(small.size, Image.Resampling.LANCZOS))
    kept = np.abs(chain(small) - shrunk).mean()
    lost = np.abs(chain(small, drop=("trim_size",)) - shrunk).mean()
    assert kept < 10 and lost > 5 * kept, (kept, lost)  # measured: 6.9 and 59.5 levels


def test_preview_renders_beside_the_full_frames(spec_render, tmp_path, model_env):
    """From a copy of the test run's one render of SPEC (its preview at the default scale, 0.25,
    made by its contact sheet before the full frames; then final.mp4 and preview.mp4): the preview
    is the full render's length and sound at its own size; a new preview size re-renders every
    preview frame and not one full frame."""
    root, _ = spec_render(tmp_path / "project")
    shots = sorted((root / "dreams/t/preview").glob("*.png"))
    assert [p.name for p in shots] == [f"{i:06d}.png" for i in range(12)]
    assert {Image.open(p).size for p in shots} == {(24, 16)}  # 96x64 at 0.25
    from dreamvideo.outputs import video

    assert video.streams(root / "dreams/t/preview.mp4") == {"video": ["h264"], "audio": ["aac"]}
    for stream in "va":
        assert stream_seconds(root / "dreams/t/preview.mp4", stream) == stream_seconds(
            root / "dreams/t/final.mp4", stream
        )

    # A new preview size re-renders the preview, not one full frame.
    full_before = {p.name: p.stat().st_mtime_ns for p in frames(root)}
    assert len(full_before) == 12
    spec_file = root / "config/dreams/t.yaml"
    spec_file.write_text(PREVIEW_SPEC)  # preview_scale: 0.5
    preview_before = {p.name: p.stat().st_mtime_ns for p in shots}
    done = snakemake(root, model_env, "dreams/t/preview.mp4", "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    assert {p.name: p.stat().st_mtime_ns for p in frames(root)} == full_before
    assert {Image.open(p).size for p in (root / "dreams/t/preview").glob("*.png")} == {(48, 32)}
    assert all(p.stat().st_mtime_ns != preview_before[p.name] for p in shots)
    for stream in "va":
        assert stream_seconds(root / "dreams/t/preview.mp4", stream) == stream_seconds(
            root / "dreams/t/final.mp4", stream
        )
