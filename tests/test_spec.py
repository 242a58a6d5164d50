"""The plan: what a spec resolves to, frame by frame (no rendering)."""

import re

import pytest

from dreamvideo.plan import spec
from helpers import REPO


def plan(text_spec):
    data = {"seed_image": str(REPO / "tests/data/golden_input.png"), "size": [96, 64], **text_spec}
    return spec.plan("t", spec.validate(data)).frames


def test_leaving_a_colour_target_eases_the_balance_back_in():
    frames = plan(
        {
            "segments": [
                {"frames": 10, "target_color": "#dc5028", "color_rate": 0.3},
                {"frames": 10, "color_balance": [0.2, 0.3, 0.5], "transition": 6},
            ]
        }
    )
    assert frames[5]["target_color"] == [220.0, 80.0, 40.0] and frames[5]["color_balance"] == [0.0, 0.0, 0.0]
    rates = [frames[i]["color_rate"] for i in range(9, 17)]
    blue = [frames[i]["color_balance"][2] for i in range(9, 17)]
    assert rates[0] == 0.3 and rates[-1] == 0.0 and all(a > b for a, b in zip(rates, rates[1:-1]))
    assert blue[0] == 0.0 and blue[-1] == 0.5 and all(a < b for a, b in zip(blue, blue[1:-1]))
    assert frames[15]["target_color"] == [220.0, 80.0, 40.0] and frames[16]["target_color"] is None


def test_a_transition_cross_fades_the_objective_and_eases_numbers():
    frames = plan(
        {
            "defaults": {"step_size": 1.0},
            "segments": [
                {"frames": 5, "layer": 3},
                {
                    "frames": 8,
                    "layer": {"mixed5": 1, "mixed7": {"weight": 0.5, "channels": [1, 2]}},
                    "step_size": 3.0,
                    "transition": "0.125s",
                },
            ],
        }
    )  # 3 frames at 24 fps
    assert [f["transition"] for f in frames[5:9]] == pytest.approx([0.15625, 0.5, 0.84375, 1.0])
    middle = frames[6]
    assert middle["objective"] == [["mixed2", 0.5, []], ["mixed5", 0.5, []], ["mixed7", 0.25, [1, 2]]]
    assert middle["step_size"] == 2.0
    assert frames[8]["objective"] == [["mixed5", 1.0, []], ["mixed7", 0.5, [1, 2]]]


def test_records_of_earlier_frames_do_not_change_when_a_later_keyframe_does():
    base = {"segments": [{"frames": 20, "zoom": "0:(1), 10:(1.01), 15:(1.02)"}]}
    edited = {"segments": [{"frames": 20, "zoom": "0:(1), 10:(1.01), 15:(1.05)"}]}
    a, b = plan(base), plan(edited)
    assert a[:11] == b[:11] and a[11] != b[11]


def test_max_f_in_a_segment_is_its_own_last_frame():
    frames = plan({"segments": [{"frames": 10, "zoom": "1 + 0.01*t/max_f"}, {"frames": 6, "transition": 4}]})
    assert frames[9]["zoom"] == 1.01  # t = 9 = max_f at the segment's last frame
    w = frames[10]["transition"]  # the segment's schedule runs on into the next one's transition
    assert frames[10]["zoom"] == pytest.approx((1 - w) * (1 + 0.01 * 10 / 9) + w * 1.0)


def test_octave_mode_is_in_every_record_detail_unless_a_segment_says_blend():
    frames = plan({"segments": [{"frames": 4}, {"frames": 4, "octave_mode": "blend", "transition": 2}]})
    assert [f["octave_mode"] for f in frames[1:]] == ["detail"] * 3 + ["blend"] * 4  # the text switches at once
    with pytest.raises(spec.SpecError, match="octave_mode"):
        plan({"segments": [{"frames": 4, "octave_mode": "sharp"}]})


@pytest.mark.parametrize("native", [True, False])
def test_precision_auto_is_resolved_into_every_record(monkeypatch, native):
    monkeypatch.setattr(spec.models.cpu, "native_bfloat16", lambda: native)
    frames = plan({"precision": "auto", "segments": [{"frames": 3}]})
    assert {f["precision"] for f in frames[1:]} == {"bfloat16" if native else "float32"}
    # A model without bfloat16 resolves to float32 whatever the CPU.
    frames = plan({"precision": "auto", "model": "vgg16", "segments": [{"frames": 2, "layer": 3}]})
    assert frames[1]["precision"] == "float32"


def test_native_bfloat16_reads_the_cpu_flags(tmp_path, monkeypatch):
    from dreamvideo import cpu

    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\n")
    assert cpu.native_bfloat16(cpuinfo)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")  # its kernels off: bfloat16 emulated
    assert not cpu.native_bfloat16(cpuinfo)
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS")
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 amx_bf16 amx_tile\n")
    assert cpu.native_bfloat16(cpuinfo)
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 fma\n")
    assert not cpu.native_bfloat16(cpuinfo)
    assert not cpu.native_bfloat16(tmp_path / "missing")


@pytest.mark.parametrize(
    "field,value,message",
    [
        (
            "num_iterations",
            "1 + 400*t",
            "segments[0].num_iterations: 1201 at frame 3 is out of range (must be 1..1000)",
        ),
        ("step_size", "1 - t", "segments[0].step_size: 0 at frame 1 is out of range (must be > 0)"),
        (
            "rescale_factor",
            "0.5 + 0.25*t",
            "segments[0].rescale_factor: 1 at frame 2 is out of range (must be between 0 and 1)",
        ),
        ("color_hold", "0.9 + 0.1*t", "segments[0].color_hold: 1.1 at frame 2 is out of range (must be 0..1)"),
    ],
)
def test_a_schedule_is_held_to_the_schemas_range_for_constants(field, value, message):
    """One rule per field, the schema's: a schedule may not reach what a constant may not be."""
    with pytest.raises(spec.SpecError) as err:
        plan({"segments": [{"frames": 6, field: value}]})
    assert str(err.value) == "spec: " + message
    with pytest.raises(spec.SpecError, match=field):  # the same bound on a constant, from the schema
        plan(
            {
                "segments": [
                    {
                        "frames": 6,
                        field: {"num_iterations": 1001, "step_size": 0, "rescale_factor": 1, "color_hold": 1.5}[field],
                    }
                ]
            }
        )


def test_every_record_holds_the_seed_images_spread_and_its_own_color_hold():
    from dreamvideo.frame import colour, pictures

    frames = plan({"segments": [{"frames": 4}, {"frames": 4, "color_hold": "0.1*t", "transition": 2}]})
    seed = pictures.fit(pictures.read_rgb(REPO / "tests/data/golden_input.png"), (96, 64))
    assert all(f["reference_vividness"] == pytest.approx(colour.vividness(seed), abs=1e-4) for f in frames[1:])
    default = spec.validate({"segments": [{"frames": 1}]})["defaults"]["color_hold"]
    assert [f["color_hold"] for f in frames[1:4]] == [default] * 3
    assert frames[7]["color_hold"] == pytest.approx(0.3)  # its own schedule (t: its frame 3) after the transition


def _music_value(kind, entry):
    """A value of a field that reads music (plan/music.py's kinds), valid for its schema entry."""
    defs = spec.schema.schema()["$defs"]
    entry = {**defs.get(entry.get("$ref", "").rsplit("/", 1)[-1], {}), **entry}
    if kind == "schedule":
        return "1 + 0*beat"
    if kind == "schedules":  # one schedule of the list names a feature
        return ["0.5 + 0*rms"] + [0.5] * (entry["minItems"] - 1)
    if kind == "choice":
        return "beat"
    default = entry["default"]  # a setting of the analysis, moved off its default
    return [2 * v for v in default] if isinstance(default, list) else default + 1


def test_every_field_that_reads_music_is_refused_without_audio_in_one_line():
    """Walks the schema: every field that may read the soundtrack (a schedule, a list of them, a
    choice naming a music feature, a setting of the analysis) is found (a field added later too),
    and each, given a value that reads music in a spec without `audio:`, at the top level, in
    `defaults` or in a segment, is refused when the plan is made, before anything renders: one line
    naming the field and `audio:`, even where nothing else would read it (a guide_weight without
    a guide, a video's carry in an image dream, a default every segment overrides)."""
    from dreamvideo.plan import music

    schema = spec.schema.schema()
    props = schema["properties"]
    places = {
        "": props,
        "defaults": props["defaults"]["properties"],
        "segments": props["segments"]["items"]["properties"],
    }
    found = music.fields()
    for place, entries in places.items():  # a field naming the schedule or the music in its schema is covered
        for name, entry in entries.items():
            text = str({**schema["$defs"].get(entry.get("$ref", "").rsplit("/", 1)[-1], {}), **entry})
            container = "properties" in entry or "properties" in entry.get("items", {})
            if (
                name not in ("audio", "video")
                and not container
                and re.search(r"schedule|beat|soundtrack|bass|music", text)
            ):
                assert (place, name) in found, f"{place}.{name} may read music but plan/music.py misses it"
    assert {kind for kind in found.values()} == {"schedule", "schedules", "choice", "analysis"}
    for (place, name), kind in found.items():
        value = _music_value(kind, places[place][name])
        data = {"segments": [{"frames": 4}, {"frames": 4}]}
        if place == "segments":
            data["segments"][1][name], field = value, f"segments[1].{name}"
        elif place == "defaults":
            data["defaults"], field = {name: value}, f"defaults.{name}"
        else:  # the top level (mask and guide settings there are defaults)
            data[name], field = value, f"defaults.{name}" if name in spec.TOP_LEVEL_DEFAULTS else name
        with pytest.raises(spec.SpecError) as err:
            plan(data)
        message = str(err.value)
        assert message.startswith(f"spec: {field}: ") and "set `audio:`" in message and "\n" not in message, message
    # The schedule's other forms: Deforum keyframes and a mapping.
    for value in ("0:(1), 2:(1 + 0.01*beat)", {0: 1.0, "0.1s": "1 + 0.01*bass", "interpolation": "smooth"}):
        with pytest.raises(spec.SpecError, match=r"^spec: segments\[0\].zoom: \w+ is a music feature: set `audio:`"):
            plan({"segments": [{"frames": 4, "zoom": value}]})
