"""The look of a frame, measured: contrast, colourfulness, fine detail and the change from the
frame before. A dream video should hold these over thousands of frames; these numbers say
whether it does (scripts/benchmark_look.py, dreams/<name>/look.csv).

All take an RGB frame H x W x 3 in 0..255 (uint8 or float) and return a float:
  contrast       std of luma (0.299 R + 0.587 G + 0.114 B)
  colourfulness  Hasler & Süsstrunk (2003): hypot(std(rg), std(yb)) + 0.3 hypot(mean(rg), mean(yb)),
                 rg = R - G, yb = (R + G) / 2 - B
  detail         mean |Laplacian(luma)| (OpenCV's 3x3 aperture): fine structure, what blur removes
  change         mean |frame - previous| over all channels: motion and flicker
"""

import cv2
import numpy as np

METRICS = ("contrast", "colourfulness", "detail", "change")
LUMA = np.array([0.299, 0.587, 0.114], np.float64)


def _float(pixels):
    image = np.asarray(pixels, np.float64)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"a frame is H x W x 3, not {image.shape}")
    return image


def luma(pixels):
    return _float(pixels) @ LUMA


def contrast(pixels):
    return float(luma(pixels).std())


def colourfulness(pixels):
    image = _float(pixels)
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def detail(pixels):
    return float(np.abs(cv2.Laplacian(luma(pixels), cv2.CV_64F, ksize=1)).mean())


def change(pixels, previous):
    """Mean absolute difference to the previous frame (None: no previous, 0.0)."""
    if previous is None:
        return 0.0
    return float(np.abs(_float(pixels) - _float(previous)).mean())


def measure(pixels, previous=None):
    """All metrics of one frame as a dict (see METRICS)."""
    return {"contrast": contrast(pixels), "colourfulness": colourfulness(pixels), "detail": detail(pixels),
            "change": change(pixels, previous)}


def ratio(values, early=(10, 30), late=40):
    """How well a curve holds: mean of its last `late` values / mean of values early[0]..early[1]
    (frames 10-30 by default: after the seed frame, once the dream has started)."""
    values = np.asarray(values, np.float64)
    start = values[early[0]:early[1] + 1].mean()
    return float(values[-late:].mean() / start) if start else float("nan")
