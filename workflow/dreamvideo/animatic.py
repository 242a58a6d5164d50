"""The animatic: the plan's camera path and colour steering played on the seed image without
dreaming, in seconds instead of hours. Frames chain exactly as the render chains them (each
frame is rounded to uint8 before the next is made from it); nothing is drawn on them.
No TensorFlow here: this must stay fast to import and run on any machine."""

import os
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from .render import prepare  # imported by name: this module's own `render` is the animatic


def frames(seed_pixels, records):
    """Frame 0 is `seed_pixels` (H x W x 3 uint8, already fitted); frame i is frame i-1 moved and
    coloured by `render.prepare` with records[i], rounded and clipped to uint8."""
    pixels = np.ascontiguousarray(seed_pixels, dtype=np.uint8)
    size = records[0].get("size") if records and isinstance(records[0], dict) else None
    if size is not None and tuple(size) != (pixels.shape[1], pixels.shape[0]):
        raise ValueError(f"seed is {pixels.shape[1]}x{pixels.shape[0]}, the plan's size is {size[0]}x{size[1]}")
    yield pixels
    for record in records[1:]:
        pixels = np.clip(np.round(prepare(pixels, record)), 0, 255).astype(np.uint8)  # as dream.to_uint8
        yield pixels


def encode(pixel_frames, out_path, fps, crf=18):
    """Encode uint8 frames to an H.264 yuv420p MP4, written beside and renamed. video.encode's
    settings, duplicated (it reads PNG paths; these frames live in memory), plus the `veryfast`
    preset: a preview need not squeeze bytes, and encoding was a third of the run time."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.stem}.{os.getpid()}.tmp{out_path.suffix}")
    writer = None
    try:
        for pixels in pixel_frames:
            if writer is None:
                height, width = pixels.shape[:2]
                writer = imageio_ffmpeg.write_frames(
                    str(tmp), (width, height), fps=fps, codec="libx264", pix_fmt_out="yuv420p", quality=None,
                    macro_block_size=2, ffmpeg_log_level="error",
                    output_params=["-crf", str(crf), "-preset", "veryfast", "-movflags", "+faststart"])
                writer.send(None)
            writer.send(np.ascontiguousarray(pixels, dtype=np.uint8))
        if writer is None:
            raise ValueError("no frames to encode")
        writer.close()
        os.replace(tmp, out_path)
    except BaseException:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
        raise


def render(seed_pixels, records, fps, out_path, crf=18):
    """The animatic of a plan's records as an MP4: one video frame per record."""
    encode(frames(seed_pixels, records), out_path, fps, crf)
