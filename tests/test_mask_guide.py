"""Masks (where a frame dreams) and guide images (toward what): the plan's records, the pixels
they make, their errors, and a masked, guided render through Snakemake (resume, reruns)."""

import json

import numpy as np
import pytest
import yaml
from PIL import Image

from dreamvideo.frame import guide, mask, render
from dreamvideo.outputs import video
from dreamvideo.plan import preview, spec
from helpers import REPO

SIZE = (96, 64)


def stripes(horizontal, size, period=16):
    """Black and white stripes across the picture (horizontal: rows of stripes)."""
    y, x = np.mgrid[: size[1], : size[0]]
    v = ((np.sin(2 * np.pi * (y if horizontal else x) / period) > 0) * 255).astype(np.uint8)
    return np.repeat(v[..., None], 3, 2)


def write_clip(path, pixel_frames, fps=24):
    video.encode_pixels(pixel_frames, str(path), fps)


def make_files(root):
    """The masks and guides the specs below name, in dreams/t/."""
    half = np.zeros(SIZE[::-1], np.uint8)
    half[:, SIZE[0] // 2 :] = 255  # left half black, right half white
    Image.fromarray(half).save(root / "dreams/t/half.png")
    Image.fromarray(np.full((64, 64), 255, np.uint8)).save(root / "dreams/t/square.png")
    Image.fromarray(stripes(True, (192, 108))).save(root / "dreams/t/h.png")
    Image.fromarray(stripes(False, (192, 108))).save(root / "dreams/t/v.png")
    # A wipe: frame i is white left of column 8 i (a mask video of 16 frames), and a 6-frame one.
    wipe = [
        np.repeat(np.where(np.arange(SIZE[0]) < 8 * i, 255, 0).astype(np.uint8)[None, :, None], SIZE[1], 0).repeat(3, 2)
        for i in range(16)
    ]
    write_clip(root / "dreams/t/wipe.mp4", wipe)
    write_clip(root / "dreams/t/short.mp4", wipe[:6])


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from helpers import make_project

    root = make_project(tmp_path_factory.mktemp("mask"))
    make_files(root)
    return root


def planned(root, monkeypatch, text, name="t"):
    """The plan of spec `text` in project `root` (through spec.check, as the Snakefile does)."""
    (root / f"config/dreams/{name}.yaml").write_text(text)
    monkeypatch.chdir(root)
    spec.plan_for.cache_clear()
    preview.plan_for.cache_clear()
    defaults = json.dumps(yaml.safe_load((root / "config/config.yaml").read_text())["dream_defaults"], sort_keys=True)
    errors = spec.check([name], "config/dreams", defaults)
    assert not errors, errors
    return spec.plan_for(name, "config/dreams", defaults), preview.plan_for(name, "config/dreams", defaults)


STILL = "size: [96, 64]\nseed: 3\ndefaults: {zoom_speed: 0, color_balance: [0, 0, 0], color_hold: 0}\n"


def test_a_mask_keeps_its_black_half_and_dreams_its_white_half(project, monkeypatch):
    """The issue's target: left half of the mask black, no camera move (and no colour balance or
    hold, which move every pixel): 8 frames later the left half is within 2 levels of the seed image
    and the right half has changed by more than 6."""
    plan, _ = planned(project, monkeypatch, STILL + "mask: dreams/t/half.png\nsegments:\n  - {frames: 9, layer: 4}\n")
    out = project / "dreams/t/masked"
    render.make_frames(range(9), plan.frames, [out / f"{i:06d}.png" for i in range(9)])
    seed, last = (np.asarray(Image.open(out / f"{i:06d}.png"), np.float64) for i in (0, 8))
    change = np.abs(last - seed)
    left, right = change[:, : SIZE[0] // 2], change[:, SIZE[0] // 2 :]
    print(f"left: max {left.max():.0f}, right: mean {right.mean():.1f}")
    assert left.max() <= 2
    assert right.mean() > 6


def test_a_video_dream_masks_its_first_frame_too(project, monkeypatch):
    """A video dream dreams every frame, frame 0 included: its mask holds there too (the footage
    here is the wipe clip; the frame is the source frame as its colour control leaves it)."""
    plan, _ = planned(
        project,
        monkeypatch,
        "video: dreams/t/wipe.mp4\nmask: dreams/t/half.png\nsegments:\n  - {frames: 4, layer: 4, num_iterations: 3}\n",
    )
    assert plan.video and all(record["mask"][0]["path"] == "dreams/t/half.png" for record in plan.frames)
    source = project / "dreams/t/noise"
    source.mkdir()
    pixels = np.random.default_rng(1).integers(60, 200, (64, 96, 3)).astype(np.uint8)
    Image.fromarray(pixels).save(source / "000000.png")
    render.make_frame(0, plan.frames[0], project / "dreams/t/video_masked.png", source=source)
    out = np.asarray(Image.open(project / "dreams/t/video_masked.png"), np.float64)
    change = np.abs(out - pixels)
    assert change[:, :48].max() <= 1 and change[:, 48:].mean() > 3


def test_mask_layers_invert_feather_strength_and_open_share(project):
    half = str(project / "dreams/t/half.png")
    layer = {"path": half, "invert": False, "feather": 0.0, "weight": 1.0}
    plain = mask.share({"mask": [layer]}, SIZE)[..., 0]
    assert plain.shape == SIZE[::-1] and plain[:, :48].max() == 0 and plain[:, 48:].min() == 1
    inverted = mask.share({"mask": [{**layer, "invert": True}]}, SIZE)[..., 0]
    assert np.array_equal(inverted, 1 - plain)
    soft = mask.share({"mask": [{**layer, "feather": 4.0}]}, SIZE)[..., 0]
    assert 0.3 < soft[0, 47] < 0.5 and 0.5 < soft[0, 48] < 0.7  # the edge, blurred
    assert soft[0, 30] < 0.01 and soft[0, 66] > 0.99  # 4.5 sigma away: as it was
    half_strength = mask.share({"mask": [{**layer, "weight": 0.5}], "mask_open": 0.25}, SIZE)[..., 0]
    assert np.allclose(half_strength[:, :48], 0.25) and np.allclose(half_strength[:, 48:], 0.75)
    dreamed, undreamed = np.full((64, 96, 3), 200, np.float32), np.full((64, 96, 3), 100, np.float32)
    out = mask.apply(dreamed, undreamed, {"mask": [layer], "mask_open": 0.0})
    assert np.all(out[:, :48] == 100) and np.all(out[:, 48:] == 200)
    assert mask.apply(dreamed, undreamed, {}) is dreamed  # no mask: the dream as it is


def test_records_cross_fade_masks_and_guides_and_the_preview_scales_the_feather(project, monkeypatch):
    text = (
        STILL
        + """\
segments:
  - {frames: 3, layer: 3}
  - {frames: 4, layer: 3, mask: dreams/t/half.png, mask_feather: 8, mask_strength: 0.8, transition: 2,
     guide: dreams/t/h.png, guide_weight: "0.25"}
  - {frames: 4, layer: 3, mask: dreams/t/wipe.mp4, mask_invert: true}
"""
    )
    plan, small = planned(project, monkeypatch, text)
    frames = plan.frames
    assert "mask" not in frames[1] and frames[1]["objective"] == [["mixed2", 1.0, []]]
    # Frame 3 is the first of the transition into segment 1 (w = smoothstep(1/3)).
    w = frames[3]["transition"]
    assert 0 < w < 1
    assert frames[3]["mask_open"] == pytest.approx(1 - w)  # the unmasked side dreams everywhere
    assert [layer["weight"] for layer in frames[3]["mask"]] == [pytest.approx(0.8 * w)]
    assert frames[3]["objective"] == [
        ["mixed2", pytest.approx(1 - w + w * 0.75), []],
        ["mixed2", pytest.approx(w * 0.25), [], "dreams/t/h.png"],
        ["mixed0", pytest.approx(w * 0.25), [], "dreams/t/h.png"],  # the guide's fine structure (issue 32)
    ]
    assert frames[5]["mask"] == [{"path": "dreams/t/half.png", "invert": False, "feather": 8.0, "weight": 0.8}]
    assert frames[5]["mask_open"] == 0.0
    assert frames[7]["mask"] == [
        {"folder": "dreams/t/frames_mask_0", "frame": 7, "invert": True, "feather": 0.0, "weight": 1.0}
    ]
    assert plan.mask_videos == (("dreams/t/wipe.mp4", 11),)  # frames 7..10 use it: 11 frames of it
    assert small.frames[5]["mask"][0]["feather"] == pytest.approx(8.0 * small.size[0] / plan.size[0])
    assert small.frames[7]["mask"][0]["folder"] == "dreams/t/preview_mask_0"
    assert small.frames[7]["objective"] == frames[7]["objective"]


def test_a_guide_grows_its_own_structure(project, monkeypatch):
    """The issue's target: from the same seed, a guide of horizontal stripes gives more horizontal
    structure (energy of d/dy against d/dx of the change) than a guide of vertical stripes. The
    guide's features are computed once per process and guided layer, not once per frame."""
    seed = REPO / "dreams/fractal_light/img_0.jpg"
    ratios = {}
    for name in ("h", "v"):
        plan, _ = planned(
            project,
            monkeypatch,
            f"""\
seed_image: {seed}
size: [192, 108]
seed: 1
defaults: {{zoom_speed: 0, num_iterations: 10, num_repeats: 2, step_size: 3.0}}
segments:
  - {{frames: 3, layer: 3, guide: dreams/t/{name}.png}}
""",
        )
        out = project / f"dreams/t/guided_{name}"
        render.make_frame(0, plan.frames[0], out / "000000.png")
        misses = guide._features.cache_info().misses
        render.make_frames([1, 2], plan.frames[1:], [out / "000001.png", out / "000002.png"], out / "000000.png")
        # one forward pass a guided layer (layer 3, and layer 1 for the guide's fine structure), for both frames
        assert guide._features.cache_info().misses == misses + 2
        seed_pixels, dreamed = (np.asarray(Image.open(out / f"{i:06d}.png"), np.float64).mean(2) for i in (0, 1))
        change = dreamed - seed_pixels
        ratios[name] = np.abs(np.diff(change, axis=0)).mean() / np.abs(np.diff(change, axis=1)).mean()
    print(f"d/dy over d/dx of the change: horizontal stripes {ratios['h']:.2f}, vertical {ratios['v']:.2f}")
    assert ratios["h"] > 1.1 > 0.9 > ratios["v"]


def grey_stripes(horizontal, size, period):
    """Grey stripes (levels 64 and 192) of `period` pixels (horizontal: rows of stripes)."""
    y, x = np.mgrid[: size[1], : size[0]]
    level = np.where(((y if horizontal else x) % period) < period / 2, 192, 64).astype(np.uint8)
    return np.repeat(level[..., None], 3, 2)


@pytest.fixture(scope="module")
def stripe_guides(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stripes")
    found = {}
    for period in (16, 31):
        for name in "hv":
            found[name, period] = folder / f"{name}{period}.png"
            Image.fromarray(grey_stripes(name == "h", (192, 108), period)).save(found[name, period])
    return found


def _orientation(layer, guide_path, out):
    """|d/dy|^2 / |d/dx|^2 of the luma of frame 2's change against the seed image, dreamed at
    `layer` toward `guide_path` (the default guide_weight), in this process."""
    data = {
        "seed_image": str(REPO / "dreams/fractal_light/img_0.jpg"),
        "size": [192, 108],
        "seed": 1,
        "defaults": {"zoom_speed": 0, "num_iterations": 4, "step_size": 2.0, "num_repeats": 0},
        "segments": [{"frames": 3, "layer": layer, "guide": str(guide_path)}],
    }
    paths = [out / f"{i:06d}.png" for i in range(3)]
    render.make_frames(range(3), spec.plan("t", spec.validate(data)).frames, paths)
    seed, last = (np.asarray(Image.open(path), np.float64) @ [0.299, 0.587, 0.114] for path in (paths[0], paths[2]))
    change = last - seed
    return (np.diff(change, axis=0) ** 2).sum() / (np.diff(change, axis=1) ** 2).sum()


@pytest.mark.parametrize("layer", range(1, 12))
def test_a_guide_steers_at_every_layer(stripe_guides, tmp_path, layer):
    """Issue 32's bar at each layer 1..11 (192x108, 2 frames of 4 iterations, one octave, to stay
    affordable; the issue's set-up, 256x144 and frame 5, is benchmarks/guides.md at layers 1, 3,
    6, 9, 11 and the table in docs/masks_and_guides.md): from the same seed, the orientation ratio
    of the change toward horizontal stripes is at least 1.15x the ratio toward vertical ones, at a
    16 and a 31 pixel period."""
    for period in (16, 31):
        h, v = (_orientation(layer, stripe_guides[name, period], tmp_path) for name in "hv")
        print(f"layer {layer}, {period} px: toward horizontal {h:.2f}, vertical {v:.2f}: {h / v:.2f}x")
        assert h >= 1.15 * v


BAD = [
    ("mask: dreams/t/gone.png", "defaults.mask: dreams/t/gone.png: no such file"),
    (
        "mask: dreams/t/square.png",
        "defaults.mask: dreams/t/square.png is 64x64, not the video's shape 96x64: make the mask 96x64",
    ),
    (
        "mask: dreams/t/short.mp4",
        "defaults.mask: dreams/t/short.mp4 has 6 frames at 24 fps and the dream needs 12 of it",
    ),
    ("mask: dreams/t/gone.mp4", "defaults.mask: dreams/t/gone.mp4: no such file"),
    ("guide: dreams/t/gone.png", "defaults.guide: dreams/t/gone.png: no such file"),
    ("guide: config/config.yaml", "defaults.guide: config/config.yaml: not a readable image"),
    ("guide: dreams/t/h.png\nguide_weight: 2", "defaults.guide_weight: 2 is greater than the maximum of 1"),
    (
        "mask: dreams/t/half.png\nmask_strength: '1 - t'",
        "defaults.mask_strength: -1 at frame 2 is out of range (must be 0..1)",
    ),
    (
        "mask: dreams/t/half.png\ndefaults: {mask: dreams/t/half.png}",
        "mask: given at the top level and in `defaults`: keep one",
    ),
    ("mask_feather: -1", "defaults.mask_feather: -1 is less than the minimum of 0"),
]


@pytest.mark.parametrize("line,message", BAD, ids=[m.split(":")[0] + f"-{i}" for i, (_, m) in enumerate(BAD)])
def test_a_bad_mask_or_guide_is_one_line_naming_the_field(project, monkeypatch, line, message):
    segments = "segments:\n  - {frames: 6, layer: 3}\n  - {frames: 6, layer: 4}\n"
    text = f"size: [96, 64]\nseed_image: dreams/t/img_0.jpg\n{line}\n{segments}"
    (project / "config/dreams/bad.yaml").write_text(text)
    monkeypatch.chdir(project)
    spec.plan_for.cache_clear()
    try:
        errors = spec.check(["bad"], "config/dreams", "{}")
    finally:
        spec.plan_for.cache_clear()
    assert len(errors) == 1 and errors[0].startswith("error: config/dreams/bad.yaml: " + message), errors
    assert "\n" not in errors[0]


def test_a_guide_at_a_layer_the_model_lacks_names_the_layer(project, monkeypatch):
    (project / "config/dreams/bad.yaml").write_text(
        "size: [96, 64]\nseed_image: dreams/t/img_0.jpg\nguide: dreams/t/h.png\nsegments:\n  - {frames: 6, layer: 12}\n"
    )
    monkeypatch.chdir(project)
    spec.plan_for.cache_clear()
    errors = spec.check(["bad"], "config/dreams", "{}")
    spec.plan_for.cache_clear()
    assert errors == [
        "error: config/dreams/bad.yaml: segments[0].layer: unknown layer 12 for model inception_v3: "
        "use a number 1..11 or a name (mixed0, mixed1, mixed2, mixed3, mixed4, mixed5, mixed6, mixed7, "
        "mixed8, mixed9, mixed10)"
    ]


MASKED = """\
size: [96, 64]
seed: 3
defaults: {zoom_speed: 32}
segments:
  - {frames: 4, layer: 3}
  - {frames: 4, layer: 4, mask: dreams/t/half.png, mask_feather: 3, guide: dreams/t/h.png, guide_weight: 0.5}
  - {frames: 4, layer: 5, mask: dreams/t/wipe.mp4, mask_strength: "0.5 + 0.5*t/3"}
"""


@pytest.fixture(scope="module")
def masked_render(tmp_path_factory, model_env):
    """MASKED rendered through Snakemake, uninterrupted: the project and its frames' bytes."""
    from helpers import frames, make_project, snakemake

    root = make_project(tmp_path_factory.mktemp("masked"), MASKED)
    make_files(root)
    done = snakemake(root, model_env, "dreams/t/frames/000011.png")
    assert done.returncode == 0, done.stderr[-3000:]
    return root, {p.name: p.read_bytes() for p in frames(root)}


def test_a_masked_guided_render_killed_and_resumed_gives_the_same_bytes(masked_render, tmp_path, model_env):
    from helpers import frames, kill_at, make_project, snakemake, temporaries

    _, expected = masked_render
    root = make_project(tmp_path, MASKED)
    make_files(root)
    kill_at(root, model_env, "dreams/t/frames/000011.png", 9)  # in the mask video's segment
    assert [p.name for p in frames(root)] == [f"{i:06d}.png" for i in range(9)]
    done = snakemake(root, model_env, "dreams/t/frames/000011.png")
    assert done.returncode == 0, done.stderr[-3000:]
    assert {p.name: p.read_bytes() for p in frames(root)} == expected
    assert temporaries(root) == []
    # The wipe shows: frame 9's mask is white on its left 72 columns, black on the rest.
    assert (root / "dreams/t/frames_mask_0/000009.png").exists()


def test_editing_a_mask_rerenders_the_frames_that_use_it_and_those_after(masked_render, model_env):
    from helpers import frames, snakemake

    root, expected = masked_render
    before = {p.name: p.stat().st_mtime_ns for p in frames(root)}
    inverted = 255 - np.asarray(Image.open(root / "dreams/t/half.png"))
    Image.fromarray(inverted).save(root / "dreams/t/half.png")
    done = snakemake(root, model_env, "dreams/t/frames/000011.png")
    assert done.returncode == 0, done.stderr[-3000:]
    after = {p.name: p.stat().st_mtime_ns for p in frames(root)}
    assert sorted(n for n in after if after[n] != before[n]) == [f"{i:06d}.png" for i in range(4, 12)]
    assert (root / "dreams/t/frames/000004.png").read_bytes() != expected["000004.png"]
    assert all((root / f"dreams/t/frames/{i:06d}.png").read_bytes() == expected[f"{i:06d}.png"] for i in range(4))


def test_the_readme_examples_plan_and_their_assets_are_reproducible(monkeypatch, tmp_path):
    """docs/examples/*.yaml plan as the README's commands run them (`--config specs=docs/examples`),
    and scripts/make_example_assets.py writes the masks and guides committed there, byte for byte."""
    import importlib.util

    monkeypatch.chdir(REPO)
    names = sorted(p.stem for p in (REPO / "docs/examples").glob("*.yaml"))
    assert names == ["guided_cells", "guided_waves", "masked"]
    spec.plan_for.cache_clear()
    assert spec.check(names, "docs/examples", "{}") == []
    spec.plan_for.cache_clear()
    loaded = importlib.util.spec_from_file_location("assets", REPO / "scripts/make_example_assets.py")
    assets = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(assets)
    assets.write(tmp_path)
    for name in ("disc", "waves", "cells"):
        assert (tmp_path / f"{name}.png").read_bytes() == (REPO / f"docs/examples/{name}.png").read_bytes()
