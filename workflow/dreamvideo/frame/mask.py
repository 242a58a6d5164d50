"""Masks: where a frame dreams. A mask is a greyscale image, or a video whose frame i masks the
dream's frame i: white dreams fully, black keeps the frame as the camera and colour made it,
greys blend. `mask_invert` swaps white and black, `mask_feather` (pixels of the full-size frame)
softens the edge with a Gaussian of that sigma, `mask_strength` (0..1, a schedule) is how much of
the dream shows where the mask is white.

A frame's record holds its mask as plain numbers and paths: "mask" is a list of layers
{"path" (an image) or "folder" + "frame" (a video's extracted frames), "invert", "feather",
"weight"} and "mask_open" the share that dreams everywhere, so the
dream's share at a pixel is mask_open + sum(weight x layer). One segment's mask is one layer of
weight `mask_strength` (mask_open 0); a transition between a masked and an unmasked segment (or
two masks) cross-fades the two."""

import math

import cv2
import numpy as np

from .. import layout
from . import pictures

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".gif")
ASPECT_TOLERANCE = 0.01  # a mask may differ from the frame's aspect ratio by 1 % (rounding of sizes)


def is_video(path):
    return str(path).lower().endswith(VIDEO_SUFFIXES)


def check_shape(natural, size, what):
    """Refuses a mask whose aspect ratio is not the video's (a stretched or cropped mask would
    not line up with what the artist painted over): one line naming both sizes."""
    ratio, wanted = natural[0] / natural[1], size[0] / size[1]
    if abs(ratio / wanted - 1) > ASPECT_TOLERANCE:
        raise ValueError(
            f"{what} is {natural[0]}x{natural[1]}, not the video's shape {size[0]}x{size[1]}: "
            f"make the mask {size[0]}x{size[1]} (or any size of that aspect ratio)"
        )


def check_image(path, size):
    """A mask image's errors (missing, unreadable, another shape) as one ValueError line."""
    try:
        pixels = pictures.read_rgb(path)
    except pictures.ImageError as err:
        raise ValueError(str(err)) from None
    check_shape(pixels.shape[1::-1], size, path)


def check_video(path, size, fps, frames_needed):
    """A mask video's errors: missing, not a video, another shape, or too short to give a mask to
    each of the `frames_needed` first frames of the dream at `fps`."""
    from . import source

    info = source.probe(path)  # media.MediaError, one line
    check_shape(info["size"], size, path)
    have = source.frame_count(info["duration"], fps)
    if have < frames_needed:
        raise ValueError(
            f"{path} has {have} frames at {fps:g} fps and the dream needs {frames_needed} of it "
            f"(its frame i masks the dream's frame i): give a longer mask video"
        )


def read(path, size):
    """A mask file → H x W float32 in 0..1 at `size` (width, height): luma of the image, scaled
    (the same aspect ratio, check_shape) with area averaging."""
    grey = cv2.cvtColor(pictures.read_rgb(path), cv2.COLOR_RGB2GRAY)
    if grey.shape[1::-1] != tuple(size):
        grey = cv2.resize(grey, tuple(size), interpolation=cv2.INTER_AREA)
    return grey.astype(np.float32) / 255.0


def layer(record_layer, size):
    """One of a record's mask layers as H x W float32 0..1: read, inverted, feathered."""
    mask = read(path(record_layer), size)
    if record_layer["invert"]:
        mask = 1.0 - mask
    sigma = record_layer["feather"]
    if sigma > 0:
        radius = max(1, math.ceil(3 * sigma))
        mask = cv2.GaussianBlur(mask, (2 * radius + 1, 2 * radius + 1), sigma, borderType=cv2.BORDER_REPLICATE)
    return mask


def share(record, size):
    """The dream's share per pixel (H x W x 1 float32, 0..1) of a record with a mask."""
    total = np.full(tuple(size)[::-1], record.get("mask_open", 0.0), np.float32)
    for item in record["mask"]:
        total += np.float32(item["weight"]) * layer(item, size)
    return np.clip(total, 0.0, 1.0)[..., None]


def apply(dreamed, undreamed, record):
    """The frame a masked record makes: the undreamed frame (as the camera and colour made it)
    where the mask is black, the dream where it is white, blended between."""
    if not record.get("mask"):
        return dreamed
    height, width = dreamed.shape[:2]
    weight = share(record, (width, height))
    return undreamed + weight * (dreamed - undreamed)


def path(record_layer):
    """The file a mask layer reads: its image, or its frame of a mask video's extracted frames."""
    if "folder" in record_layer:
        return layout.indexed(record_layer["folder"], record_layer["frame"])
    return record_layer["path"]
