"""Music analysis: how well, and how fast; writes benchmarks/music.md.

- beat accuracy on generated click tracks at several tempos and frame rates: the share of clicks
  whose `beat` peak lies within ±1 frame, peaks with no click, and the tempo error;
- on the demo's render (if dreams/fractal_light/frames/ holds it): the mean change from the previous
  frame on beat frames and between them;
- speed for a 3-minute song (the demo soundtrack looped, as FLAC and MP3): decode + analysis the
  first time (a fresh process, librosa's compiled kernels already cached), the cached read, and
  `snakemake -n` of a 4,320-frame dream (3 min at 24 fps) whose zoom follows the beat, uncached and
  cached, beside the same dream without music.

    python -m benchmarks.music"""

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from dreamvideo import cpu, media
from dreamvideo.frame import pictures
from dreamvideo.plan import audio, spec
from dreamvideo.testmedia import click_track

from . import report
from .base import REPO, SEED, snakemake

DEMO = "fractal_light"


def beat_accuracy(tmp):
    rows = []
    for bpm in (90, 120, 128, 140, 174):
        path = tmp / f"clicks{bpm}.wav"
        times = click_track(path, bpm=bpm, seconds=20.0)
        result = audio.analyse(audio.decode(path), (250, 4000))
        for fps in (24, 30):
            peaks = np.flatnonzero(audio.per_frame(result, fps, 20 * fps)["beat"] == 1.0)
            expected = np.round(times * fps)
            hit = np.mean([np.abs(peaks - e).min() <= 1 for e in expected])
            stray = sum(np.abs(expected - p).min() > 1 for p in peaks)
            rows.append((bpm, fps, len(expected), hit, stray, result["tempo"]))
            print(
                f"{bpm} BPM at {fps} fps: {100 * hit:.0f} % of {len(expected)} clicks within ±1 frame, "
                f"{stray} stray peaks, tempo {result['tempo']:.2f}",
                flush=True,
            )
    return rows


def demo_change():
    """Mean |frame i - frame i-1| on the demo's beat frames vs the others, after its drums start."""
    os.chdir(REPO)
    plan = spec.plan_for(DEMO)
    paths = [Path(p) for p in plan.frame_paths()]
    if not all(p.exists() for p in paths):
        return None
    beat = plan.features()["beat"]
    pixels = [pictures.read_frame(p).astype(np.float32) for p in paths]
    change = np.array([0.0] + [np.abs(b - a).mean() for a, b in zip(pixels, pixels[1:])])
    drums = np.arange(len(paths)) >= 48  # the kick starts at 2 s
    on, off = change[drums & (beat == 1.0)], change[drums & (beat == 0.0)]
    print(
        f"demo: mean change {on.mean():.2f} on {len(on)} beat frames, {off.mean():.2f} on {len(off)} frames "
        f"without beat (0..255)",
        flush=True,
    )
    return on.mean(), len(on), off.mean(), len(off)


def song(tmp, seconds=180):
    """The demo soundtrack looped to `seconds`, as FLAC and MP3."""
    out = {}
    for ext, codec in (("flac", ["-c:a", "flac"]), ("mp3", ["-c:a", "libmp3lame", "-b:a", "192k"])):
        out[ext] = tmp / f"song.{ext}"
        subprocess.run(
            [
                media.ffmpeg(),
                "-v",
                "error",
                "-stream_loop",
                "-1",
                "-i",
                str(REPO / f"dreams/{DEMO}/soundtrack.flac"),
                "-t",
                str(seconds),
                *codec,
                str(out[ext]),
            ],
            check=True,
        )
    return out


def fresh(code):
    """Seconds for `code` in a fresh Python process (imports included)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    return time.perf_counter() - start


def dry_run(root, use_music):
    zoom, snap = ('"1.01 + 0.02*beat"', ", snap: beat") if use_music else ("1.01", "")
    (root / "config/dreams/m.yaml").write_text(
        f"size: [96, 64]\nfps: 24\naudio: dreams/m/song.flac\ndefaults: {{zoom: {zoom}}}\n"
        f"segments:\n  - {{seconds: 90, layer: 3}}\n  - {{seconds: 90, layer: 6{snap}}}\n"
    )
    return snakemake(root, "--cores", "1", "-n", "dreams/m/final.mp4")[0]


def speed(tmp):
    files = song(tmp)
    rows = {}
    for ext, path in files.items():
        cache = tmp / f"cache-{ext}"
        rows[f"decode + analyse 3 min {ext.upper()}, fresh process"] = fresh(
            f"from dreamvideo.plan import audio; audio.analysis({str(path)!r}, cache={str(cache)!r})"
        )
        rows[f"cached read, fresh process ({ext.upper()})"] = fresh(
            f"from dreamvideo.plan import audio; audio.analysis({str(path)!r}, cache={str(cache)!r})"
        )
    root = tmp / "project"
    (root / "config/dreams").mkdir(parents=True)
    (root / "dreams/m").mkdir(parents=True)
    shutil.copy(REPO / "config/config.yaml", root / "config/config.yaml")
    shutil.copy(SEED, root / "dreams/m/img_0.jpg")
    shutil.copy(files["flac"], root / "dreams/m/song.flac")
    rows["`snakemake -n`, 4,320 frames, no music feature"] = dry_run(root, False)
    rows["`snakemake -n`, 4,320 frames, zoom on the beat + snap, first time"] = dry_run(root, True)
    rows["`snakemake -n`, the same, analysis cached"] = dry_run(root, True)
    for name, seconds in rows.items():
        print(f"{name}: {seconds:.2f} s", flush=True)
    return rows


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        accuracy = beat_accuracy(tmp)
        change = demo_change()
        times = speed(tmp)
    import librosa

    lines = [
        "# Music analysis",
        "",
        f"Written by `python -m benchmarks.music` on {datetime.date.today()}; CPU: {cpu.describe()}; "
        f"librosa {librosa.__version__}. Nothing here is typed by hand.",
        "",
        "## Beats on click tracks (20 s each)",
        "",
        "| BPM | fps | clicks | within ±1 frame | stray peaks | tempo |",
        "|---|---|---|---|---|---|",
        *[
            f"| {bpm} | {fps} | {n} | {100 * hit:.0f} % | {stray} | {tempo:.2f} ({100 * (tempo / bpm - 1):+.1f} %) |"
            for bpm, fps, n, hit, stray, tempo in accuracy
        ],
        "",
        "## The demo's frames on and between beats",
        "",
        (
            "(no render of the demo found: run `snakemake --cores 1 dreams/fractal_light/final.mp4` first)"
            if change is None
            else f'`step_size: "1.5 + 2*beat"`, `zoom: "1.01 + 0.025*beat"`: the mean change from the previous '
            f"frame is **{change[0]:.2f}** on its {change[1]} beat frames and **{change[2]:.2f}** on its "
            f"{change[3]} frames with `beat` = 0 (0..255, from 2 s on, where the drums play)."
        ),
        "",
        "## Speed, 3-minute song",
        "",
        "| what | seconds |",
        "|---|---|",
        *[f"| {name} | {seconds:.2f} |" for name, seconds in times.items()],
        "",
    ]
    report.write(REPO / "benchmarks/music.md", lines)


if __name__ == "__main__":
    main()
