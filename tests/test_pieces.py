"""One long dream as many chains: a video dream in pieces (`parallel:`) and an image dream cut by a
segment's `start:`. The plan says which frame each frame is made from; Snakemake runs the chains
side by side; every guarantee of one chain holds per chain (same bytes in any order, after a
kill, and an edit re-renders only the frames whose inputs changed)."""

import contextlib
import json
import math
import re

import pytest
import yaml

from dreamvideo.plan import chains, spec
from dreamvideo.testmedia import make_clip
from helpers import REPO, SPEC, kill_at, make_project, make_video_project, snakemake, temporaries

# 48 frames of footage in 3 pieces: they start at 18 and 31 (chains.piece_starts), warm up over 4
# frames, join over 3. Segment 0's step size before its frame 8 is its own: the edit below changes that.
PIECES = """\
video: dreams/t/clip.mp4
seed: 1
parallel: {pieces: 3, warmup: 4, crossfade: 3}
defaults: {layer: 3, num_iterations: 2, step_size: 2.0}
segments:
  - {seconds: 1, layer: 3, step_size: "1.0 if t < 8 else 2.0"}
  - {seconds: 1, layer: 5, transition: 6}
"""


def frames(root, folder="frames"):
    return {p.name: p.read_bytes() for p in sorted((root / "dreams/t" / folder).glob("[0-9]*.png"))}


def planned(root, name="t"):
    config = yaml.safe_load((root / "config/config.yaml").read_text())
    with contextlib.chdir(root):
        spec.plan_for.cache_clear()
        try:
            return spec.plan_for(name, config["specs"], json.dumps(config["dream_defaults"], sort_keys=True))
        finally:
            spec.plan_for.cache_clear()


def render_in_order(root, out, order):
    """The dream's frames made in this process by the frame jobs' own function, its jobs
    (Plan.jobs) sorted by `order(chain, index)` (chain: a frame's chain, or (earlier, later) for
    a join), into the folder `out` (a video reads the footage and flow a Snakemake run left in
    `root`). Returns {frame name: bytes}."""
    from dreamvideo.frame import render

    p = planned(root)

    def chain(job):
        index, _, path, _ = job
        found = re.search(r"/chains/(\d+)/", path)
        return int(found[1]) if found else p.chain_of(index)

    with contextlib.chdir(root):
        for index, record, path, inputs in sorted(p.jobs(), key=lambda job: order(chain(job), job[0])):
            target = out / path.split("dreams/t/frames/")[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            moved = {
                k: v.replace("dreams/t/frames/", f"{out}/") if k in ("previous", "earlier", "later") else v
                for k, v in inputs.items()
            }
            render.make_frame(index, record, target, **moved)
    return {p.name: p.read_bytes() for p in sorted(out.glob("[0-9]*.png"))}


@pytest.fixture(scope="module")
def pieces(tmp_path_factory, model_env):
    root = make_video_project(tmp_path_factory.mktemp("pieces"), spec_text=PIECES)
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    return root, frames(root)


def test_the_plan_splits_the_video_into_pieces_with_warmups_and_joins(pieces):
    p = planned(pieces[0])
    assert chains.piece_starts(48, 3, 4, 3) == [18, 31]
    joins = [i for i, r in enumerate(p.frames) if r["kind"] == "join"]
    assert joins == [18, 19, 20, 31, 32, 33]
    assert [p.frames[i]["join"] for i in joins[:3]] == pytest.approx([0.15625, 0.5, 0.84375])  # smoothstep
    assert [p.chain_of(i) for i in (17, 18, 21, 30, 31, 34)] == [0, (0, 1), 1, 1, (1, 2), 2]
    # Piece 1 dreams frames 14..17 first (its warm-up, from the footage: 14 carries nothing in),
    # then 18..20 beside piece 0's (the joins crossfade the two), then its own from 21; it runs on
    # through 31..33 for the next join.
    assert sorted(i for c, i in p.aside_records if c == 1) == [14, 15, 16, 17, 18, 19, 20, 31, 32, 33]
    assert p.aside_records[1, 14]["kind"] == "video_start" and p.aside_records[1, 15]["kind"] == "video_dream"
    assert p.frame_inputs(21)["previous"] == p.aside_path(1, 20)
    assert (p.frame_inputs(19)["earlier"], p.frame_inputs(19)["later"]) == (p.aside_path(0, 19), p.aside_path(1, 19))
    assert chains.depth(48, [chains.Link(0), chains.Link(18, 4, 3), chains.Link(31, 4, 3)]) <= 48 // 3 + 4 + 3


def test_pieces_give_the_same_bytes_in_any_order(pieces, tmp_path):
    """The Snakemake run's frames equal the frame jobs' own, made in this process with the pieces in
    reverse order (the last piece first); the warm-ups are not in the video."""
    root, made = pieces
    assert len(made) == 48
    last_piece_first = render_in_order(
        root,
        tmp_path / "backwards",
        order=lambda chain, index: (
            isinstance(chain, tuple),
            -max(chain) if isinstance(chain, tuple) else -chain,
            index,
        ),
    )
    assert last_piece_first == made
    assert sorted(p.name for p in (root / "dreams/t/frames/chains/1").glob("*.png"))[:4] == [
        f"{i:06d}.png" for i in (14, 15, 16, 17)
    ]


def test_a_killed_render_of_pieces_resumes_to_the_same_bytes(pieces, tmp_path, model_env):
    root, made = pieces
    other = make_video_project(tmp_path / "killed", spec_text=PIECES)
    kill_at(other, model_env, "dreams/t/final.mp4", 25)  # in piece 1's own frames
    assert len(temporaries(other)) == 1
    done = snakemake(other, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    assert frames(other) == made and temporaries(other) == []


def test_pieces_in_chunks_on_the_cluster_path_give_the_same_bytes_side_by_side(pieces, tmp_path, model_env):
    """frames_per_job chunks apply inside each piece: through the cluster path (profiles/cluster-local,
    a process per job, 4 at once) at --cores 2, chunks of 4 frames give the bytes of one job per frame
    at --cores 1, and the pieces' chunks run side by side (piece 2's first chunk is done before
    piece 0's last)."""
    root, made = pieces
    other = make_video_project(tmp_path, spec_text=PIECES)
    profile = str(REPO / "profiles/cluster-local")
    done = snakemake(
        other,
        model_env,
        "--workflow-profile",
        profile,
        "dreams/t/video.mp4",
        "--config",
        "frames_per_job=4",
        "--cores",
        "2",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert frames(other) == made
    p = planned(other)
    assert [len(indices) for indices in p.chain_indices] == [21, 20, 21]  # warm-up, own frames, run into the join
    markers = {path.name: path.read_text().split() for path in (other / "dreams/t/frames/chunks").glob("*.done")}
    assert len(markers) == 17  # chunks of 4: 6, 5, 6
    assert markers["000006.done"][1::2] == [f"dreams/t/frames/chains/1/{i:06d}.png" for i in (14, 15, 16, 17)]
    finished = {name: (other / "dreams/t/frames/chunks" / name).stat().st_mtime_ns for name in markers}
    assert finished["000011.done"] < finished["000005.done"]
    assert temporaries(other) == []


def test_an_edit_rerenders_only_the_pieces_it_reaches(pieces, model_env):
    """Frames 0..7 change: piece 0 re-renders (its own frames and its run into the join), the joins
    18..20 follow; piece 1, whose warm-up starts at 14, and piece 2 are untouched."""
    root, _ = pieces
    before = {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in (root / "dreams/t/frames").rglob("*.png")}
    path = root / "config/dreams/t.yaml"
    path.write_text(path.read_text().replace('"1.0 if t < 8', '"1.5 if t < 8'))
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    after = {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in (root / "dreams/t/frames").rglob("*.png")}
    changed = sorted(name.removeprefix("dreams/t/frames/") for name in after if after[name] != before.get(name))
    assert changed == sorted([*(f"chains/0/{i:06d}.png" for i in (18, 19, 20)), *(f"{i:06d}.png" for i in range(21))])


@pytest.mark.parametrize("k", [1, "auto"])
def test_the_dag_of_3600_frames_in_8_pieces_is_an_eighth_as_deep(tmp_path, model_env, k):
    """At one job per frame, the longest chain of frame jobs is a piece's frames, its warm-up and
    its run into the join, and the join; at the default frames_per_job (auto: 30 above 1,000
    frames) the same in chunks of 30, each piece's chunks a chain of their own."""
    root = make_video_project(tmp_path, spec_text=PIECES.replace("pieces: 3, warmup: 4, crossfade: 3", "pieces: 8"))
    make_clip(root / "dreams/t/clip.mp4", frames=3600, audio=False)
    done = snakemake(root, model_env, "--dag", "dot", "dreams/t/video.mp4", "--config", f"frames_per_job={k}")
    assert done.returncode == 0, done.stderr[-3000:]
    names = dict(re.findall(r'^\s*(\d+)\[label = "(\w+)', done.stdout, re.M))
    frame_rules = ("dream_frame", "dream_aside", "dream_chunk")
    edges = [
        (a, b)
        for a, b in re.findall(r"^\s*(\d+) -> (\d+)", done.stdout, re.M)
        if names[a] in frame_rules and names[b] in frame_rules
    ]
    depth = {node: 1 for node, rule in names.items() if rule in frame_rules}
    for _ in range(len(depth)):  # longest path, relaxed until it holds
        changed = False
        for a, b in edges:
            if depth[a] + 1 > depth[b]:
                depth[b], changed = depth[a] + 1, True
        if not changed:
            break
    jobs = {rule: sum(1 for r in names.values() if r == rule) for rule in frame_rules}
    longest = 3600 / 8 + 24 + 12  # the default warmup and crossfade
    if k == 1:
        assert jobs["dream_frame"] == 3600 and jobs["dream_chunk"] == 0
        assert max(depth.values()) <= longest, max(depth.values())
    else:  # 84 joins (7 x 12) stay jobs of their own, after the two chunks they crossfade
        assert jobs["dream_frame"] == 84 and jobs["dream_aside"] == 0 and jobs["dream_chunk"] > 8 * 15
        assert max(depth.values()) <= math.ceil(longest / 30) + 1, max(depth.values())


def test_a_cut_starts_a_chain_of_its_own(tmp_path, model_env):
    """`start: image`: the segment starts from the seed image again, so its first frame is frame 0's
    bytes; editing the segment before the cut re-renders nothing after it."""
    text = SPEC.replace(
        "{frames: 4, layer: 8, num_iterations: 2}", "{frames: 4, layer: 8, num_iterations: 2, start: image}"
    )
    root = make_project(tmp_path, text)
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    made = frames(root)
    assert made["000008.png"] == made["000000.png"]
    before = {name: (root / "dreams/t/frames" / name).stat().st_mtime_ns for name in made}
    path = root / "config/dreams/t.yaml"
    path.write_text(path.read_text().replace("{frames: 4, layer: mixed5}", "{frames: 4, layer: mixed4}"))
    done = snakemake(root, model_env, "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    after = {name: (root / "dreams/t/frames" / name).stat().st_mtime_ns for name in made}
    assert sorted(name for name in made if after[name] != before[name]) == [f"{i:06d}.png" for i in range(4, 8)]


def test_a_transition_across_a_cut_joins_the_two_chains(tmp_path):
    data = spec.validate(
        yaml.safe_load(
            SPEC.replace(
                "{frames: 4, layer: 8, num_iterations: 2}", "{frames: 4, layer: 8, start: image, transition: 2}"
            )
        )
    )
    with contextlib.chdir(make_project(tmp_path)):
        p = spec.plan("t", data)
    assert [r["kind"] for r in p.frames[7:11]] == ["image_dream", "join", "join", "image_dream"]
    assert p.aside_records[1, 8]["kind"] == "seed_image" and p.aside_records[0, 9]["kind"] == "image_dream"
    assert [p.frames[i]["join"] for i in (8, 9)] == [p.frames[i]["transition"] for i in (8, 9)]


@pytest.mark.parametrize(
    "change, message",
    [
        ("parallel: {pieces: 0}", "parallel.pieces: 0 is not valid under any of the given schemas"),
        (
            "parallel: {pieces: 3, warmup: 4, crossfade: 20}",
            "parallel.crossfade: 20 frames is longer than a piece (16 frames)",
        ),
        (
            "parallel: {pieces: 3, warmup: 17, crossfade: 3}",
            "parallel.warmup: 17 frames is longer than a piece (16 frames)",
        ),
        ("parallel: {pieces: 60}", "parallel.pieces: 60 pieces of a dream of 48 frames: give at most 48"),
    ],
)
def test_a_bad_parallel_is_one_line_naming_the_field(tmp_path, change, message):
    root = make_video_project(
        tmp_path, spec_text=PIECES.replace("parallel: {pieces: 3, warmup: 4, crossfade: 3}", change)
    )
    with pytest.raises(spec.SpecError) as err, contextlib.chdir(root):
        spec.plan("t", spec.validate(yaml.safe_load((root / "config/dreams/t.yaml").read_text()), "t.yaml"), "t.yaml")
    assert str(err.value).startswith("t.yaml: " + message) and "\n" not in str(err.value), err.value


def test_parallel_on_an_image_dream_is_refused(tmp_path):
    data = spec.validate(yaml.safe_load(SPEC + "parallel: {pieces: 2}\n"))
    with pytest.raises(spec.SpecError, match=r"^t.yaml: parallel: pieces are for video dreams: cut an image dream"):
        with contextlib.chdir(make_project(tmp_path)):
            spec.plan("t", data, "t.yaml")
