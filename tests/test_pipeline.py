"""The real workflow: Snakemake renders, reruns, resumes and refuses bad specs."""

import json
import re
import time

import pytest
import yaml
from PIL import Image

from dreamvideo.outputs import video
from dreamvideo.plan import spec
from helpers import SPEC, frames, held_at, make_project, snakemake, stream_seconds, temporaries


@pytest.fixture(scope="module")
def rendered(spec_render, tmp_path_factory):
    """An uninterrupted render of SPEC (a copy of the test run's one), the frame bytes it made, its log."""
    root, log = spec_render(tmp_path_factory.mktemp("full") / "project")
    return root, {p.name: p.read_bytes() for p in frames(root)}, log


def test_render_makes_a_video_with_audio_cut_to_length(rendered):
    root, frame_bytes, log = rendered
    assert len(frame_bytes) == 12
    assert all(Image.open(root / "dreams/t/frames" / name).size == (96, 64) for name in frame_bytes)
    final = root / "dreams/t/final.mp4"
    assert video.streams(final) == {"video": ["h264"], "audio": ["aac"]}  # flac does not go in MP4 as is
    import imageio_ffmpeg

    assert imageio_ffmpeg.count_frames_and_secs(str(final))[0] == 12
    # 12 frames at 24 fps = 0.5 s; the 2 s tone is cut to that (AAC frames are 23 ms).
    assert stream_seconds(final, "v") == pytest.approx(0.5, abs=0.05)
    assert stream_seconds(final, "a") == pytest.approx(0.5, abs=0.06)
    assert re.search(r"\[t\] frame 11/11 \(100%\) [\d.]+ s/frame, ETA 0m00s", log)
    assert frame_bytes["000000.png"] != frame_bytes["000001.png"]


def test_rerun_unchanged_does_nothing_and_an_edit_rerenders_only_its_segment(rendered, model_env):
    root, frame_bytes, _ = rendered
    before = {p.name: p.stat().st_mtime_ns for p in frames(root)}
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0 and "Nothing to be done" in done.stdout + done.stderr
    assert {p.name: p.stat().st_mtime_ns for p in frames(root)} == before

    spec = root / "config/dreams/t.yaml"
    spec.write_text(spec.read_text().replace("layer: 8,", "layer: 10,"))
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    after = {p.name: p.stat().st_mtime_ns for p in frames(root)}
    changed = sorted(name for name in after if after[name] != before[name])
    assert changed == [f"{i:06d}.png" for i in range(8, 12)]  # the last segment: frames 8..11
    assert (root / "dreams/t/frames/000009.png").read_bytes() != frame_bytes["000009.png"]


def test_a_second_run_of_a_dream_being_rendered_stops_in_one_line(rendered, tmp_path, model_env):
    _, expected, _ = rendered
    root = make_project(tmp_path)
    with held_at(root, model_env, "dreams/t/final.mp4", 2) as first:
        second = snakemake(root, model_env, "dreams/t/final.mp4")
        assert second.returncode == 1
        errors = [line for line in second.stderr.splitlines() if line.startswith("error: ")]
        assert errors == [
            f"error: dream t is being rendered by another snakemake run in this folder (pid {first.pid}): "
            "wait for it to end, or stop it; a stopped or killed run releases it at once"
        ], second.stderr[-2000:]
        assert [p.name for p in frames(root)] == ["000000.png", "000001.png"]
    # The first run, killed, holds nothing: the same command goes on, to the same bytes.
    done = snakemake(root, model_env, "dreams/t/frames/000003.png")
    assert done.returncode == 0, done.stderr[-3000:]
    assert {p.name: p.read_bytes() for p in frames(root)} == {
        f"{i:06d}.png": expected[f"{i:06d}.png"] for i in range(4)
    }
    assert temporaries(root) == []


def test_dag_of_3600_frames_builds(tmp_path, model_env):
    spec = SPEC.split("segments:")[0] + "segments:\n  - {frames: 1800, layer: 3}\n  - {seconds: 75, layer: 6}\n"
    root = make_project(tmp_path, spec)
    start = time.monotonic()
    # One job per frame (the default, frames_per_job: auto, makes chunks of 30 of a dream this long:
    # tests/test_chunks.py), the DAG at its largest.
    done = snakemake(root, model_env, "-n", "dreams/t/final.mp4", "--config", "frames_per_job=1")
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"dream_frame\s+3600\b", done.stdout), done.stdout[-2000:]  # the seed image and 3599 dreamed
    print(f"dry run of 3600 frames: {seconds:.1f} s")


BAD_SPECS = [
    ("layer: 8,", "layer: nope,", "segments[2].layer: unknown layer 'nope' for model inception_v3: use a number 1..11"),
    ("seed: 3", "seed: 3\nseed_image: dreams/t/missing.jpg", "seed_image: dreams/t/missing.jpg: no such file"),
    ("seed: 3", "seed: 3\nseed_image: config/config.yaml", "seed_image: config/config.yaml: not a readable image"),
    ("frames: 4, layer: 3", "frames: 0, layer: 3", "segments[0].frames: 0 is less than the minimum of 1"),
    ("frames: 4, layer: 3", "frames: -2, layer: 3", "segments[0].frames: -2 is less than the minimum of 1"),
    (
        "frames: 4, layer: mixed5",
        "frames: 4, lyer: mixed5",
        "segments[1]: unknown key lyer (allowed: frames, seconds, transition, layer",
    ),
    ("fps: 24", "fpss: 24", "(top level): unknown key fpss (allowed: seed_image, fps, size"),
    ("fps: 24", "fps: fast", "fps: 'fast' is not of type 'number'"),
    ("size: [96, 64]", "size: [95, 64]", "size: 95x64 is not even, which H.264 video needs: use [94, 64]"),
    ("[0.5, 0.5, 0.0]", "[0.5, 0.5]", "segments[0].color_balance: [0.5, 0.5] is too short"),
    ("[0.5, 0.5, 0.0]", "[0.5, red, 0.0]", "segments[0].color_balance[1]: unknown name 'red' (variables: t, f, s"),
    (
        "layer: 3,",
        "layer: 3, zoom: \"__import__('os')\",",
        "segments[0].zoom: unknown function '__import__' (allowed: sin",
    ),
    (
        "layer: 3,",
        "layer: 3, step_size: '0:(1), 3:(-1)',",
        "segments[0].step_size: -0.333333 at frame 2 is out of range (must be > 0)",
    ),
    (
        "layer: 3,",
        "layer: 3, channels: [5, 300],",
        "segments[0].layer: mixed2 has channels 0..287: 300 is not one of them",
    ),
    ("layer: 3,", "layer: 3, target_color: red,", "segments[0].target_color: "),
    ("layer: 8,", "layer: 8, transition: soon,", "segments[2].transition: 'soon' is not a number of frames or seconds"),
    ("layer: 8,", "layer: {mixed3: 1, deep: 2},", "segments[2].layer: unknown layer 'deep' for model inception_v3"),
    ("seed: 3", "seed: 3\nprecision: half", "precision: 'half' is not one of ['auto', 'float32', 'bfloat16']"),
    ("seed: 3", "seed: 3\nthreads: 0", "threads: 0 is less than the minimum of 1 (CPU threads of each frame"),
    (
        "{frames: 4, layer: mixed5}",
        "{layer: mixed5}",
        "segments[1]: give a segment exactly one of `frames` or `seconds`",
    ),
    ("dreams/t/tone.flac", "dreams/t/gone.flac", "audio: dreams/t/gone.flac: no such file"),
    ("dreams/t/tone.flac", "dreams/t/img_0.jpg", "audio: dreams/t/img_0.jpg: has no audio stream"),
    ("seed: 3", "seed: 3\nmodel: resnet", "model: unknown model 'resnet': use one of inception_v3"),
]


@pytest.fixture(scope="module")
def bad_project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize(
    "old,new,message", BAD_SPECS, ids=[m.split(":")[0] + "-" + str(i) for i, (_, _, m) in enumerate(BAD_SPECS)]
)
def test_bad_spec_is_one_line_naming_the_field(bad_project, monkeypatch, old, new, message):
    """Through the function the workflow calls when its DAG first needs the plan (the CLI test below runs it there)."""
    assert old in SPEC
    (bad_project / "config/dreams/t.yaml").write_text(SPEC.replace(old, new, 1))
    monkeypatch.chdir(bad_project)
    spec.plan_for.cache_clear()
    defaults = json.dumps(
        yaml.safe_load((bad_project / "config/config.yaml").read_text())["dream_defaults"], sort_keys=True
    )
    try:
        errors = spec.check(["t", "t"], "config/dreams", defaults)
    finally:
        spec.plan_for.cache_clear()
    assert len(errors) == 1 and errors[0].startswith("error: config/dreams/t.yaml: " + message), errors
    assert "\n" not in errors[0]


def test_a_bad_spec_stops_snakemake_in_one_line_before_rendering(tmp_path, model_env):
    root = make_project(tmp_path, SPEC.replace("layer: 8,", "layer: nope,"))
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: config/dreams/t.yaml: segments[2].layer: unknown layer 'nope' for model inception_v3: "
        "use a number 1..11 or a name (mixed0, mixed1, mixed2, mixed3, mixed4, mixed5, mixed6, mixed7, mixed8, "
        "mixed9, mixed10)"
    ], done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert not (root / "dreams/t/frames").exists()
