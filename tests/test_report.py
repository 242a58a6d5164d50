"""Contact sheet and Snakemake report: what a user looks at before and after a render."""

import json
import re
import shutil
import zipfile

import numpy as np
import pytest
from PIL import Image

from dreamvideo.frame import pictures
from dreamvideo.outputs import contact_sheet
from helpers import REPO, snakemake


def _script(name):
    """A module of scripts/ (a command-line tool, not part of the package), loaded from its file."""
    import importlib.util

    loaded = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    return module


report_screenshot = _script("report_screenshot")


def test_every_nth_frame_and_the_last():
    assert contact_sheet.every(5) == [0, 1, 2, 3, 4]
    assert contact_sheet.every(240) == list(range(0, 240, 11)) + [239]  # 23 tiles
    assert len(contact_sheet.every(3600)) <= contact_sheet.TILES


def test_labels_name_frame_time_segment_and_layer_mix():
    records = [
        {"kind": "seed_image", "seed_image": "x.jpg", "size": [96, 64]},
        {"kind": "image_dream", "segment": 0, "objective": [["mixed2", 1.0, []]]},
        {"kind": "image_dream", "segment": 1, "objective": [["mixed2", 0.666666, []], ["mixed4", 0.333334, [3]]]},
    ]
    assert contact_sheet.labels(records, 24, [0, 1, 2]) == [
        "frame 0 · 0.00 s\nseed image",
        "frame 1 · 0.04 s\nsegment 0 · mixed2",
        "frame 2 · 0.08 s\nsegment 1 · mixed2*0.67+mixed4[3]*0.33",
    ]


def tile(sheet, index, frame_size, columns=6):
    """The pixels of the index-th tile of a contact sheet (the layout of contact_sheet.write)."""
    pad, cell_w = 6, contact_sheet.TILE_WIDTH + 6
    tile_h = round(contact_sheet.TILE_WIDTH * frame_size[1] / frame_size[0])
    cell_h = tile_h + 2 * contact_sheet.FONT + 10 + pad
    x, y = pad + index % columns * cell_w, contact_sheet.FONT + 16 + pad + index // columns * cell_h
    return np.asarray(sheet)[y : y + tile_h, x : x + contact_sheet.TILE_WIDTH].astype(float)


def closeness(sheet, index, path):
    pixels = Image.fromarray(pictures.read_frame(path)).resize(
        (contact_sheet.TILE_WIDTH, tile(sheet, 0, (96, 64)).shape[0]), Image.Resampling.LANCZOS
    )
    return np.abs(tile(sheet, index, (96, 64)) - np.asarray(pixels, float)).mean()


@pytest.fixture(scope="module")
def project(spec_render, tmp_path_factory):
    """The test dream's draft preview contact sheet (made first), then its full render."""
    root, _ = spec_render(tmp_path_factory.mktemp("report") / "project")
    return root, Image.open(root / "dreams/t/early_sheet.jpg").convert("RGB")


def test_the_preview_sheet_shows_the_preview_and_the_sheet_the_full_render(project, model_env):
    root, early = project
    assert sorted(p.name for p in (root / "dreams/t/preview").glob("*.png")) == [f"{i:06d}.png" for i in range(12)]
    late = Image.open(root / "dreams/t/contact_sheet.jpg").convert("RGB")
    assert early.size == late.size == (6 * 326 + 6, 2 * (213 + 2 * contact_sheet.FONT + 16) + contact_sheet.FONT + 22)
    last = 11  # the tile of frame 11: the preview's frame in the early sheet, the full frame after the render
    assert closeness(early, last, root / "dreams/t/preview/000011.png") < closeness(
        early, last, root / "dreams/t/frames/000011.png"
    )
    assert closeness(late, last, root / "dreams/t/frames/000011.png") < closeness(
        late, last, root / "dreams/t/preview/000011.png"
    )
    done = snakemake(root, model_env, "-n", "dreams/t/contact_sheet.jpg")  # the full frames exist: up to date
    assert done.returncode == 0 and "Nothing to be done" in done.stdout + done.stderr, done.stdout[-2000:]


def test_report_holds_the_video_contact_sheet_plot_and_spec(project, model_env):
    root, _ = project
    done = snakemake(root, model_env, "--report", "dreams/t/report.zip", "dreams/t/final.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    with zipfile.ZipFile(root / "dreams/t/report.zip") as archive:
        names = archive.namelist()
        html = archive.read("report/report.html").decode()
        for name, path in (
            ("contact_sheet.jpg", "dreams/t/contact_sheet.jpg"),
            ("schedule.png", "dreams/t/schedule.png"),
            ("final.mp4", "dreams/t/final.mp4"),
            ("t.yaml", "config/dreams/t.yaml"),
        ):
            member = next(n for n in names if n.endswith("/" + name))
            assert archive.read(member) == (root / path).read_bytes(), name
    categories = json.loads(re.search(r"var categories = (\{.*?\});\n", html).group(1))
    assert categories == {
        "Video": {"Other": ["dreams/t/final.mp4"]},
        "Spec": {"Other": ["config/dreams/t.yaml"]},
        "Overview": {"Other": ["dreams/t/contact_sheet.jpg", "dreams/t/schedule.png"]},
    }


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs chromium (Debian: apt-get install chromium)")
def test_report_shows_the_contact_sheet_in_a_browser(project, model_env, tmp_path):
    root, _ = project
    report = root / "dreams/t/report.zip"
    if not report.exists():
        assert snakemake(root, model_env, "--report", str(report), "dreams/t/final.mp4").returncode == 0
    dom = report_screenshot.open_report(report, "Overview", "contact_sheet.jpg", screenshot=tmp_path / "shot.png")
    assert re.search(r'<img src="data/raw/\w+/contact_sheet\.jpg"', dom), "the contact sheet is not shown"
    shot = np.asarray(Image.open(tmp_path / "shot.png").convert("RGB"))
    assert (
        shot.shape == (900, 1400, 3) and len(np.unique(shot.reshape(-1, 3), axis=0)) > 1000
    )  # a picture, not a blank page
