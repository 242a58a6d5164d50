"""Camera motion: one affine resampling per frame, with pixel-centre conventions that keep a
centred zoom symmetric and a translate an exact number of pixels."""

import math

import cv2
import numpy as np
import pytest
from PIL import Image

from dreamvideo.frame import camera, lanczos
from helpers import blob, centroid


def chain(pixels, m, frames, border="reflect"):
    """Warp frame after frame, rounding to uint8 between frames as the video does; centroids."""
    points = [centroid(pixels)]
    for _ in range(frames):
        pixels = np.clip(np.round(camera.warp(pixels, m, border)), 0, 255).astype(np.uint8)
        points.append(centroid(pixels))
    return np.array(points)


def smooth(width, height):
    yy, xx = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    rgb = [
        128 + 100 * np.sin(2 * np.pi * (1.5 * xx + 0.5 * yy)),
        128 + 100 * np.cos(2 * np.pi * 2 * yy),
        128 + 90 * np.sin(2 * np.pi * (xx * yy + xx)),
    ]
    return np.round(np.stack(rgb, axis=2)).astype(np.uint8)


def apply(m, x, y):
    return tuple(np.asarray(m) @ [x, y, 1.0])


@pytest.mark.parametrize("size", [(320, 180), (640, 360)])
def test_translate_moves_the_same_every_frame_at_any_size(size):
    width, height = size
    m = camera.matrix(width, height, translate_x=0.01)
    points = chain(blob(width, height, width * 0.25, height * 0.5), m, 20)
    steps = np.diff(points, axis=0)
    assert np.all(np.abs(steps[:, 0] - 0.01 * width) <= 0.5)
    assert np.all(np.abs(steps[:, 1]) <= 0.5)
    # The same relative motion at both sizes.
    assert abs((points[-1, 0] - points[0, 0]) / width / 20 - 0.01) < 1e-3


def test_translate_down():
    m = camera.matrix(320, 180, translate_y=0.02)
    steps = np.diff(chain(blob(320, 180, 160, 40), m, 10), axis=0)
    assert np.all(np.abs(steps[:, 1] - 3.6) <= 0.5) and np.all(np.abs(steps[:, 0]) <= 0.5)


def test_whole_pixel_translate_is_exact():
    assert camera.matrix(200, 100, translate_x=0.01)[0, 2] == 2.0
    img = smooth(200, 100)
    out = camera.warp(img, camera.matrix(200, 100, translate_x=0.01))
    assert np.array_equal(out[:, 2:], img[:, :-2].astype(np.float32))


def test_centred_zoom_is_symmetric():
    width, height = 320, 180
    m = camera.matrix(width, height, zoom=1.07, zoom_speed=12)
    assert np.allclose(np.add(apply(m, 0, 0), apply(m, width - 1, height - 1)), (width - 1, height - 1))
    img = smooth(width, height)
    img = np.maximum(img, img[::-1, ::-1])  # symmetric under a half-turn about the middle
    asymmetry = np.abs(camera.warp(img, m) - camera.warp(img, m)[::-1, ::-1])
    # Symmetric up to float rounding (a fraction of a level).
    assert asymmetry.max() < 0.5 and asymmetry.mean() < 0.01


@pytest.mark.parametrize("angle", [4.0, -6.0])
def test_angle_turns_about_the_centre_counter_clockwise(angle):
    width, height = 320, 180
    cx, cy = (width - 1) / 2, (height - 1) / 2
    points = chain(blob(width, height, cx + 60, cy), camera.matrix(width, height, angle=angle), 10)
    # Counter-clockwise on screen is the usual maths angle once y (down) is flipped.
    turned = np.degrees(np.unwrap(np.arctan2(-(points[:, 1] - cy), points[:, 0] - cx)))
    assert np.all(np.abs(np.diff(turned) - angle) < 0.3)
    radius = np.hypot(points[:, 0] - cx, points[:, 1] - cy)
    assert np.all(np.abs(radius - 60) < 0.5)
    # A point right of the centre goes up (smaller y) for a positive angle.
    x, y = apply(camera.matrix(width, height, angle=90), cx + 10, cy)
    assert math.isclose(x, cx, abs_tol=1e-9) and math.isclose(y, cy - 10)


def test_zoom_pushes_content_away_from_the_centre():
    width, height = 320, 180
    cx, cy = (width - 1) / 2, (height - 1) / 2
    points = chain(blob(width, height, cx + 24, cy + 12), camera.matrix(width, height, zoom=1.05), 8)
    radius = np.hypot(points[:, 0] - cx, points[:, 1] - cy)
    assert np.all(np.abs(radius[1:] / radius[:-1] - 1.05) < 0.01)
    direction = np.arctan2(points[:, 1] - cy, points[:, 0] - cx)
    assert np.all(np.abs(direction - direction[0]) < 0.01)


def test_zoom_about_a_chosen_center_keeps_it_fixed():
    width, height = 320, 180
    x, y = 0.25 * width - 0.5, 0.25 * height - 0.5
    m = camera.matrix(width, height, zoom=1.1, angle=5, center=(0.25, 0.25))
    assert np.allclose(apply(m, x, y), (x, y))
    points = chain(blob(width, height, x, y), m, 5)
    assert np.all(np.hypot(points[:, 0] - x, points[:, 1] - y) < 0.3)


@pytest.mark.parametrize("size,speed", [((640, 360), 10), ((640, 360), 7), ((321, 181), 15)])
def test_zoom_speed_is_the_seed_crop_and_resize(size, speed):
    width, height = size
    trim_x, trim_y = width // speed, height // speed
    m = camera.matrix(width, height, zoom_speed=speed)
    inverse = cv2.invertAffineTransform(m)
    # PIL's crop + resize: destination centre d reads source trim + (d + 0.5) * crop / size - 0.5.
    for dx, dy in [(0, 0), (width - 1, height - 1), (17, 123), (width / 2, 3)]:
        sx = trim_x + (dx + 0.5) * (width - 2 * trim_x) / width - 0.5
        sy = trim_y + (dy + 0.5) * (height - 2 * trim_y) / height - 0.5
        assert np.allclose(apply(inverse, dx, dy), (sx, sy), atol=1e-9)
    img = smooth(width, height)
    ours = np.clip(np.round(camera.warp(img, m)), 0, 255)
    crop = Image.fromarray(img).crop((trim_x, trim_y, width - trim_x, height - trim_y))  # the seed's zoom
    seed = np.asarray(crop.resize((width, height), Image.Resampling.LANCZOS)).astype(np.float64)
    assert np.abs(ours - seed).mean() < 1.5


def test_zoom_speed_that_trims_nothing_is_still():
    assert camera.is_still(camera.matrix(180, 120, zoom_speed=0))
    assert camera.is_still(camera.matrix(180, 120, zoom_speed=500))
    with pytest.raises(ValueError):
        camera.matrix(180, 120, zoom_speed=2)


def test_combined_moves_are_one_matrix_and_one_warp(monkeypatch):
    width, height = 320, 180
    moves = dict(zoom=1.03, angle=2.5, translate_x=0.01, translate_y=-0.02, center=(0.4, 0.6), zoom_speed=20)
    m = camera.matrix(width, height, **moves)
    # The same moves one after another on points: seed zoom, zoom + turn about center, translate.
    steps = [
        camera.matrix(width, height, zoom_speed=20),
        camera.matrix(width, height, zoom=1.03, center=(0.4, 0.6)),
        camera.matrix(width, height, angle=2.5, center=(0.4, 0.6)),
        camera.matrix(width, height, translate_x=0.01, translate_y=-0.02),
    ]
    for x, y in [(0, 0), (100.5, 7), (319, 179), (-40, 250)]:
        point = (x, y)
        for step in steps:
            point = apply(step, *point)
        assert np.allclose(apply(m, x, y), point, atol=1e-9)
    calls = []
    real = lanczos.warp
    monkeypatch.setattr(lanczos, "warp", lambda *a, **k: calls.append(1) or real(*a, **k))
    out = camera.warp(smooth(width, height), m)
    assert len(calls) == 1 and out.dtype == np.float32 and out.shape == (height, width, 3)


def test_still_matrix_returns_the_input_without_resampling(monkeypatch):
    img = smooth(64, 48)
    m = camera.matrix(64, 48)
    assert camera.is_still(m) and not camera.is_still(camera.matrix(64, 48, angle=1e-3))
    monkeypatch.setattr(lanczos, "warp", lambda *a, **k: pytest.fail("resampled an identity"))
    out = camera.warp(img, m)
    assert out.dtype == np.float32 and np.array_equal(out, img)


def test_borders_fill_the_uncovered_edge_differently():
    img = smooth(320, 180)
    img[:, -32:] = np.random.default_rng(3).integers(0, 256, (180, 32, 3))  # make the edges distinct
    m = camera.matrix(320, 180, translate_x=0.1)  # exactly 32 px
    out = {name: camera.warp(img, m, name) for name in camera.BORDERS}
    assert np.array_equal(out["wrap"][:, :32], img[:, -32:])
    assert np.array_equal(out["replicate"][:, :32], np.repeat(img[:, :1], 32, axis=1))
    assert np.array_equal(out["reflect"][:, :32], img[:, 32:0:-1])
    for a, b in [("wrap", "reflect"), ("wrap", "replicate"), ("reflect", "replicate")]:
        assert not np.array_equal(out[a][:, :32], out[b][:, :32])
        assert np.array_equal(out[a][:, 32:], out[b][:, 32:])
    with pytest.raises(ValueError, match="border"):
        camera.warp(img, m, "mirror")


def test_float_input_is_not_rounded_and_output_is_deterministic():
    img = np.random.default_rng(5).random((180, 320, 3)).astype(np.float32) * 255
    m = camera.matrix(320, 180, zoom=1.02, angle=1.5, translate_x=0.003)
    first = camera.warp(img, m)
    assert first.dtype == np.float32 and not np.array_equal(first, np.round(first))
    assert first.tobytes() == camera.warp(img, m).tobytes()


def test_warp_does_not_depend_on_thread_count():
    img = np.random.default_rng(9).integers(0, 256, (720, 1280, 3)).astype(np.uint8)
    m = camera.matrix(1280, 720, zoom=1.013, angle=-0.7, translate_x=0.0021, translate_y=0.001, zoom_speed=90)
    before = cv2.getNumThreads()
    try:
        results = []
        for threads in (1, 2, 4, 8):
            cv2.setNumThreads(threads)
            results.append(camera.warp(img, m, "wrap").tobytes())
    finally:
        cv2.setNumThreads(before)
    assert all(r == results[0] for r in results)


def lanczos_rows(column, positions):
    """Reference: Lanczos-4 (sinc(t) sinc(t / 4), normalised) of a column at float positions, reflected."""
    n, out = len(column), []
    for s in positions:
        taps = np.floor(s) - 3 + np.arange(8)
        weights = np.sinc(s - taps) * np.sinc((s - taps) / 4)
        index = np.abs(taps).astype(int)
        index = np.where(index >= n, 2 * n - 2 - index, index)
        out.append(weights @ column[index] / weights.sum())
    return np.array(out)


@pytest.mark.parametrize("height", [90, 91])
def test_sub_pixel_source_positions_are_exact(height):
    # Rows of random levels, each row constant: a zoom about the middle reads row y from
    # (y - c) / 1.01 + c exactly. OpenCV's warpAffine rounded that to 1/32 px, so the rows within
    # ~1.6 px of the middle (moves under 1/64 px) came back as exact copies of themselves.
    width, middle = 40, (height - 1) / 2
    column = np.random.default_rng(1).integers(0, 256, height).astype(np.float64)
    pixels = np.repeat(np.repeat(column[:, None, None], width, axis=1), 3, axis=2)
    out = camera.warp(pixels, camera.matrix(width, height, zoom=1.01))
    rows = np.arange(height)
    expected = lanczos_rows(column, (rows - middle) / 1.01 + middle)
    assert np.abs(out[:, width // 2, 0] - expected).max() < 1e-3
    near = (np.abs(rows - middle) > 0) & (np.abs(rows - middle) < 1.6)  # the middle row itself stays
    assert np.all(np.abs(out[near, width // 2, 0] - column[near]) > 1e-3)  # they moved, a little


@pytest.mark.parametrize("size", [(160, 90), (161, 91)])
def test_a_long_zoom_draws_no_cross_through_its_centre(size):
    # With source positions rounded to 1/32 px, rows and columns within ~1.6 px of the zoom's centre
    # never moved and kept their detail while all others were resampled (softened) every frame:
    # after 200 frames of zoom 1.01 on noise, the centre rows and columns had 20-33x the detail of rows
    # 5-12 px away. Exact positions: 1.7-2.6x (Lanczos softens a shift of ~0 px less than one of
    # ~0.5 px, so the middle of a zoom stays a little sharper, smoothly, not as a line).
    width, height = size
    m = camera.matrix(width, height, zoom=1.01)
    pixels = np.random.default_rng(0).integers(0, 256, (height, width, 3)).astype(np.uint8)
    for _ in range(200):
        pixels = np.clip(np.round(camera.warp(pixels, m)), 0, 255).astype(np.uint8)
    grey = pixels.astype(np.float64).mean(axis=2)
    for axis, n in ((0, height), (1, width)):
        profile = np.abs(np.diff(grey, 2, axis=axis)).mean(axis=1 - axis)  # detail per row / column
        distance = np.abs(np.arange(len(profile)) + 1 - (n - 1) / 2)  # profile[i] is row i + 1
        centre, around = profile[distance <= 2].max(), np.median(profile[(distance >= 5) & (distance <= 12)])
        assert centre < 5 * around, f"axis {axis}: centre {centre:.2f}, around {around:.2f}"


@pytest.mark.parametrize("border", ["reflect", "wrap", "replicate"])
def test_separable_warp_gives_the_general_warps_bytes(border):
    """Zoom and pan without rotation take `lanczos.warp_separable`: byte for byte `lanczos.warp`,
    and both give the same bytes in 1, 2 or 3 bands of rows at once (a frame's `threads`)."""
    rng = np.random.default_rng(7)
    img = rng.uniform(-20, 280, (37, 53, 3)).astype(np.float32)
    for m in (
        camera.matrix(53, 37, zoom_speed=20),
        camera.matrix(53, 37, zoom=0.7, center=(0.2, 0.9)),
        camera.matrix(53, 37, zoom=1.31, translate_x=0.013, translate_y=-0.4),
        camera.matrix(53, 37, translate_x=0.25 / 53),
        camera.matrix(53, 37, zoom=3.0, translate_x=-2.0),
    ):
        full = np.eye(3)
        full[:2] = m
        inverse = np.ascontiguousarray(np.linalg.inv(full)[:2])
        assert inverse[0, 1] == 0 and inverse[1, 0] == 0
        fast = lanczos.warp_separable(img, inverse, camera.BORDERS[border])
        assert fast.tobytes() == lanczos.warp(img, inverse, camera.BORDERS[border]).tobytes()
        assert camera.warp(img, m, border).tobytes() == fast.tobytes()
        for threads in (2, 3):
            assert lanczos.warp_separable(img, inverse, camera.BORDERS[border], threads).tobytes() == fast.tobytes()
            assert lanczos.warp(img, inverse, camera.BORDERS[border], threads).tobytes() == fast.tobytes()
    turned = camera.matrix(53, 37, zoom=1.1, angle=7.0)  # the general warp, in bands
    assert camera.warp(img, turned, border, 3).tobytes() == camera.warp(img, turned, border).tobytes()
