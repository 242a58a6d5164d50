"""Dreaming a clip through the real workflow: frames, rate, duration and sound of the result,
coherence along the optical flow, kill + resume, incremental edits, and bad clips."""

import shutil

import numpy as np
import pytest

from dreamvideo.frame import flow, pictures, source
from dreamvideo.outputs import video
from dreamvideo.plan import spec
from dreamvideo.testmedia import FPS, FRAMES, HEIGHT, SPEED, WIDTH, make_clip
from helpers import ffmpeg, kill_at, make_video_project, render_in_process, snakemake, stream_seconds, temporaries


def frames(root):
    return sorted((root / "dreams/t/frames").glob("[0-9]*.png"))


def warping_error(root):
    """The output's temporal warping error along the source's own (DIS) flow."""
    src = root / "dreams/t/frames_source"
    outputs = [pictures.read_frame(p) for p in frames(root)]
    flows = [None] + [
        flow.backward(pictures.read_frame(src / f"{i - 1:06d}.png"), pictures.read_frame(src / f"{i:06d}.png"))
        for i in range(1, len(outputs))
    ]
    return flow.warping_error(outputs, flows)


@pytest.fixture(scope="module")
def dreamed(tmp_path_factory, model_env):
    """The clip dreamed through Snakemake with DIS flow, and the same dream without flow (`flow:
    none`, made in this process from the footage that run extracted: what it is compared with)."""
    roots = {"dis": make_video_project(tmp_path_factory.mktemp("dis"), "dis")}
    done = snakemake(roots["dis"], model_env, "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    roots["bytes"] = {p.name: p.read_bytes() for p in frames(roots["dis"])}  # before any test edits the spec
    roots["none"] = make_video_project(tmp_path_factory.mktemp("none"), "none")
    shutil.copytree(roots["dis"] / "dreams/t/frames_source", roots["none"] / "dreams/t/frames_source")
    render_in_process(roots["none"], roots["none"] / "dreams/t/frames")
    return roots


def test_a_clip_dreams_into_a_video_of_its_frames_rate_duration_and_sound(dreamed):
    root = dreamed["dis"]
    final = root / "dreams/t/final.mp4"
    assert len(frames(root)) == FRAMES
    assert video.streams(final) == {"video": ["h264"], "audio": ["aac"]}
    assert source.probe(final)["fps"] == FPS
    assert stream_seconds(final, "v") == pytest.approx(FRAMES / FPS, abs=1 / FPS)
    assert stream_seconds(final, "a") == pytest.approx(FRAMES / FPS, abs=1 / FPS)
    dreamt = [
        np.abs(
            pictures.read_frame(p).astype(np.float64) - pictures.read_frame(root / "dreams/t/frames_source" / p.name)
        ).mean()
        for p in frames(root)
    ]
    assert dreamt[0] > 0.3 and min(dreamt[20:]) > 2 * dreamt[0]  # each frame dreams; carried, the dream builds up


def test_the_flow_is_the_clip_motion_and_the_dream_follows_it(dreamed):
    root = dreamed["dis"]
    back, mask = flow.load(root / "dreams/t/frames_source_flow_dis/000010.npz")
    assert np.median(back[..., 0]) == pytest.approx(-SPEED, abs=0.1) and np.median(back[..., 1]) == pytest.approx(
        0, abs=0.1
    )
    assert mask[:, :SPEED].max() < 0.5 < mask[:, 8:].mean()  # the strip that comes into view is not carried
    ours, plain = warping_error(dreamed["dis"]), warping_error(dreamed["none"])
    print(f"temporal warping error (0..255): flow dis {ours:.2f}, flow none {plain:.2f}")
    assert ours < 0.75 * plain


def test_unchanged_renders_nothing_and_an_edit_of_the_last_segment_rerenders_only_its_frames(dreamed, model_env):
    root = dreamed["dis"]
    before = {p.name: p.stat().st_mtime_ns for p in frames(root)}
    flows = {p.name: p.stat().st_mtime_ns for p in (root / "dreams/t/frames_source_flow_dis").iterdir()}
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0 and "Nothing to be done" in done.stdout + done.stderr
    spec_path = root / "config/dreams/t.yaml"
    spec_path.write_text(spec_path.read_text().replace("layer: 5,", "layer: 6,"))
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    after = {p.name: p.stat().st_mtime_ns for p in frames(root)}
    assert sorted(int(n[:6]) for n in after if after[n] != before[n]) == list(range(24, FRAMES))
    assert {p.name: p.stat().st_mtime_ns for p in (root / "dreams/t/frames_source_flow_dis").iterdir()} == flows


def test_a_killed_video_dream_resumes_to_the_same_bytes(dreamed, tmp_path, model_env):
    expected = dreamed["bytes"]
    root = make_video_project(tmp_path)
    kill_at(root, model_env, "dreams/t/final.mp4", 20)
    assert [p.name for p in frames(root)] == [f"{i:06d}.png" for i in range(20)]
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    assert {p.name: p.read_bytes() for p in frames(root)} == expected
    assert temporaries(root) == []


def plan(tmp_path, **fields):
    data = {"video": str(tmp_path / "clip.mp4"), "segments": [{"seconds": 1}, {"seconds": 5}], **fields}
    return spec.plan("t", spec.validate(data), "t.yaml")


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("clips")
    make_clip(root / "clip.mp4")
    make_clip(root / "mute.mp4", audio=False)
    (root / "notes.mp4").write_text("not a video")
    ffmpeg("-f lavfi -i color=size=64x48:rate=24 -frames:v 0 -c:v libx264", root / "empty.mp4")  # a clip with no frames
    ffmpeg("-f lavfi -i color=size=64x48:rate=24 -frames:v 1 -c:v libx264", root / "one.mp4")
    ffmpeg("-f lavfi -i sine=duration=1", root / "tone.flac")
    return root


def test_the_plan_of_a_clip_takes_its_rate_size_length_and_sound(clip_dir):
    p = plan(clip_dir)
    assert (p.fps, p.size, len(p.frames), p.audio) == (FPS, (WIDTH, HEIGHT), FRAMES, str(clip_dir / "clip.mp4"))
    assert [r["segment"] for r in p.frames].count(1) == FRAMES - FPS  # the last segment runs to the clip's end
    assert p.frames[0]["flow"] == "none" and p.frames[1]["flow"] == "dis" and p.frames[1]["carry"] == 0.8
    assert p.frames[1]["carry_resample"] == "lanczos"
    cut = plan(
        clip_dir, start=0.5, end=1.5, fps=12, size=[64, 48], audio="none", segments=[{"seconds": 0.5}, {"frames": 1}]
    )
    assert (cut.fps, cut.size, len(cut.frames), cut.audio) == (12, (64, 48), 12, None)
    assert plan(clip_dir, video=str(clip_dir / "mute.mp4")).audio is None
    assert len(plan(clip_dir, video=str(clip_dir / "one.mp4"), segments=[{"frames": 1}]).frames) == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"video": "missing.mp4"}, "video: missing.mp4: no such file"),
        ({"video": "{dir}/notes.mp4"}, "video: {dir}/notes.mp4: has no video stream"),
        ({"video": "{dir}/tone.flac"}, "video: {dir}/tone.flac: has no video stream"),
        ({"video": "{dir}/empty.mp4"}, "video: {dir}/empty.mp4: has no video stream"),
        ({"start": 2.5}, "start: 2.5 s is past the clip's end (2 s)"),
        ({"start": 1.0, "end": 0.5}, "end: 0.5 s is not after `start` (1 s)"),
        ({"seed_image": "x.jpg"}, "video: a dream starts from `video` or from `seed_image`, not both"),
        ({"segments": [{"seconds": 3}, {"seconds": 1}]}, "segments[1]: starts at frame 72, past the clip's 48 frames"),
    ],
)
def test_bad_clips_fail_in_one_line_naming_the_field(clip_dir, fields, message):
    fields = {k: v.format(dir=clip_dir) if isinstance(v, str) else v for k, v in fields.items()}
    with pytest.raises(spec.SpecError) as err:
        plan(clip_dir, **fields)
    assert str(err.value).startswith("t.yaml: " + message.format(dir=clip_dir)) and "\n" not in str(err.value)


def test_a_variable_frame_rate_clip_comes_out_at_the_spec_rate(tmp_path):
    # Frames held for 1, 2 or 3 ticks of 1/48 s: a variable rate, made constant by ffmpeg's fps filter.
    clip = make_clip(tmp_path / "clip.mp4", frames=24, audio=False)
    vfr = tmp_path / "vfr.mkv"
    ffmpeg("-i", clip, "-vf setpts='(N+floor(N/3))/(36*TB)' -fps_mode vfr", vfr)
    info = source.probe(vfr)
    count = source.frame_count(info["duration"], 24)
    paths = [tmp_path / f"out/{i:06d}.png" for i in range(count)]
    source.extract(vfr, tmp_path / "out", count, 24, (WIDTH, HEIGHT))
    assert all(p.exists() for p in paths) and pictures.read_frame(paths[-1]).shape == (HEIGHT, WIDTH, 3)
