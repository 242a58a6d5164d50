"""Music features: a click track's beats land on their frames, features feed the schedules, bad
audio fails in one line, and the analysis is cached."""

import subprocess

import numpy as np
import pytest

from dreamvideo.outputs import video
from dreamvideo.plan import audio, spec
from dreamvideo.testmedia import SR, click_track, write_wav
from helpers import REPO


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(audio, "CACHE", tmp_path / "cache")
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def clicks(tmp_path_factory):
    path = tmp_path_factory.mktemp("clicks") / "clicks.flac"
    wav = path.with_suffix(".wav")
    times = click_track(wav)
    subprocess.run([video.ffmpeg(), "-v", "error", "-i", str(wav), str(path)], check=True)  # decoded by ffmpeg too
    return path, times


@pytest.mark.parametrize("fps", [24, 30])
def test_beat_peaks_within_a_frame_of_every_click_and_tempo_is_120(clicks, fps):
    path, times = clicks
    result = audio.analysis(path)
    assert result["tempo"] == pytest.approx(120, rel=0.02)
    beat = audio.per_frame(result, fps, 10 * fps)["beat"]
    peaks = np.flatnonzero(beat == 1.0)
    expected = np.round(times * fps)
    assert all(np.abs(peaks - e).min() <= 1 for e in expected), (peaks, expected)  # every click has its peak
    assert all(np.abs(expected - p).min() <= 1 for p in peaks), (peaks, expected)  # and no peak without a click
    between = [i for i in range(fps, 9 * fps) if i - expected[expected <= i].max() > 0.25 * fps + 1]
    assert len(between) > 20 and beat[between].max() == 0  # beat_decay 0.25 s: 0 again before the next click


def test_features_are_0_to_1_and_loud_where_the_clicks_are(clicks):
    features = audio.per_frame(audio.analysis(clicks[0]), 24, 240)
    for name in ("rms", "onset", "beat", "bass", "mid", "treble"):
        assert features[name].shape == (240,) and features[name].min() >= 0 and features[name].max() == 1, name
    on = np.round(clicks[1] * 24).astype(int)
    off = on[:-1] + 6  # half-way between clicks
    assert features["rms"][on].mean() > features["rms"][off].mean() + 0.5
    assert features["onset"][on].mean() > 0.8 > 0.1 > features["onset"][off].mean()
    assert features["mid"][on].mean() > features["bass"][on].mean()  # 2 kHz blips: mid, not bass


def test_audio_offset_shifts_the_features(clicks):
    result = audio.analysis(clicks[0])
    plain = audio.per_frame(result, 24, 200)["beat"]
    shifted = audio.per_frame(result, 24, 200, offset=0.25)["beat"]  # the video starts 6 frames into the song
    assert np.array_equal(shifted[:190], plain[6:196])
    late = audio.per_frame(result, 24, 200, offset=-1.0)["beat"]  # the song starts 24 frames into the video
    assert late[:24].max() == 0 and np.array_equal(late[24:200], plain[:176])


def test_analysis_is_cached_by_the_file_bytes(tmp_path, cache, monkeypatch):
    path = write_wav(tmp_path / "a.wav", np.sin(np.arange(SR * 2) * 0.05) * 0.5)
    first = audio.analysis(path)
    assert len(list(cache.glob("*.npz"))) == 1
    monkeypatch.setattr(audio, "decode", lambda *_: pytest.fail("decoded again although cached"))
    again = audio.analysis(path)
    assert all(np.array_equal(np.asarray(first[k]), np.asarray(again[k])) for k in first)
    write_wav(path, np.sin(np.arange(SR * 2) * 0.07) * 0.5)  # new bytes, same name: analysed afresh
    with pytest.raises(pytest.fail.Exception):
        audio.analysis(path)


def plan(data):
    base = {"seed_image": str(REPO / "tests/data/golden_input.png"), "size": [96, 64], "fps": 24}
    return spec.plan("t", spec.validate({**base, **data}), "t.yaml")


def test_a_schedule_follows_the_beat_and_snap_moves_a_boundary_onto_one(clicks):
    path, times = clicks
    p = plan(
        {
            "audio": str(path),
            "segments": [{"frames": 50, "step_size": "0.5 + 2*beat"}, {"frames": 40, "snap": "beat", "layer": 5}],
        }
    )
    first_of_second = min(i for i, r in enumerate(p.frames) if i and r["segment"] == 1)
    steps = np.array([r["step_size"] for r in p.frames[1:first_of_second]])
    beats = np.flatnonzero(audio.per_frame(audio.analysis(path), 24, 90)["beat"] == 1)
    assert steps.max() == 2.5 and set(np.flatnonzero(steps == 2.5) + 1) == set(
        beats[(beats > 0) & (beats < first_of_second)]
    )
    assert first_of_second == min(beats, key=lambda b: abs(b - 50))  # the beat nearest frame 50 (48)
    assert len(p.frames) == 90  # snapping moves a boundary; the video keeps its length


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.flac", r"audio: .*missing.flac: no such file"),
        (
            lambda d: (d / "notes.flac").write_text("not audio") and d / "notes.flac",
            r"audio: .*notes.flac: ffmpeg cannot decode its audio",
        ),
        (
            lambda d: (
                video.encode_pixels([np.zeros((32, 32, 3), np.uint8)] * 5, d / "silent.mp4", 24) or d / "silent.mp4"
            ),
            r"audio: .*silent.mp4: has no audio stream",
        ),
    ],
)
def test_bad_audio_is_one_line_naming_the_field(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(spec.SpecError, match=message) as err:
        plan({"audio": str(path), "segments": [{"frames": 5, "zoom": "1 + 0.01*beat"}]})
    assert "\n" not in str(err.value) and str(err.value).startswith("t.yaml: audio: ")


def test_a_silent_track_gives_zero_features_and_a_warning(tmp_path, capsys):
    path = write_wav(tmp_path / "quiet.wav", np.zeros(SR * 2))
    p = plan({"audio": str(path), "segments": [{"frames": 24, "zoom": "1 + 0.01*beat + 0.01*rms"}]})
    assert {r["zoom"] for r in p.frames[1:]} == {1.0}
    assert all(not values.any() for name, values in p.features().items())
    assert "warning: t.yaml: audio: " in capsys.readouterr().err


def test_a_music_feature_without_audio_says_to_set_audio():
    with pytest.raises(spec.SpecError, match=r"segments\[0\].zoom: beat is a music feature: set `audio:`"):
        plan({"segments": [{"frames": 5, "zoom": "1 + 0.01*beat"}]})
