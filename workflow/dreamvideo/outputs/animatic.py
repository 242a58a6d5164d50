"""The animatic: the plan's camera path and colour steering played on the seed image without
dreaming, in seconds instead of hours. Frames chain exactly as the render chains them (each
frame is rounded to uint8 before the next is made from it); nothing is drawn on them.
No TensorFlow here: this must stay fast to import and run on any machine."""

import numpy as np

from ..frame import pictures
from ..frame.render import prepare  # imported by name: this module's own `render` is the animatic
from ..plan.records import dreams
from . import video


def frames(seed_pixels, records):
    """One frame per record: the first record that shows no dream (the seed image) shows
    `seed_pixels` (H x W x 3 uint8, already fitted to its size), a later one (a cut) its own image
    fitted; each other the frame before moved and coloured by `render.prepare`, rounded and clipped
    to uint8 as a saved frame is."""
    pixels = None
    for record in records:
        if dreams(record):
            pixels = pictures.to_uint8(prepare(pixels, record))
        elif pixels is None:
            pixels = np.ascontiguousarray(seed_pixels, dtype=np.uint8)
            size = record["size"]
            if tuple(size) != (pixels.shape[1], pixels.shape[0]):
                raise ValueError(f"seed is {pixels.shape[1]}x{pixels.shape[0]}, the plan's size is {size[0]}x{size[1]}")
        else:
            pixels = pictures.fit(pictures.read_rgb(record["seed_image"]), record["size"])
        yield pixels


def render(seed_pixels, records, fps, out_path, crf=18):
    """The animatic of a plan's records as an MP4: one video frame per record."""
    # x264's `veryfast`: a preview need not squeeze bytes, and encoding was a third of the run.
    video.encode_pixels(frames(seed_pixels, records), out_path, fps, crf, preset="veryfast")


def render_plan(plan, out_path, crf=18):
    """The animatic of a frame plan (plan/frames.py: Plan): its seed image fitted to the video size, moved."""
    if plan.video:
        raise ValueError(
            f"{plan.name} dreams a video, whose motion is its footage: motion.mp4 is for image dreams "
            f"(see dreams/{plan.name}/preview.mp4 instead)"
        )
    render(pictures.fit(pictures.read_rgb(plan.seed_image), plan.size), plan.frames, plan.fps, out_path, crf)
