"""Video out through the ffmpeg that imageio-ffmpeg ships: encode frames to H.264, mux audio."""

import os
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from . import frame

# Audio codecs an MP4 holds as they are; anything else is encoded to AAC.
MP4_AUDIO = {"aac", "mp3", "alac", "ac3", "eac3"}


class MediaError(ValueError):
    pass


def ffmpeg():
    return imageio_ffmpeg.get_ffmpeg_exe()


def streams(path):
    """{'video': [codec, ...], 'audio': [codec, ...]} as ffmpeg reads the file."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    done = subprocess.run([ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    found = {"video": [], "audio": []}
    for kind, codec in re.findall(r"Stream #\S+.*?: (Video|Audio): (\w+)", done.stderr):
        found[kind.lower()].append(codec)
    return found


def probe_audio(path):
    """The codec of the file's first audio stream; MediaError if it has none."""
    audio = streams(path)["audio"]
    if not audio:
        raise MediaError(f"{path}: has no audio stream")
    return audio[0]


def _temporary(path):
    path = Path(path)
    return path.with_name(f".{path.stem}.tmp{path.suffix}")


def encode(frame_paths, out_path, fps, crf=18):
    """PNG frames → H.264 yuv420p MP4 at `fps` (written beside, then renamed)."""
    first = frame.read_frame(frame_paths[0])
    height, width = first.shape[:2]
    tmp = _temporary(out_path)
    writer = imageio_ffmpeg.write_frames(
        str(tmp), (width, height), fps=fps, codec="libx264", pix_fmt_out="yuv420p", quality=None,
        macro_block_size=2, ffmpeg_log_level="error", output_params=["-crf", str(crf), "-movflags", "+faststart"],
    )
    writer.send(None)
    for path in frame_paths:
        pixels = frame.read_frame(path)
        if pixels.shape != first.shape:
            raise MediaError(f"{path}: {pixels.shape[1]}x{pixels.shape[0]} differs from the first frame")
        writer.send(np.ascontiguousarray(pixels))
    writer.close()
    os.replace(tmp, out_path)


def mux(video_path, audio_path, out_path):
    """The video with the audio track, cut to the shorter of the two (`-shortest`); the audio
    stream is copied when MP4 can hold it, else encoded to AAC. Without audio: the video as is."""
    tmp = _temporary(out_path)
    cmd = [ffmpeg(), "-y", "-v", "error", "-i", str(video_path)]
    if audio_path:
        copy = probe_audio(audio_path) in MP4_AUDIO
        cmd += ["-i", str(audio_path), "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy",
                "-c:a", *(["copy"] if copy else ["aac", "-b:a", "192k"]), "-shortest"]
    else:
        cmd += ["-map", "0:v:0", "-c", "copy"]
    cmd += ["-movflags", "+faststart", str(tmp)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        tmp.unlink(missing_ok=True)
        raise MediaError(f"ffmpeg could not mux {video_path} and {audio_path}: {done.stderr.strip()[-500:]}")
    os.replace(tmp, out_path)
