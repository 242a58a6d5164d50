"""The plan as CSV (exact numbers, extra feature columns) and as a PNG of settings over time."""

import csv
import math

import numpy as np
import pytest
from PIL import Image

from dreamvideo.outputs import plot

FPS = 24
SINGLE = [["mixed2", 1.0, []]]
MIX = [["mixed2", 1.0, []], ["mixed4", 0.5, [12, 40]]]


def records(count=50, change=20, ramp=8):
    """A synthetic plan: zoom ramps linearly, segment 1 starts at frame `change` with a
    `ramp`-frame transition, a target colour and more iterations; every frame has a `beat`."""
    out = [{"kind": "seed_image", "seed_image": "seed.jpg", "size": [640, 360]}]
    for i in range(1, count):
        segment = int(i >= change)
        out.append(
            {
                "kind": "image_dream",
                "model": "inception_v3",
                "objective": MIX if segment else SINGLE,
                "precision": "float32",
                "segment": segment,
                "transition": min(1.0, (i - change + 1) / ramp) if segment else 1.0,
                "num_iterations": 3 if segment else 1,
                "step_size": 1.0 + 0.1 * i,
                "rescale_factor": 0.7,
                "num_repeats": 1,
                "blend": 0.2,
                "tile_size": 400,
                "zoom": 1.0 + 0.001 * i,
                "angle": 0.0,
                "translate_x": 0.0,
                "translate_y": 0.0,
                "center": [0.5, 0.5],
                "border": "reflect",
                "zoom_speed": 256,
                "color_balance": [0.33, 0.33, 0.34],
                "reference_brightness": 101.2,
                "target_color": [200.0, 120.5, 40.0] if segment else None,
                "color_rate": 0.1 if segment else 0.0,
                "color_hold": 0.05,
                "reference_vividness": [25.0, 30.5],
                "rng_seed": [0, i],
                "beat": math.exp(-(i % 12) / 3),
            }
        )
    return out


def read_csv(path):
    with open(path, newline="") as stream:
        table = list(csv.reader(stream))
    return table[0], [dict(zip(table[0], row)) for row in table[1:]]


def test_columns_are_the_spec_fields_then_the_extras():
    assert plot.COLUMNS[:5] == ["frame", "time", "segment", "transition", "layer"]
    assert plot.COLUMNS[-5:] == ["target_color_r", "target_color_g", "target_color_b", "color_rate", "color_hold"]
    assert len(set(plot.COLUMNS)) == len(plot.COLUMNS)
    plan = records()
    plan[5]["rms"] = 0.25  # an extra key on one frame only still gets a column
    plan[6]["flag"] = True  # booleans and non-scalars are not numeric features
    plan[7]["notes"] = [1, 2]
    assert plot.columns(plan) == plot.COLUMNS + ["rms", "beat"]  # music features in their usual order


def test_csv_round_trips_the_plan_exactly(tmp_path):
    plan = records()
    path = tmp_path / "plan.csv"
    plot.write_csv(plan, FPS, path)
    header, rows = read_csv(path)
    assert header == plot.COLUMNS + ["beat"]
    assert len(rows) == len(plan)
    assert [int(row["frame"]) for row in rows] == list(range(len(plan)))
    assert not list(tmp_path.glob(".*"))  # the temporary file was renamed away

    seed = rows[0]
    assert float(seed["time"]) == 0 and all(seed[key] == "" for key in header[2:])
    for i, (record, row) in enumerate(zip(plan[1:], rows[1:]), start=1):
        assert float(row["time"]) == i / FPS
        for key in (
            "segment",
            "transition",
            "num_iterations",
            "step_size",
            "rescale_factor",
            "num_repeats",
            "blend",
            "tile_size",
            "zoom",
            "angle",
            "translate_x",
            "translate_y",
            "zoom_speed",
            "color_rate",
            "beat",
        ):
            assert float(row[key]) == record[key], (i, key)
        assert (float(row["center_x"]), float(row["center_y"])) == tuple(record["center"])
        assert [float(row[f"color_balance_{c}"]) for c in "rgb"] == record["color_balance"]
        target = [row[f"target_color_{c}"] for c in "rgb"]
        assert (
            target == ["", "", ""]
            if record["target_color"] is None
            else [float(v) for v in target] == record["target_color"]
        )
        assert row["border"] == "reflect"
        assert row["layer"] == ("mixed2*1+mixed4[12,40]*0.5" if record["segment"] else "mixed2")
    # Integers stay integers; the ramp is really there.
    assert rows[1]["num_iterations"] == "1" and rows[25]["num_iterations"] == "3"
    assert [float(rows[i]["transition"]) for i in (19, 20, 27, 28)] == [1.0, 0.125, 1.0, 1.0]


def test_layer_text():
    assert plot.layer_text({"objective": SINGLE}) == "mixed2"
    assert plot.layer_text({"objective": [["mixed5", 0.25, [7]]]}) == "mixed5[7]*0.25"
    assert plot.layer_text({"objective": MIX}) == "mixed2*1+mixed4[12,40]*0.5"
    assert plot.layer_text({"layer": "mixed3"}) == "mixed3"  # a plan from before objectives


def test_rows_mark_the_seed_frame_and_missing_values():
    rows = list(plot.rows(records(5), FPS))
    assert rows[0]["frame"] == 0 and rows[0]["time"] == 0
    assert all(value is None for key, value in rows[0].items() if key not in ("frame", "time"))
    assert rows[2]["zoom"] == 1.002 and rows[2]["target_color_r"] is None


def png_pixels(path):
    with open(path, "rb") as stream:
        assert stream.read(8) == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as img:
        img.verify()
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def test_png_plots_the_plan(tmp_path):
    path = tmp_path / "plan.png"
    plot.write_png(records(), FPS, path, title="synthetic")
    pixels = png_pixels(path)
    height, width = pixels.shape[:2]
    assert width == 1200
    # Layer band + zoom, step_size, iterations, target colour, colour rate, beat: ~2 in (200 px) each.
    assert 1000 <= height <= 2000
    assert pixels.std() > 20  # not blank
    assert not list(tmp_path.glob(".*"))
    # The colour panels draw in red/green/blue: a strongly red pixel exists somewhere.
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    assert red.any()


def test_png_grows_with_varying_settings_and_stays_capped(tmp_path):
    few, many = records(30), records(30)
    for i, record in enumerate(few[1:], start=1):
        record.update(zoom=1.0, step_size=1.0, beat=0.0)  # only the segment-1 settings vary
    for i, record in enumerate(many[1:], start=1):
        record.update(
            angle=0.1 * i,
            translate_x=0.001 * i,
            zoom_speed=i,
            tile_size=400 + i,
            blend=0.01 * i,
            color_balance=[0.3 + 0.001 * i, 0.33, 0.37 - 0.001 * i],
            **{f"feature{k}": math.sin(i + k) for k in range(12)},
        )
    plot.write_png(few, FPS, tmp_path / "few.png")
    plot.write_png(many, FPS, tmp_path / "many.png")
    few_height = png_pixels(tmp_path / "few.png").shape[0]
    many_height = png_pixels(tmp_path / "many.png").shape[0]
    assert few_height < many_height <= 100 * plot._MAX_HEIGHT


def test_png_of_a_constant_plan(tmp_path):
    plan = records(10, change=100)
    for record in plan[1:]:
        record.update(zoom=1.0, step_size=1.0, beat=0.0)
    plot.write_png(plan, FPS, tmp_path / "still.png")
    assert png_pixels(tmp_path / "still.png").std() > 10


def test_png_needs_frames(tmp_path):
    with pytest.raises(ValueError):
        plot.write_png(records(1), FPS, tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()


def test_a_dreamed_frame_0_has_its_settings_and_a_seed_image_has_none(tmp_path):
    """A video dream's frame 0 is dreamed (kind video_start): its row, CSV line and curves hold its
    settings; an image dream's frame 0, its seed image, has only frame and time."""
    image = records(count=6, change=3, ramp=1)
    video = [
        {**record, "kind": "video_start" if index == 0 else "video_dream", "carry": 0.8}
        for index, record in enumerate([{**image[1], "rng_seed": [0, 0]}, *image[1:]])
    ]
    image_rows, video_rows = list(plot.rows(image, FPS)), list(plot.rows(video, FPS))
    assert image_rows[0]["layer"] is None and image_rows[0]["zoom"] is None
    assert video_rows[0]["layer"] == "mixed2" and video_rows[0]["zoom"] == video[0]["zoom"]
    assert video_rows[0]["carry"] == 0.8 and "carry" not in plot.columns(image)
    plot.write_csv(video, FPS, tmp_path / "video.csv")
    _, lines = read_csv(tmp_path / "video.csv")
    assert lines[0]["layer"] == "mixed2" and lines[0]["step_size"] == repr(video[0]["step_size"])
