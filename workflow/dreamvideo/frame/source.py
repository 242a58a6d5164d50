"""A source video to dream on: what it holds (read from its header, so a plan is quick) and its
frames, extracted once at the dream's fps and size by the ffmpeg that imageio-ffmpeg ships."""

import subprocess

import numpy as np

from .. import media
from . import pictures


def probe(path):
    """{'duration': s, 'fps': frames/s, 'size': (w, h), 'audio': bool} from the container header;
    MediaError (one line) for a missing file, a file that is no video, or one without a duration."""
    found = media.probe(path)  # MediaError when missing
    if not found["streams"]["video"]:
        raise media.MediaError(f"{path}: has no video stream")
    if None in (found["size"], found["fps"], found["duration"]):
        raise media.MediaError(f"{path}: ffmpeg reads no frame size, frame rate and duration from it (is it a video?)")
    return {
        "duration": found["duration"],
        "fps": found["fps"],
        "size": found["size"],
        "audio": bool(found["streams"]["audio"]),
    }


def frame_count(duration, fps, start=0.0, end=None):
    """Frames of the part [start, end) at `fps`, rounded: headers round durations to 10 ms, so a
    clip of one frame at 24 fps says 0.04 s (ffmpeg's fps filter rounds the same way)."""
    end = duration if end is None else min(end, duration)
    return max(0, round((end - start) * fps))


def extract(path, out_dir, count, fps, size, start=0.0):
    """Write `count` frames of the video from `start` at `fps` (ffmpeg's fps filter, which also
    makes a variable frame rate constant) as `out_dir`/000000.png, ..., each fitted to `size` like
    a seed image. If the stream ends a frame or two early (container durations round), its last
    frame repeats."""
    out_paths = [f"{out_dir}/{index:06d}.png" for index in range(count)]
    width, height = probe(path)["size"]
    cmd = [
        media.ffmpeg(),
        "-v",
        "error",
        "-ss",
        f"{start:.6f}",
        "-i",
        str(path),
        "-map",
        "0:v:0",
        "-vf",
        f"fps={fps}",
        "-frames:v",
        str(len(out_paths)),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ]
    count, last = 0, None
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        for out in out_paths:  # one frame at a time: a long clip never sits in memory
            data = proc.stdout.read(width * height * 3)
            if len(data) < width * height * 3:
                break
            last = np.frombuffer(data, np.uint8).reshape(height, width, 3)
            pictures.write_frame(pictures.fit(last, size), out)
            count += 1
        error = proc.stderr.read().decode(errors="replace")
    if count == 0:
        raise media.MediaError(f"{path}: no frames from {start:g} s on ({' '.join(error.split())[-200:] or 'empty'})")
    if count < len(out_paths) - 2:
        raise media.MediaError(f"{path}: {count} frames where its header promised {len(out_paths)}")
    for out in out_paths[count:]:
        pictures.write_frame(pictures.fit(last, size), out)
