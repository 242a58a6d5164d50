"""Optical flow between source video frames (OpenCV): computed, saved, loaded, warped along, and
the warping error it measures a video's coherence by (carrying a dream along it: carry.py).

For frame t the flow is *backward*: for each pixel x of source frame t, `flow[x]` is where that
pixel was in frame t-1, so `warp(image_of_t-1, flow)` lines frame t-1's content up with frame t.
A forward-backward check marks where that fails (areas that were hidden in t-1, or moved out of
the picture): the mask is 0 there, 1 where the flow holds."""

import cv2
import numpy as np

from .. import files, layout
from . import pictures

METHODS = ("dis", "farneback", "none")


def _gray(pixels):
    return cv2.cvtColor(np.ascontiguousarray(pixels, dtype=np.uint8), cv2.COLOR_RGB2GRAY)


def _flow(a, b, method):
    """OpenCV's flow from gray image a to b: a(x) ≈ b(x + flow(x))."""
    if method == "dis":
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        return dis.calc(a, b, None)
    if method == "farneback":
        return cv2.calcOpticalFlowFarneback(
            a, b, None, pyr_scale=0.5, levels=4, winsize=21, iterations=3, poly_n=7, poly_sigma=1.5, flags=0
        )
    raise ValueError(f"unknown flow method {method!r} (one of {', '.join(METHODS)})")


RESAMPLE = {"lanczos": cv2.INTER_LANCZOS4, "cubic": cv2.INTER_CUBIC, "bilinear": cv2.INTER_LINEAR}


def warp(image, flow, border=cv2.BORDER_REPLICATE, resample="bilinear"):
    """`image` (of frame t-1) resampled onto frame t's pixels along the backward `flow`
    (`resample`: one of RESAMPLE; bilinear for the flow itself and for the warping error)."""
    height, width = flow.shape[:2]
    grid = np.stack(np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)), -1)
    target = grid + flow
    return cv2.remap(np.ascontiguousarray(image), target[..., 0], target[..., 1], RESAMPLE[resample], borderMode=border)


def backward(previous, current, method="dis"):
    """(flow, mask) from source frame t-1 to t: float32 H x W x 2 and float32 H x W in 0..1.
    Consistency test (Sundaram et al. 2010, as in Ruder et al.'s video style transfer): the
    forward flow at the point the backward flow lands on must undo it, up to a tolerance that
    grows with the motion; the mask is softened by 1 px so seams do not show."""
    a, b = _gray(previous), _gray(current)
    back = _flow(b, a, method)  # b(x) ≈ a(x + back(x)): where frame t's pixel was in t-1
    forth = warp(_flow(a, b, method), back)  # the forward flow, read where each pixel came from
    error = np.sum((back + forth) ** 2, axis=-1)
    tolerance = 0.01 * (np.sum(back**2, axis=-1) + np.sum(forth**2, axis=-1)) + 0.5
    height, width = back.shape[:2]
    land = back + np.stack(np.meshgrid(np.arange(width), np.arange(height)), -1)
    inside = (land[..., 0] >= 0) & (land[..., 0] <= width - 1) & (land[..., 1] >= 0) & (land[..., 1] <= height - 1)
    mask = ((error <= tolerance) & inside).astype(np.float32)
    return back.astype(np.float32), cv2.GaussianBlur(mask, (3, 3), 0)


def save(path, flow, mask):
    """float16 flow (1/500 px steps at 10 px of motion is plenty) and an 8-bit mask."""
    with files.atomic(path) as tmp, open(tmp, "wb") as stream:
        np.savez_compressed(stream, flow=flow.astype(np.float16), mask=np.round(mask * 255).astype(np.uint8))


def load(path):
    with np.load(path, allow_pickle=False) as data:
        return data["flow"].astype(np.float32), data["mask"].astype(np.float32) / 255.0


def compute_folder(source_dir, out_dir, count, method, threads=None):
    """The flow into each of frames 1..count-1 of `source_dir` (000000.png, ...) as
    `out_dir`/<index>.npz, on `threads` of OpenCV's threads (its flow's bytes do not depend on
    how many: checked for 1, 2, 4 and 8)."""
    if threads:
        cv2.setNumThreads(threads)
    for index in range(1, count):
        pair = [pictures.read_frame(layout.indexed(source_dir, index + k - 1)) for k in (0, 1)]
        save(layout.indexed(out_dir, index, ".npz"), *backward(*pair, method))


def warping_error(outputs, flows):
    """Temporal warping error of a video: the mean absolute difference (0..255) between each
    output frame and the previous output frame carried along the source's flow, over the pixels
    where the flow holds. `flows[t]` is (flow, mask) from frame t-1 to t (flows[0] unused)."""
    errors = []
    for t in range(1, len(outputs)):
        flow, mask = flows[t]
        moved = warp(outputs[t - 1].astype(np.float32), flow)
        diff = np.abs(outputs[t].astype(np.float32) - moved).mean(axis=-1)
        errors.append(float((diff * mask).sum() / max(mask.sum(), 1.0)))
    return float(np.mean(errors))
