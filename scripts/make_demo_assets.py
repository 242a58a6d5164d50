"""Make the demo's seed image and soundtrack (project code, no third-party material):

    python scripts/make_demo_assets.py [--out dreams/fractal_light] [--clip dreams/julia_flight]

img_0.jpg: a 640x360 Julia set in soft light colours; soundtrack.flac: 12 s of synthesised
chords with a kick drum and hi-hats at 120 BPM from 2 s on (the beat the demo's zoom and step size
follow). Both are byte-stable across runs.

julia_flight/clip.mp4, the video demo's footage: 3 s at 24 fps, 320x180, a camera gliding and
slowly closing in over a larger Julia set while a glowing ball rolls across in front of it (motion
of its own, and ground it hides and reveals), with seconds 2 to 5 of the soundtrack. Its bytes
depend on the x264 build; the pictures do not."""

import argparse
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parents[1]
RATE = 44100


def julia(width=640, height=360, c=complex(-0.745, 0.186), iterations=160):
    """Smooth escape-time colouring of a Julia set: bands of warm and cool light."""
    y, x = np.mgrid[-0.7 : 0.7 : height * 1j, -1.25 : 1.25 : width * 1j]
    z = x + 1j * y
    smooth = np.zeros(z.shape)
    alive = np.ones(z.shape, bool)
    for i in range(iterations):
        z[alive] = z[alive] ** 2 + c
        escaped = alive & (np.abs(z) > 4.0)
        smooth[escaped] = i + 1 - np.log2(np.log(np.abs(z[escaped])))
        alive &= ~escaped
    smooth[alive] = iterations
    t = np.sqrt(smooth / iterations)  # spread the bands near the set
    palette = np.stack(
        [
            0.55 + 0.45 * np.cos(2 * np.pi * (3 * t + 0.00)),
            0.50 + 0.40 * np.cos(2 * np.pi * (3 * t + 0.25)),
            0.55 + 0.45 * np.cos(2 * np.pi * (3 * t + 0.55)),
        ],
        axis=-1,
    )
    glow = np.clip(0.6 + t, 0.6, 1.0)[..., None]  # light, never black
    pixels = np.clip(255 * palette * glow, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(0.6))


def drums(t, bpm=120.0, start=2.0):
    """A kick on every beat (a 150 -> 45 Hz sine sweep) and a hi-hat between beats (noise
    bursts, 8 kHz and up), from `start` seconds on; mono."""
    out = np.zeros_like(t)
    beat = 60.0 / bpm
    noise = np.random.default_rng(1).normal(0, 1, int(0.04 * RATE))
    hat = np.diff(noise, 2, prepend=0, append=0)[: len(noise)] * np.exp(-np.arange(len(noise)) / (0.008 * RATE))
    for n in range(int((t[-1] - start) / beat) + 1):
        at = int(round((start + n * beat) * RATE))
        x = t[: min(int(0.25 * RATE), len(t) - at)]
        phase = 2 * np.pi * (45 * x + (150 - 45) * 0.04 * (1 - np.exp(-x / 0.04)))  # the sweep's integral
        out[at : at + len(x)] += 0.9 * np.sin(phase) * np.exp(-x / 0.09)
        off = at + int(round(beat / 2 * RATE))
        out[off : off + len(hat)] += 0.05 * hat[: max(0, len(t) - off)]
    return out


def soundtrack(seconds=12.0):
    """Slow pad chords (Am - F - C - G) with a soft arpeggio and, from 2 s, drums; stereo, gentle fades."""
    t = np.arange(int(seconds * RATE)) / RATE
    chords = [[220.0, 261.63, 329.63], [174.61, 220.0, 261.63], [130.81, 196.0, 261.63], [196.0, 246.94, 293.66]]
    bar = seconds / len(chords)
    left = np.zeros_like(t)
    right = np.zeros_like(t)
    for n, chord in enumerate(chords):
        span = (t >= n * bar) & (t < (n + 1) * bar + 0.5)
        local = t[span] - n * bar
        # raised-cosine release that reaches exactly zero at the end of the span: no click
        release = 0.5 + 0.5 * np.cos(np.pi * np.clip((local - bar) / 0.5, 0, 1))
        envelope = np.minimum(1, local / 0.8) * release
        for k, f in enumerate(chord):
            left[span] += envelope * np.sin(2 * np.pi * f * local) / 3
            right[span] += envelope * np.sin(2 * np.pi * f * 1.003 * local + k) / 3
        for step in range(6):  # arpeggio notes an octave up
            start = n * bar + step * bar / 6
            note = (t >= start) & (t < start + bar / 6)
            f = 2 * chord[step % 3]
            x = t[note] - start
            # 10 ms attack and a taper to zero at the note's end, so notes join without clicks
            decay = np.minimum(1, x / 0.01) * np.exp(-x * 5) * (1 - x / (bar / 6))
            tone = 0.25 * decay * np.sin(2 * np.pi * f * x)
            left[note] += tone * (0.4 + 0.1 * step)
            right[note] += tone * (1.0 - 0.1 * step)
    kit = drums(t)
    fade = np.minimum(1, np.minimum(t / 1.0, (seconds - t) / 1.5))
    stereo = np.stack([left + kit, right + kit], 1) * fade[:, None]
    stereo *= 0.7 / np.abs(stereo).max()  # peak about -3 dBFS
    return (stereo * 32767).astype("<i2")


def write_flac(samples, path):
    """Encode s16le stereo through ffmpeg; the bitexact flags keep the bytes stable across runs."""
    import imageio_ffmpeg

    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-y",
        "-v",
        "error",
        "-f",
        "s16le",
        "-ar",
        str(RATE),
        "-ac",
        "2",
        "-i",
        "-",
        "-c:a",
        "flac",
        "-fflags",
        "+bitexact",
        "-flags:a",
        "+bitexact",
        "-map_metadata",
        "-1",
        str(path),
    ]
    subprocess.run(cmd, input=samples.tobytes(), check=True)


def clip(frames=72, size=(320, 180)):
    """The video demo's frames: a window over a 960x540 Julia set that pans right and down and
    closes in 0.3 % a frame, and a ball (radius 22 px) crossing from left to right."""
    world = np.asarray(julia(960, 540, c=complex(-0.8, 0.156)), np.float32)
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    out = []
    for i in range(frames):
        scale = 1.6 * 0.997**i  # world pixels per clip pixel
        cx, cy = 380 + 2.5 * i, 250 + 0.8 * i
        m = np.float32([[scale, 0, cx - scale * width / 2], [0, scale, cy - scale * height / 2]])
        view = cv2.warpAffine(
            world, m, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT
        )
        bx, by = -30 + 5.5 * i, 95 + 25 * np.sin(i / 9)
        ball = np.clip(23 - np.hypot(xx - bx, yy - by), 0, 1)[..., None]  # 1 inside, a 1 px soft edge
        shade = np.clip(1.15 - np.hypot(xx - bx + 8, yy - by + 8) / 40, 0.4, 1)[..., None]
        out.append(np.clip(view * (1 - ball) + ball * shade * np.float32([255, 230, 160]), 0, 255).astype(np.uint8))
    return out


def write_clip(pictures, audio_path, path, start=2.0):
    """H.264 frames at 24 fps with `audio_path` from `start` s, as AAC, for as long as the frames last."""
    import imageio_ffmpeg

    from dreamvideo.outputs import video

    silent = path.with_name("silent.mp4")
    video.encode_pixels(pictures, silent, 24)
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-y",
        "-v",
        "error",
        "-i",
        str(silent),
        "-ss",
        str(start),
        "-i",
        str(audio_path),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "copy",
        "-c:a",
        "aac",
        "-b:a",
        "160k",
        "-shortest",
        "-map_metadata",
        "-1",
        str(path),
    ]
    subprocess.run(cmd, check=True)
    silent.unlink()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=str(REPO / "dreams/fractal_light"))
    p.add_argument("--clip", default=str(REPO / "dreams/julia_flight"))
    args = p.parse_args()
    out, clip_dir = Path(args.out), Path(args.clip)
    out.mkdir(parents=True, exist_ok=True)
    clip_dir.mkdir(parents=True, exist_ok=True)
    julia().save(out / "img_0.jpg", quality=92)
    write_flac(soundtrack(), out / "soundtrack.flac")
    write_clip(clip(), out / "soundtrack.flac", clip_dir / "clip.mp4")
    print(f"wrote {out / 'img_0.jpg'}, {out / 'soundtrack.flac'} and {clip_dir / 'clip.mp4'}", file=sys.stderr)


if __name__ == "__main__":
    main()
