"""Colour control between frames: the original project's brightness balance, steering the mean colour
toward a target (the original project's unfinished idea) and holding the look's contrast and
colourfulness, plus parsing a colour from the spec."""

import math
import re

import cv2
import numpy as np

# Luma (Rec. 601): contrast is its spread, here and in the look's measures (outputs/look.py)
LUMA = np.array([0.299, 0.587, 0.114], np.float64)
_NEWTON_STEPS = 8  # the clipped mean is piecewise linear: a few steps land on it
_CLOSE_ENOUGH = 1e-3  # levels: far below the uint8 rounding between frames


def balance(pixels, color_balance, reference_brightness):
    """The original project's colour balance: pull the mean brightness back to `reference_brightness`,
    taking balance[c] * 3 of the difference from channel c (weights summing to 1 keep it).
    Byte for byte the original project's (tests/test_colour.py keeps the reference)."""
    image = pixels.astype(np.float32)
    drift = float(image.mean()) - reference_brightness
    image -= np.asarray(color_balance, np.float32) * 3.0 * drift
    return np.clip(image, 0.0, 255.0)


def steer(pixels, target, rate):
    """Move each channel's mean `rate` (0..1) of the way toward target[c] (0..255): a
    proportional controller, one additive shift per channel, then clip to 0..255.

    Clipping eats part of a shift, so the shift s is solved for so that the mean AFTER
    clipping lands on the wanted value. f(s) = mean(clip(x + s)) has slope = the share of
    pixels not clipped in the direction of travel, in [0, 1]; it is concave going up and
    convex going down, so Newton steps starting from s = want - mean approach the solution
    from the near side and never pass it: the result never overshoots, hence no frame-to-frame
    oscillation. Returns float32 H x W x 3."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"steer rate {rate} must be between 0 and 1")
    image = np.clip(np.asarray(pixels, np.float32), 0.0, 255.0)
    channels = np.ascontiguousarray(image.reshape(-1, 3).T)  # 3 x N: fast per-channel reductions
    mean = channels.mean(axis=1, dtype=np.float64)
    want = mean + rate * (np.clip(np.asarray(target, np.float64), 0.0, 255.0) - mean)
    up = want > mean
    shift = want - mean
    for _ in range(_NEWTON_STEPS):
        moved = channels + shift.astype(np.float32)[:, None]
        gap = want - np.clip(moved, 0.0, 255.0).mean(axis=1, dtype=np.float64)
        if np.all(np.abs(gap) < _CLOSE_ENOUGH):
            break
        # Slope in the direction of travel: the share of pixels with room to move that way.
        free = np.where(up, (moved < 255.0).mean(axis=1), (moved > 0.0).mean(axis=1))
        # A zero slope means every pixel is pinned at the limit: nothing more to gain.
        shift = shift + np.where(free > 0, gap / np.maximum(free, 1e-12), 0.0)
    return np.clip(image + shift.astype(np.float32), 0.0, 255.0)


def contrast(pixels):
    """The std of luma (0..255): the look's contrast (outputs/look.py)."""
    return float((_rgb64(pixels) @ LUMA).std())


def colourfulness(pixels):
    """Hasler & Suesstrunk (2003): hypot(std(rg), std(yb)) + 0.3 hypot(mean(rg), mean(yb)),
    rg = R - G, yb = (R + G) / 2 - B: the look's colourfulness (outputs/look.py)."""
    rgb = _rgb64(pixels)
    rg = rgb[:, 0] - rgb[:, 1]
    yb = 0.5 * (rgb[:, 0] + rgb[:, 1]) - rgb[:, 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def vividness(pixels):
    """[contrast, colourfulness], the look's own measures, the two numbers `hold` holds. Held in
    L*'s spread and mean chroma instead, a zoom into flower.jpg kept 0.97x of its L* spread and
    more than its chroma, while its contrast and colourfulness fell to 0.80-0.85x of frames 10-30
    (benchmarks/look.md, issue 33)."""
    rgb = _rgb64(np.clip(np.asarray(pixels, np.float32), 0.0, 255.0))  # one float64 copy for both
    return [contrast(rgb), colourfulness(rgb)]


def hold(pixels, reference, rate):
    """Give back `rate` (0..1) of the contrast and colourfulness the picture has lost against
    `reference` (`vividness` of the seed image); never take any away. L* is stretched about its mean (the
    brightness stays), a* and b* about grey (each pixel keeps its hue). The balance and the target
    colour steer the mean colour; this holds the spread the dream's greying takes (Deforum's
    colour coherence matches the whole palette to frame 0's instead). Returns float32 H x W x 3 in
    0..255: the pixels unchanged where neither has fallen."""
    image = np.asarray(pixels, np.float32)
    if rate <= 0:
        return image
    factors = [
        1.0 + rate * (max(ref / now, 1.0) - 1.0) if now > 1e-6 else 1.0 for now, ref in zip(vividness(image), reference)
    ]
    if factors == [1.0, 1.0]:
        return image
    lab = _lab(image)
    light = lab[..., 0]
    mean = np.float32(light.mean(dtype=np.float64))
    lab[..., 0] = mean + (light - mean) * np.float32(factors[0])
    lab[..., 1:] *= np.float32(factors[1])
    return np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB) * np.float32(255.0), 0.0, 255.0)


def _rgb64(pixels):
    return np.asarray(pixels, np.float64).reshape(-1, 3)


def _lab(pixels):
    """float32 L*a*b* (L* 0..100) of RGB pixels in 0..255."""
    return cv2.cvtColor(np.clip(np.asarray(pixels, np.float32), 0.0, 255.0) / np.float32(255.0), cv2.COLOR_RGB2Lab)


def parse_color(value):
    """[r, g, b] numbers in 0..255, or '#rrggbb' / '#rgb' -> (r, g, b) floats."""
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", text):
            raise ValueError(f"colour {value!r} is not '#rrggbb', '#rgb' or [r, g, b]")
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return tuple(float(int(digits[i : i + 2], 16)) for i in (0, 2, 4))
    try:
        parts = list(value)
    except TypeError:
        raise ValueError(f"colour {value!r} is not '#rrggbb', '#rgb' or [r, g, b]") from None
    if len(parts) != 3 or not all(
        isinstance(p, (int, float, np.integer, np.floating)) and not isinstance(p, bool) for p in parts
    ):
        raise ValueError(f"colour {value!r} must be three numbers [r, g, b]")
    rgb = tuple(float(p) for p in parts)
    if not all(math.isfinite(c) and 0.0 <= c <= 255.0 for c in rgb):
        raise ValueError(f"colour {value!r} has a channel outside 0..255")
    return rgb
