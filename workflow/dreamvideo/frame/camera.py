"""Per-frame camera motion as ONE affine resampling.

Every move of a frame step (the original project's zoom, zoom, rotation, translation) is composed into
one 2x3 matrix and applied with one Lanczos warp (8 x 8 taps, OpenCV's INTER_LANCZOS4 kernel):
resampling once per frame, rather than once per move, keeps a 3,600-frame chain from blurring away.

Conventions (all matrices map SOURCE pixel coordinates to DESTINATION pixel coordinates):
  * pixel centres sit at integers, so the frame's middle is ((w - 1) / 2, (h - 1) / 2) and a
    fraction f of the frame is the pixel coordinate f * size - 0.5 (0.5 -> the middle,
    0.25 -> a quarter of the way in, measured from the frame's edge);
  * zoom > 1 grows content about `center`;
  * angle > 0 turns content counter-clockwise as seen on screen (y points down), the sign
    of Deforum and of cv2.getRotationMatrix2D;
  * translate_x / translate_y > 0 move content right / down by that fraction of width / height.
The warp is our own (numba, one thread), not OpenCV's warpAffine, which was the warp until
issue 19's second pass: warpAffine rounds each output pixel's source position to 1/32 pixel. In a
zoom about the centre, rows and columns within ~1.6 px of it then move by less than 1/64 px, round
to no move at all and are copied unchanged frame after frame, while every other row is resampled
(a little softened) each frame; over hundreds of frames a sharp cross through the zoom's centre
builds up and stays (a line through the centre maps onto itself). Here every output pixel reads
its exact source position (float64), so every row moves as the matrix says (benchmarks/look.md,
"The cross through the centre"). Each output pixel is computed on its own, in a fixed order, so
the output's bytes do not depend on thread counts. Whole-pixel moves are copies, bit for bit.
"""

import math

import numpy as np

# Border names -> codes of lanczos.source_index: reflect = d c b | a b c d (OpenCV's BORDER_REFLECT_101),
# wrap = the opposite edge, replicate = the edge pixel repeated.
BORDERS = {"reflect": 0, "wrap": 1, "replicate": 2}
PAD_MODES = {"reflect": "reflect", "wrap": "wrap", "replicate": "edge"}  # the same borders in np.pad


def _about(point, linear):
    """3x3 matrix applying the 2x2 `linear` map about `point` (which stays fixed)."""
    px, py = point
    shift = np.array([[1.0, 0.0, px], [0.0, 1.0, py], [0.0, 0.0, 1.0]])
    back = np.array([[1.0, 0.0, -px], [0.0, 1.0, -py], [0.0, 0.0, 1.0]])
    full = np.eye(3)
    full[:2, :2] = linear
    return shift @ full @ back


def seed_scale(width, height, zoom_speed):
    """The original project's zoom as scale factors (sx, sy): trimming width // zoom_speed and
    height // zoom_speed pixels per side and resizing back scales by size / (size - 2 * trim)."""
    if not zoom_speed:
        return 1.0, 1.0
    trim_x, trim_y = width // zoom_speed, height // zoom_speed
    if width - 2 * trim_x <= 0 or height - 2 * trim_y <= 0:
        raise ValueError(f"zoom_speed {zoom_speed} trims away the whole {width}x{height} frame")
    return width / (width - 2 * trim_x), height / (height - 2 * trim_y)


def matrix(
    width,
    height,
    zoom=1.0,
    angle=0.0,
    translate_x=0.0,
    translate_y=0.0,
    center=(0.5, 0.5),
    zoom_speed=0,
    trim_size=None,
):
    """2x3 float64 matrix, source -> destination pixel coordinates, for one frame step.
    `trim_size`: the (width, height) whose whole-pixel trims `zoom_speed` counts (default the
    frame's own); a draft preview passes the full size, so it zooms at the full render's pace.

    Applied in this order: the original project's zoom (zoom_speed, about the frame's middle, exactly the
    trims of frame.zoom: PIL's crop + resize maps destination centre x to source
    trim + (x + 0.5) * (w - 2 trim) / w - 0.5, which is a scale about (w - 1) / 2), then zoom
    and rotation about `center` (they commute), then the translation. See the module
    docstring for the signs."""
    if width <= 0 or height <= 0:
        raise ValueError(f"frame size {width}x{height} must be positive")
    if not zoom > 0:
        raise ValueError(f"zoom {zoom} must be > 0")
    middle = ((width - 1) / 2.0, (height - 1) / 2.0)
    sx, sy = seed_scale(*(trim_size or (width, height)), zoom_speed)
    seed = _about(middle, [[sx, 0.0], [0.0, sy]])

    # Counter-clockwise on screen: with y down, a point right of the centre moves up (y falls).
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)
    pivot = (center[0] * width - 0.5, center[1] * height - 0.5)
    turn = _about(pivot, [[zoom * cos, zoom * sin], [-zoom * sin, zoom * cos]])

    move = np.eye(3)
    move[:2, 2] = (translate_x * width, translate_y * height)
    return (move @ turn @ seed)[:2]


def is_still(m):
    """True when m is the identity (within 1e-12): nothing to resample."""
    return bool(np.max(np.abs(np.asarray(m, np.float64) - np.eye(3)[:2])) <= 1e-12)


def _whole_pixel_shift(m):
    """(dx, dy) when m is a pure translation by whole pixels (within 1e-9), else None."""
    m = np.asarray(m, np.float64)
    dx, dy = np.round(m[:, 2])
    if np.max(np.abs(m[:, :2] - np.eye(2))) > 1e-12 or np.max(np.abs(m[:, 2] - (dx, dy))) > 1e-9:
        return None
    return int(dx), int(dy)


def warp(pixels, m, border="reflect", threads=1):
    """Apply m (source -> destination) to an H x W x 3 image with one Lanczos warp, its rows in
    `threads` bands at once (the same bytes for any count).

    Returns float32, neither clipped nor rounded (Lanczos overshoots a little at edges;
    the caller decides when to round). An identity m returns the input as float32 untouched."""
    if border not in BORDERS:
        raise ValueError(f"border {border!r} is not one of {', '.join(BORDERS)}")
    image = np.asarray(pixels).astype(np.float32)  # float in, float out: no uint8 rounding inside
    if is_still(m):
        return image
    shift = _whole_pixel_shift(m)
    if shift is not None:  # a whole-pixel move: a copy (np.pad's modes are the same borders)
        height, width = image.shape[:2]
        dx, dy = shift
        pad = max(abs(dx), abs(dy))
        padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode=PAD_MODES[border])
        return padded[pad - dy : pad - dy + height, pad - dx : pad - dx + width]
    full = np.eye(3)
    full[:2] = np.asarray(m, np.float64)
    inverse = np.ascontiguousarray(np.linalg.inv(full)[:2])  # destination -> source, in float64
    from . import lanczos  # numba loads only when a frame moves, not for a dry run

    separable = inverse[0, 1] == 0.0 and inverse[1, 0] == 0.0  # zoom and pan: the same bytes, faster
    return (lanczos.warp_separable if separable else lanczos.warp)(
        np.ascontiguousarray(image), inverse, BORDERS[border], threads
    )
