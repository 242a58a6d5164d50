"""Colour: the seed's balance (unchanged bytes), steering the mean colour toward a target
without overshoot, and parsing colours from the spec."""

import cv2
import numpy as np
import pytest

from dreamvideo.frame import colour


def seed_balance(pixels, color_balance, reference_brightness):
    """The seed's balance as the workflow had it before colour.py (kept here as the reference)."""
    image = pixels.astype(np.float32)
    drift = float(image.mean()) - reference_brightness
    image -= np.asarray(color_balance, np.float32) * 3.0 * drift
    return np.clip(image, 0.0, 255.0)


def test_balance_pulls_brightness_back():
    bright = np.full((8, 8, 3), 150, np.uint8)
    assert colour.balance(bright, [1 / 3, 1 / 3, 1 / 3], 120.0).mean() == pytest.approx(120.0, abs=1e-3)
    assert colour.balance(bright, [1.0, 0.0, 0.0], 120.0)[0, 0].tolist() == pytest.approx([60.0, 150.0, 150.0])


@pytest.mark.parametrize(
    "balance,reference",
    [((1 / 3, 1 / 3, 1 / 3), 120.0), ((0.5, 0.3, 0.2), 90.5), ((0.0, 0.0, 1.0), 200.0), ((0.2, 0.2, 0.2), 10.0)],
)
def test_balance_is_the_seed_balance_byte_for_byte(balance, reference):
    rng = np.random.default_rng(11)
    for shape in [(180, 320, 3), (37, 53, 3)]:
        img = rng.integers(0, 256, shape).astype(np.uint8)
        ours, seed = colour.balance(img, balance, reference), seed_balance(img, balance, reference)
        assert ours.dtype == seed.dtype and ours.tobytes() == seed.tobytes()
        fimg = img.astype(np.float32) + 0.25
        assert colour.balance(fimg, balance, reference).tobytes() == seed_balance(fimg, balance, reference).tobytes()


def greyish(seed=1, shape=(180, 320, 3)):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    base = 120 + 60 * np.sin(xx / 23.0) * np.cos(yy / 17.0)
    img = base[..., None] + rng.normal(0, 25, shape) + [8, -4, 0]
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def test_steer_reaches_the_target_without_overshoot():
    target = np.array([220.0, 80.0, 40.0])
    img = greyish()
    distances = [np.abs(img.reshape(-1, 3).mean(0) - target)]
    for _ in range(30):
        out = colour.steer(img, target, 0.2)
        assert out.dtype == np.float32 and out.min() >= 0 and out.max() <= 255
        img = np.round(out).astype(np.uint8)
        distances.append(np.abs(img.reshape(-1, 3).mean(0) - target))
    distances = np.array(distances)
    assert np.all(distances[-1] < 10)
    assert np.all(np.diff(distances, axis=0) <= 1e-9)  # never further: no overshoot, no oscillation


def test_steer_compensates_for_clipping():
    # Many pixels already near white: a plain shift of (want - mean) would fall short once clipped.
    img = np.concatenate([np.full((50, 100, 3), 250.0), np.full((50, 100, 3), 100.0)]).astype(np.float32)
    out = colour.steer(img, [250, 250, 250], 1.0)
    assert np.allclose(out.reshape(-1, 3).mean(0), 250.0, atol=1e-3)
    out = colour.steer(img[::-1] * 0.1, [0, 0, 0], 0.5)  # and toward black
    assert np.allclose(out.reshape(-1, 3).mean(0), 0.5 * (img * 0.1).mean(), atol=1e-3)


def test_steer_lands_between_the_mean_and_its_goal():
    rng = np.random.default_rng(2)
    for _ in range(20):
        img = np.clip(rng.normal(rng.uniform(0, 255), rng.uniform(5, 120), (40, 60, 3)), 0, 255).astype(np.float32)
        target, rate = rng.uniform(0, 255, 3), rng.uniform(0, 1)
        before = img.reshape(-1, 3).mean(0, dtype=np.float64)
        want = before + rate * (target - before)
        after = colour.steer(img, target, rate).reshape(-1, 3).mean(0, dtype=np.float64)
        assert np.all(np.abs(after - want) < 1e-2)
        assert np.all(np.sign(want - before) * (after - want) <= 1e-3)  # did not pass `want`


def test_steer_rate_zero_changes_nothing_and_is_deterministic():
    img = greyish(4)
    assert np.array_equal(colour.steer(img, [0, 255, 0], 0.0), img.astype(np.float32))
    assert colour.steer(img, [0, 255, 0], 0.3).tobytes() == colour.steer(img, [0, 255, 0], 0.3).tobytes()
    with pytest.raises(ValueError, match="rate"):
        colour.steer(img, [0, 0, 0], 1.5)


@pytest.mark.parametrize(
    "value,rgb",
    [
        ("#dc5028", (220.0, 80.0, 40.0)),
        ("#fff", (255.0, 255.0, 255.0)),
        ("#DC5028", (220.0, 80.0, 40.0)),
        ([1, 2, 3], (1.0, 2.0, 3.0)),
        ((0.5, 255, 0), (0.5, 255.0, 0.0)),
    ],
)
def test_parse_color_accepts(value, rgb):
    assert colour.parse_color(value) == rgb


@pytest.mark.parametrize(
    "value",
    [
        "red",
        "#12345",
        "dc5028",
        [1, 2],
        [300, 0, 0],
        [-1, 0, 0],
        [1, 2, "3"],
        [True, 0, 0],
        None,
        7,
        [float("nan"), 0, 0],
    ],
)
def test_parse_color_rejects_with_one_line(value):
    with pytest.raises(ValueError) as err:
        colour.parse_color(value)
    assert "\n" not in str(err.value) and str(err.value)


@pytest.mark.parametrize("target", ["#96507d", "#3c78a0", "#c08040"])
def test_steering_keeps_the_colour_and_contrast_of_a_colourful_frame(repo, target):
    """Sixty frames of steering at the demo's rate move the mean colour to the target while the
    frame keeps its spread: one additive shift per channel leaves each channel's deviations as
    they were (only what clips is lost), so it does not grey the picture."""
    from dreamvideo.frame import pictures
    from dreamvideo.outputs import look

    img = pictures.fit(pictures.read_rgb(repo / "dreams/fractal_light/img_0.jpg"), (160, 90)).astype(np.float32)
    goal = np.array(colour.parse_color(target))
    out = img
    for _ in range(60):  # in floats: between frames the dream's changes dither the uint8 rounding
        out = colour.steer(out, goal, 0.05)
    before, after = (np.linalg.norm(x.reshape(-1, 3).mean(0) - goal) for x in (img, out))
    assert after < 0.1 * before
    assert look.colourfulness(out) >= 0.8 * look.colourfulness(img)
    assert look.contrast(out) >= 0.8 * look.contrast(img)
    balanced = img
    for _ in range(60):  # the balance, pulling a brighter frame back, keeps the spread too
        balanced = np.round(colour.balance(balanced + 6.0, [0.4, 0.3, 0.3], float(img.mean())))
    assert look.contrast(balanced) >= 0.8 * look.contrast(img)
    assert look.colourfulness(balanced) >= 0.8 * look.colourfulness(img)


def test_color_hold_raises_a_faded_frame_back_to_the_reference_and_keeps_brightness_and_hue():
    """A frame faded toward grey (as long zooms faded): holding brings its contrast (std of luma)
    and colourfulness back up to the reference's, step by step and never past it,
    while the mean brightness and each pixel's hue stay (within the rounding between frames)."""
    from dreamvideo.outputs import look

    vivid = np.clip(greyish(5).astype(np.float32) * [1.3, 0.9, 0.6], 0, 255)
    reference = colour.vividness(vivid)
    lab = colour._lab(vivid)
    lab[..., 0] = lab[..., 0].mean() + (lab[..., 0] - lab[..., 0].mean()) / 3
    lab[..., 1:] /= 3
    faded = np.round(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB) * 255).astype(np.uint8)
    levels = [colour.vividness(faded)]
    out = faded
    for _ in range(40):
        out = np.round(colour.hold(out, reference, 0.2)).astype(np.uint8)
        levels.append(colour.vividness(out))
    levels = np.array(levels)
    assert np.all(levels[0] < 0.4 * np.array(reference))
    assert np.all(np.diff(levels, axis=0) > -0.05)  # steps up, never back down
    assert np.all(np.abs(levels[-1] / reference - 1) < 0.03)  # arrived, not past
    before, after = colour._lab(faded), colour._lab(out)
    assert abs(after[..., 0].mean() - before[..., 0].mean()) < 2.0  # L* 0..100 (what clips costs 1.6 here)
    hue = [np.arctan2(x[..., 2], x[..., 1]) for x in (before, after)]
    coloured = np.hypot(before[..., 1], before[..., 2]) > 5  # where the faded frame has a hue to keep
    assert np.median(np.abs(np.angle(np.exp(1j * (hue[1] - hue[0])))[coloured])) < 0.05  # radians
    for metric in (look.contrast, look.colourfulness):  # the metrics come back with it
        assert metric(faded) < 0.6 * metric(vivid) and metric(out) > 0.9 * metric(vivid)


def test_color_hold_gives_back_the_colourfulness_a_frame_lost_to_one_hue():
    """The hold holds what the look measures (issue 33). A frame whose colours all turned to one
    hue keeps its mean chroma but loses colourfulness (Hasler & Suesstrunk count the spread of
    hues): the hold in mean chroma before left it alone; this one saturates it back, hue kept."""
    from dreamvideo.outputs import look

    rng = np.random.default_rng(3)
    lab = np.empty((60, 80, 3), np.float32)
    lab[..., 0] = rng.uniform(40, 70, (60, 80))
    angle = rng.uniform(-np.pi, np.pi, (60, 80))
    lab[..., 1], lab[..., 2] = 25 * np.cos(angle), 25 * np.sin(angle)
    many = np.round(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB) * 255).astype(np.uint8)
    lab[..., 1], lab[..., 2] = 25 * np.cos(1.0), 25 * np.sin(1.0)  # every pixel one hue, as saturated
    one = np.round(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB) * 255).astype(np.uint8)
    assert colour.vividness(many) == pytest.approx([look.contrast(many), look.colourfulness(many)], rel=1e-9)
    chroma = [np.hypot(*colour._lab(x)[..., 1:].transpose(2, 0, 1)).mean() for x in (many, one)]
    assert chroma[1] == pytest.approx(chroma[0], rel=0.05)
    assert look.colourfulness(one) < 0.7 * look.colourfulness(many)
    held = colour.hold(one, colour.vividness(many), 0.5)
    assert look.colourfulness(held) > 1.2 * look.colourfulness(one)
    hue = np.arctan2(*colour._lab(held)[..., 2:0:-1].transpose(2, 0, 1))
    assert np.abs(hue - 1.0).max() < 0.05


def test_color_hold_leaves_a_frame_alone_when_nothing_faded_or_the_rate_is_zero():
    vivid = greyish(6)
    assert np.array_equal(colour.hold(vivid, [1.0, 1.0], 0.5), vivid.astype(np.float32))
    assert np.array_equal(colour.hold(vivid, [500.0, 500.0], 0.0), vivid.astype(np.float32))
    raised = colour.hold(vivid, [500.0, 500.0], 0.1)  # both far below 500: both rise
    assert raised.dtype == np.float32 and 0 <= raised.min() and raised.max() <= 255
    assert all(a > b for a, b in zip(colour.vividness(raised), colour.vividness(vivid)))
    assert raised.tobytes() == colour.hold(vivid, [500.0, 500.0], 0.1).tobytes()


def test_a_frame_is_held_then_balanced_so_its_brightness_stays_the_seeds():
    """render.colour_control: the hold lifts contrast and saturation first, then the balance pulls
    the mean brightness back to the reference exactly; with color_hold 0 only the balance acts."""
    from dreamvideo.frame import render

    faded = greyish(7).astype(np.float32) * 0.5 + 60
    record = {"color_hold": 0.5, "target_color": None, "color_rate": 0.0, "color_balance": [1 / 3, 1 / 3, 1 / 3]}
    reference = [2 * v for v in colour.vividness(faded)]
    held = render.colour_control(faded, record, 120.0, reference)
    assert all(a > 1.3 * b for a, b in zip(colour.vividness(held), colour.vividness(faded)))
    assert held.mean() == pytest.approx(120.0, abs=0.05)
    off = render.colour_control(faded, {**record, "color_hold": 0.0}, 120.0, reference)
    assert off.tobytes() == colour.balance(faded, record["color_balance"], 120.0).tobytes()
