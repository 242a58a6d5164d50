"""The frame record as a contract: every record a plan builds is of one of records.KINDS and holds
exactly its kind's keys; each kind's chain of steps reads exactly the inputs its kind declares,
and only keys its records hold; frame 0 is what its kind says."""

import numpy as np
import pytest
from PIL import Image

from dreamvideo.frame import steps
from dreamvideo.plan import preview, records, spec
from dreamvideo.testmedia import make_clip
from helpers import REPO

SIZE = (96, 64)


def keys(kind):
    record_type = records.KINDS[kind].record
    return record_type.__required_keys__, record_type.__optional_keys__


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """An image dream with a transition, a mask, a guide and a target colour, its preview, and a
    video dream (with flow, and without)."""
    tmp = tmp_path_factory.mktemp("records")
    Image.fromarray(np.tile(np.uint8([0, 255]), (SIZE[1], SIZE[0] // 2))).save(tmp / "mask.png")
    Image.fromarray(np.tile(np.uint8([[0], [255]]), (SIZE[1] // 2, SIZE[0]))).save(tmp / "guide.png")
    image = spec.plan(
        "t",
        spec.validate(
            {
                "seed_image": str(REPO / "tests/data/golden_input.png"),
                "size": list(SIZE),
                "segments": [
                    {"frames": 3, "layer": 3},
                    {
                        "frames": 4,
                        "layer": 5,
                        "transition": 2,
                        "mask": str(tmp / "mask.png"),
                        "guide": str(tmp / "guide.png"),
                        "target_color": "#ff8800",
                    },
                ],
            }
        ),
    )
    clip = make_clip(tmp / "clip.mp4", frames=8, audio=False)
    videos = [
        spec.plan("v", spec.validate({"video": str(clip), "flow": method, "segments": [{"frames": 8}]}))
        for method in ("dis", "none")
    ]
    return {"image": image, "preview": preview.plan(image, 0.5), "video": videos[0], "video without flow": videos[1]}


def test_each_kind_has_a_chain_that_reads_exactly_its_inputs():
    assert set(steps.CHAINS) == set(records.KINDS)
    for name, kind in records.KINDS.items():
        assert {read for step in steps.CHAINS[name] for read in step.reads} == set(kind.reads), name


def test_each_step_reads_only_keys_its_kind_declares():
    for name in records.KINDS:
        required, optional = keys(name)
        for step in steps.CHAINS[name]:
            assert set(step.settings) <= required | optional, (
                name,
                step.name,
                set(step.settings) - required - optional,
            )


@pytest.mark.parametrize("which", ["image", "preview", "video", "video without flow"])
def test_every_record_holds_exactly_its_kinds_keys(plans, which):
    for index, record in enumerate(plans[which].frames):
        required, optional = keys(record["kind"])
        assert required <= set(record) <= required | optional, (
            index,
            required - set(record),
            set(record) - required - optional,
        )
    assert any("mask" in record for record in plans[which].frames) == (which in ("image", "preview"))


def test_frame_0_is_what_its_kind_says(plans):
    image, video, still = plans["image"].frames, plans["video"].frames, plans["video without flow"].frames
    assert [r["kind"] for r in image] == ["seed_image"] + ["image_dream"] * 6
    assert [r["kind"] for r in video] == ["video_start"] + ["video_dream"] * 7
    assert records.reads(image[0]) == ("seed_image",) and not records.dreams(image[0])
    assert records.reads(video[0]) == ("source", "model_weights", "guidance")  # nothing carried into it
    assert records.reads(video[1]) == ("previous", "source", "flow", "model_weights", "guidance")
    assert records.reads(still[1]) == ("previous", "source", "model_weights", "guidance")  # `flow: none`


def test_a_jobs_inputs_are_what_its_records_read(plans):
    image, video = plans["image"], plans["video"]
    assert set(image.inputs(image.frames[:1])) == {"seed_image"}
    masked = image.inputs(image.frames[4:6], previous="before.png")
    assert set(masked) == {"previous", "model_weights", "guidance"} and masked["previous"] == "before.png"
    assert sorted(masked["guidance"]) == sorted(
        {image.frames[5]["mask"][0]["path"], image.frames[5]["objective"][-1][3]}
    )
    assert video.inputs(video.frames[:1]) == {
        "model_weights": str(video.inputs(video.frames[:1])["model_weights"]),
        "source": video.source_dir(),
    }
    assert set(video.inputs(video.frames[:2], previous="p")) == {"previous", "source", "flow", "model_weights"}
