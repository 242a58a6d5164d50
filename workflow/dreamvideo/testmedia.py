"""Synthetic media with known content, for the tests and the benchmarks (one definition each):
a click track whose beats are known, and a clip whose motion is known."""

import subprocess
import wave

import cv2
import numpy as np

from .outputs import video

SR = 44100  # samples per second of the sounds made here


def write_wav(path, samples, sr=SR):
    """Mono 16-bit WAV of float samples in -1..1."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sr)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def click_track(path, bpm=120.0, seconds=10.0, first=0.5):
    """Short 2 kHz blips every beat over quiet noise; returns the click times."""
    rng = np.random.default_rng(0)
    samples = rng.normal(0, 0.003, int(seconds * SR))
    times = np.arange(first, seconds - 0.2, 60.0 / bpm)
    blip = np.sin(2 * np.pi * 2000 * np.arange(int(0.03 * SR)) / SR) * np.exp(-np.arange(int(0.03 * SR)) / (0.006 * SR))
    for t in times:
        start = int(round(t * SR))
        samples[start : start + len(blip)] += 0.8 * blip
    write_wav(path, samples)
    return times


# The moving clip: a blurred random texture moving SPEED px/frame to the right.
WIDTH, HEIGHT, FRAMES, FPS, SPEED = 128, 96, 48, 24, 3


def make_clip(path, frames=FRAMES, fps=FPS, audio=True):
    """A blurred random texture moving SPEED px/frame to the right, with a 330 Hz tone."""
    rng = np.random.default_rng(0)
    wide = cv2.GaussianBlur(rng.random((HEIGHT + 20, WIDTH + SPEED * frames + 20, 3)).astype(np.float32), (0, 0), 3)
    wide = cv2.normalize(wide, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    left = 10 + SPEED * frames
    pictures = [
        np.ascontiguousarray(wide[10 : 10 + HEIGHT, left - SPEED * i : left - SPEED * i + WIDTH]) for i in range(frames)
    ]
    silent = path.with_name("silent.mp4")
    video.encode_pixels(pictures, silent, fps)
    tone = (
        ["-f", "lavfi", "-i", f"sine=frequency=330:duration={frames / fps}", "-map", "1:a", "-c:a", "aac"]
        if audio
        else []
    )
    subprocess.run(
        [video.ffmpeg(), "-y", "-v", "error", "-i", str(silent), *tone, "-map", "0:v", "-c:v", "copy", str(path)],
        check=True,
    )
    silent.unlink()
    return path
