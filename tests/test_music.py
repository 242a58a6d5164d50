"""Music-reactive dreams through the real workflow: a click track drives the step size, the
frames change more on the beats, and moving the music (`audio_offset`) re-renders what it moves."""

import csv

import numpy as np
import pytest

from dreamvideo.frame import pictures
from dreamvideo.testmedia import click_track
from helpers import ffmpeg, frames, make_project, snakemake

SPEC = """\
size: [128, 96]
fps: 12
seed: 1
audio: dreams/t/clicks.wav
beat_decay: 0.05          # the beat's frame only
defaults: {zoom_speed: 0, num_repeats: 0, step_size: "0.5 + 2*beat"}  # no octaves: the change is the steps
segments:
  - {frames: 25, layer: 3}
"""


def read_csv(path):
    with open(path) as stream:
        return list(csv.DictReader(stream))


def change(a, b):
    return np.abs(pictures.read_frame(a).astype(np.float64) - pictures.read_frame(b)).mean()


@pytest.fixture(scope="module")
def music(tmp_path_factory, model_env):
    root = make_project(tmp_path_factory.mktemp("music"), SPEC)
    click_track(root / "dreams/t/clicks.wav", seconds=3.0)  # clicks at 0.5, 1.0, ... 2.5 s: frames 6, 12, ... 30
    done = snakemake(root, model_env, "dreams/t/final.mp4", "dreams/t/schedule.csv")
    assert done.returncode == 0, done.stderr[-3000:]
    return root


def test_step_size_peaks_on_the_beats_and_the_frames_change_more_there(music):
    rows = read_csv(music / "dreams/t/schedule.csv")[1:]
    beats = [int(r["frame"]) for r in rows if float(r["beat"]) == 1.0]
    assert beats == [6, 12, 18, 24]  # every click inside the 25 frames, each on its own frame
    assert {int(r["frame"]) for r in rows if float(r["step_size"]) == 2.5} == set(beats)
    assert {float(r["step_size"]) for r in rows if int(r["frame"]) not in beats} == {0.5}

    paths = frames(music)
    assert len(paths) == 25
    on = [change(paths[i - 1], paths[i]) for i in beats]
    off = [change(paths[i - 1], paths[i]) for i in range(2, 25) if i not in beats]
    print(f"mean change from the previous frame: on beats {np.mean(on):.2f}, between {np.mean(off):.2f} (0..255)")
    assert min(on) > max(off)


def first_click(path):
    """When (s) the first click sounds in the video's soundtrack."""
    done = ffmpeg("-i", path, "-map 0:a:0 -ac 1 -ar 8000 -f s16le -", capture_output=True)
    return np.flatnonzero(np.abs(np.frombuffer(done.stdout, np.int16)) > 8000)[0] / 8000


def test_final_video_carries_the_music_from_the_offset(music, model_env):
    assert first_click(music / "dreams/t/final.mp4") == pytest.approx(0.5, abs=0.03)  # the first click


def test_unchanged_renders_nothing_and_a_new_audio_offset_rerenders_from_where_beats_move(music, model_env):
    before = {p.name: p.stat().st_mtime_ns for p in frames(music)}
    done = snakemake(music, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0 and "Nothing to be done" in done.stdout + done.stderr

    spec = music / "config/dreams/t.yaml"
    spec.write_text(spec.read_text().replace("seed: 1", "seed: 1\naudio_offset: 0.25"))  # beats 3 frames earlier
    done = snakemake(music, model_env, "dreams/t/final.mp4", "dreams/t/schedule.csv")
    assert done.returncode == 0, done.stderr[-3000:]
    after = {p.name: p.stat().st_mtime_ns for p in frames(music)}
    changed = sorted(int(name[:6]) for name in after if after[name] != before[name])
    assert changed == list(range(3, 25))  # frame 3 is the first whose step size differs; its successors follow
    rows = read_csv(music / "dreams/t/schedule.csv")[1:]
    assert [int(r["frame"]) for r in rows if float(r["beat"]) == 1.0] == [3, 9, 15, 21]

    assert first_click(music / "dreams/t/final.mp4") == pytest.approx(0.25, abs=0.03)  # the song starts 0.25 s in
