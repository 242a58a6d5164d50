"""frames_per_job = K > 1: chunk jobs render the same frames, byte for byte, as one job per frame,
for an image dream (full render and preview) and a video dream; an edit re-renders from the chunk
of its first changed frame, and a render killed mid-chunk redoes that chunk and the rest."""

import re

import pytest

from dreamvideo import files
from dreamvideo.plan import chunks
from helpers import frames, kill_at, make_project, make_video_project, render_in_process, snakemake, temporaries

K = 5  # 12 frames: chunks of frames 0-4, 5-9 and 10-11 (the last one short)


def set_frames_per_job(root, k=K):
    """The project's config/config.yaml with frames_per_job = k (kill_at runs the plain command)."""
    config = root / "config/config.yaml"
    text, count = re.subn(r"^frames_per_job: \S+ ", f"frames_per_job: {k} ", config.read_text(), flags=re.M)
    assert count == 1
    config.write_text(text)
    return root


def contents(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.glob("[0-9]*.png"))}


def mtimes(root):
    return {p.name: p.stat().st_mtime_ns for p in frames(root)}


def markers(root, folder="frames"):
    return sorted(p.name for p in (root / f"dreams/t/{folder}/chunks").glob("*.done"))


@pytest.fixture(scope="module")
def reference(spec_render, tmp_path_factory):
    """The frames and preview frames of one job per frame (the default)."""
    root, _ = spec_render(tmp_path_factory.mktemp("per_frame") / "project")
    assert not (root / "dreams/t/frames/chunks").exists()
    return contents(root / "dreams/t/frames"), contents(root / "dreams/t/preview")


@pytest.fixture(scope="module")
def chunked(tmp_path_factory, model_env):
    root = set_frames_per_job(make_project(tmp_path_factory.mktemp("chunked")))
    done = snakemake(root, model_env, "dreams/t/final.mp4", "dreams/t/preview.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    return root, done.stderr


def test_the_dry_run_lists_chunk_jobs_when_frames_per_job_is_set_on_the_command_line(tmp_path, model_env):
    root = make_project(tmp_path)
    done = snakemake(root, model_env, "-n", "dreams/t/final.mp4", "--config", "frames_per_job=4")
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"^dream_chunk\s+3$", done.stdout, re.M), done.stdout[-2000:]
    assert not re.search(r"^dream_frame\s", done.stdout, re.M)


def test_the_preview_contact_sheet_renders_the_preview_chunks_not_the_full_render(tmp_path, model_env):
    root = make_project(tmp_path)
    done = snakemake(root, model_env, "-n", "dreams/t/preview/contact_sheet.jpg", "--config", "frames_per_job=4")
    assert done.returncode == 0, done.stderr[-3000:]
    outputs = re.findall(r"^    output: (\S+)$", done.stdout, re.M)
    assert [o for o in outputs if "/chunks/" in o] == [f"dreams/t/preview/chunks/{c:06d}.done" for c in range(3)]
    # The full render's sheet reads the full render's chunks, whichever files exist.
    done = snakemake(root, model_env, "-n", "dreams/t/contact_sheet.jpg", "--config", "frames_per_job=4")
    sheet = re.search(r"^(?:local)?rule contact_sheet:\n    input: (.+)$", done.stdout, re.M)
    expected = ", ".join(f"dreams/t/frames/chunks/{c:06d}.done" for c in range(3))
    assert sheet and sheet[1] == expected, done.stdout[-2000:]


def test_chunks_make_the_same_frames_video_preview_and_sheet(reference, chunked):
    root, log = chunked
    full, small = reference
    assert contents(root / "dreams/t/frames") == full
    assert contents(root / "dreams/t/preview") == small
    assert markers(root) == markers(root, "preview") == ["000000.done", "000001.done", "000002.done"]
    # Each marker lists its frames' sha256, as `sha256sum -c` reads it.
    lines = (root / "dreams/t/frames/chunks/000002.done").read_text().splitlines()
    assert [line.split("  ")[1] for line in lines] == ["dreams/t/frames/000010.png", "dreams/t/frames/000011.png"]
    assert lines[0].split("  ")[0] == files.digest(root / "dreams/t/frames/000010.png")
    import imageio_ffmpeg

    assert imageio_ffmpeg.count_frames_and_secs(str(root / "dreams/t/final.mp4"))[0] == 12
    assert (root / "dreams/t/contact_sheet.jpg").exists() and (root / "dreams/t/preview.mp4").exists()
    assert re.search(r"\[t\] frame 11/11 \(100%\)", log)  # the progress line, frame by frame


def test_an_edit_rerenders_from_the_chunk_of_its_first_changed_frame(chunked, model_env):
    root, _ = chunked
    before, old = mtimes(root), contents(root / "dreams/t/frames")
    marker_times = {m: (root / "dreams/t/frames/chunks" / m).stat().st_mtime_ns for m in markers(root)}
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0 and "Nothing to be done" in done.stdout + done.stderr
    assert mtimes(root) == before

    spec = root / "config/dreams/t.yaml"
    spec.write_text(spec.read_text().replace("layer: 8,", "layer: 10,"))  # the last segment: frames 8..11
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    after = mtimes(root)
    # Frame 8 is in chunk 1 (frames 5..9): chunks 1 and 2 render again, chunk 0 does not.
    assert sorted(name for name in after if after[name] != before[name]) == [f"{i:06d}.png" for i in range(5, 12)]
    assert [
        m for m in markers(root) if (root / "dreams/t/frames/chunks" / m).stat().st_mtime_ns != marker_times[m]
    ] == ["000001.done", "000002.done"]
    new = contents(root / "dreams/t/frames")
    assert all(new[f"{i:06d}.png"] == old[f"{i:06d}.png"] for i in range(8))  # same records, same bytes
    assert new["000009.png"] != old["000009.png"]


def test_a_render_killed_mid_chunk_redoes_that_chunk_and_the_rest(reference, tmp_path, model_env):
    full, _ = reference
    root = set_frames_per_job(make_project(tmp_path))
    kill_at(root, model_env, "dreams/t/final.mp4", 7)  # in chunk 1 (frames 5..9), frame 7 not yet renamed
    assert markers(root) == ["000000.done"]
    before = mtimes(root)
    assert sorted(before) == [f"{i:06d}.png" for i in range(7)]

    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    after = mtimes(root)
    assert [name for name in before if after[name] != before[name]] == [f"{i:06d}.png" for i in range(5, 7)]
    assert contents(root / "dreams/t/frames") == full
    assert temporaries(root) == []


def test_a_frame_changed_after_its_chunk_is_an_error_naming_the_marker(tmp_path):
    (tmp_path / "a.png").write_bytes(b"one")
    chunks.write_marker(tmp_path / "c.done", [tmp_path / "a.png"])
    assert chunks.check(tmp_path / "c.done") == [str(tmp_path / "a.png")]
    (tmp_path / "a.png").write_bytes(b"two")
    with pytest.raises(chunks.ChunkError, match=r"a.png has changed since its chunk made it: delete .*c.done"):
        chunks.check(tmp_path / "c.done")
    (tmp_path / "a.png").unlink()
    with pytest.raises(chunks.ChunkError, match="a.png is missing"):
        chunks.check(tmp_path / "c.done")


CLIP_SPEC = """\
video: dreams/t/clip.mp4
end: 0.5
size: [64, 48]
seed: 1
flow: dis
defaults: {layer: 3, num_iterations: 1, step_size: 2.0}
segments:
  - {frames: 6, layer: 3}
  - {frames: 6, layer: 5, transition: 2}
"""


def test_a_video_dream_in_chunks_equals_its_frame_by_frame_render(tmp_path, model_env):
    root = make_video_project(tmp_path, spec_text=CLIP_SPEC)
    done = snakemake(root, model_env, "dreams/t/video.mp4", "--config", f"frames_per_job={K}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert markers(root) == ["000000.done", "000001.done", "000002.done"]
    # Frame by frame in this process, from the footage and flow that run extracted.
    by_frame = render_in_process(root, tmp_path / "by_frame")
    assert len(by_frame) == 12 and contents(root / "dreams/t/frames") == by_frame


def test_auto_is_one_job_per_frame_up_to_long_and_chunks_above():
    assert chunks.per_job("auto", 12) == chunks.per_job("auto", chunks.LONG) == 1
    assert chunks.per_job("auto", chunks.LONG + 1) == chunks.AUTO_K == 30
    assert chunks.per_job(1, 18_000) == 1 and chunks.per_job(K, 12) == K  # a number is K, whatever the length
    assert chunks.is_marker("dreams/t/frames/chunks/000001.done") and not chunks.is_marker("dreams/t/frames/000001.png")


LONG_SPEC = "size: [32, 24]\nsegments:\n  - {{frames: {frames}, layer: 3}}\n"


@pytest.mark.parametrize("frames, rule, jobs", [(1000, "dream_frame", 1000), (1001, "dream_chunk", 34)])
def test_by_default_a_long_dream_renders_in_chunks_of_30(tmp_path, model_env, frames, rule, jobs):
    # The default config (frames_per_job: auto): one job per frame up to 1,000 frames, chunks of 30 above.
    root = make_project(tmp_path, LONG_SPEC.format(frames=frames))
    assert re.search(r"^frames_per_job: auto ", (root / "config/config.yaml").read_text(), re.M)
    done = snakemake(root, model_env, "-n", "dreams/t/video.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(rf"^{rule}\s+{jobs}$", done.stdout, re.M), done.stdout[-2000:]
    other = "dream_chunk" if rule == "dream_frame" else "dream_frame"
    assert not re.search(rf"^{other}\s", done.stdout, re.M)
    if rule == "dream_chunk":  # the last chunk is short: frames 990..1000
        outputs = re.findall(r"^    output: (\S+)$", done.stdout, re.M)
        assert "dreams/t/frames/chunks/000033.done" in outputs and "dreams/t/frames/chunks/000034.done" not in outputs
