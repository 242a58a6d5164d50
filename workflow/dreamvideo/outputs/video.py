"""Video out through the ffmpeg that imageio-ffmpeg ships: encode frames to H.264, mux audio."""

import subprocess

import imageio_ffmpeg
import numpy as np

from .. import files
from ..frame import pictures

# What a file holds is media.py's to read; video.streams, video.ffmpeg and video.MediaError stay
# importable here (the same objects).
from ..media import MediaError, ffmpeg, probe_audio, streams  # noqa: F401

# Audio codecs an MP4 holds as they are; anything else is encoded to AAC.
MP4_AUDIO = {"aac", "mp3", "alac", "ac3", "eac3"}


def encode_pixels(pixel_frames, out_path, fps, crf=18, preset=None):
    """uint8 H x W x 3 frames → H.264 yuv420p MP4 at `fps`, written atomically. `preset`: x264's
    speed/size trade-off (None: its default)."""
    with files.atomic(out_path) as tmp:
        writer, first = None, None
        try:
            for pixels in pixel_frames:
                if writer is None:
                    first = pixels.shape
                    writer = imageio_ffmpeg.write_frames(
                        str(tmp),
                        (first[1], first[0]),
                        fps=fps,
                        codec="libx264",
                        pix_fmt_out="yuv420p",
                        quality=None,
                        macro_block_size=2,
                        ffmpeg_log_level="error",
                        output_params=[
                            "-crf",
                            str(crf),
                            *(["-preset", preset] if preset else []),
                            "-movflags",
                            "+faststart",
                        ],
                    )
                    writer.send(None)
                if pixels.shape != first:
                    raise MediaError(f"a {pixels.shape[1]}x{pixels.shape[0]} frame differs from the first frame")
                writer.send(np.ascontiguousarray(pixels, dtype=np.uint8))
            if writer is None:
                raise MediaError("no frames to encode")
        finally:
            if writer is not None:
                writer.close()


def encode(frame_paths, out_path, fps, crf=18):
    """PNG frames → H.264 yuv420p MP4 at `fps`."""

    def read(path):
        pixels = pictures.read_frame(path)
        if pixels.shape != first:
            raise MediaError(f"{path}: {pixels.shape[1]}x{pixels.shape[0]} differs from the first frame")
        return pixels

    first = pictures.read_frame(frame_paths[0]).shape
    encode_pixels((read(path) for path in frame_paths), out_path, fps, crf)


def mux(video_path, audio_path, out_path, offset=0.0):
    """The video with the audio track, cut to the shorter of the two (`-shortest`); the audio
    stream is copied when MP4 can hold it, else encoded to AAC. Without audio: the video as is.
    `offset` > 0 starts the audio that many seconds in; < 0 delays it by that many seconds."""
    cmd = [ffmpeg(), "-y", "-v", "error", "-i", str(video_path)]
    if audio_path:
        copy = probe_audio(audio_path) in MP4_AUDIO and offset == 0  # a cut or delay is exact only re-encoded
        cmd += ["-ss", f"{offset:.6f}"] if offset > 0 else []  # decoded from there, exactly
        cmd += [
            "-i",
            str(audio_path),
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-c:v",
            "copy",
            "-c:a",
            *(["copy"] if copy else ["aac", "-b:a", "192k"]),
            "-shortest",
        ]
        cmd += ["-af", f"adelay={-offset * 1000:.3f}:all=1"] if offset < 0 else []  # silence first
    else:
        cmd += ["-map", "0:v:0", "-c", "copy"]
    with files.atomic(out_path) as tmp:
        done = subprocess.run(cmd + ["-movflags", "+faststart", str(tmp)], capture_output=True, text=True)
        if done.returncode:
            raise MediaError(f"ffmpeg could not mux {video_path} and {audio_path}: {done.stderr.strip()[-500:]}")
