"""What a media file holds, as the ffmpeg that imageio-ffmpeg ships reads it. That ffmpeg comes
without ffprobe: `ffmpeg -i FILE` describes the file's streams, duration, frame rate and frame
size on stderr, and this module is the one reader of that description (the soundtrack's check,
a source video's header, the mux's choice of audio codec)."""

import re
import subprocess
from pathlib import Path

import imageio_ffmpeg


class MediaError(ValueError):
    """A media file that is missing or does not hold what it should; its message is one line."""


def ffmpeg():
    """The path of the ffmpeg executable imageio-ffmpeg ships."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def describe(path):
    """ffmpeg's description of the file (what `ffmpeg -i` prints on stderr); MediaError when the
    file is missing."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    return subprocess.run([ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


def probe(path):
    """{'streams': {'video': [codec, ...], 'audio': [codec, ...]}, 'duration': s, 'fps': frames/s,
    'size': (w, h)} as ffmpeg reads the file, fps and size those of its first video stream; each
    of duration, fps and size None where ffmpeg reads none. MediaError when the file is missing."""
    text = describe(path)
    found = {"video": [], "audio": []}
    for kind, codec in re.findall(r"Stream #\S+.*?: (Video|Audio): (\w+)", text):
        found[kind.lower()].append(codec)
    stream = re.search(r"Stream #\S+.*?: Video: .*", text)
    stream = stream[0] if stream else ""
    size = re.search(r", (\d{2,5})x(\d{2,5})", stream)
    rate = re.search(r", ([\d.]+)(k?) fps", stream) or re.search(r", ([\d.]+)(k?) tbr", stream)
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", text)
    if duration:
        h, m, s = duration.groups()
        duration = int(h) * 3600 + int(m) * 60 + float(s)
    return {
        "streams": found,
        "duration": duration,
        "fps": float(rate[1]) * (1000 if rate[2] else 1) if rate else None,
        "size": (int(size[1]), int(size[2])) if size else None,
    }


def streams(path):
    """{'video': [codec, ...], 'audio': [codec, ...]} as ffmpeg reads the file."""
    return probe(path)["streams"]


def probe_audio(path):
    """The codec of the file's first audio stream; MediaError if it has none."""
    audio = streams(path)["audio"]
    if not audio:
        raise MediaError(f"{path}: has no audio stream")
    return audio[0]
