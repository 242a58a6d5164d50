"""Music features per video frame, for schedule expressions (`zoom: "1.002 + 0.03*beat"`).

The soundtrack is decoded by the ffmpeg the project already ships (so mp3, flac, wav, m4a, and the
sound of a video file all work) and analysed with librosa once; the analysis is cached on disk,
keyed by the file's bytes and the analysis settings, so a dry run reads numbers instead of decoding.
Video frame i is the audio at time i / fps + audio_offset.

Features, each 0..1 on a robust scale over the whole track (percentiles, not the maximum, so one
loud hit does not flatten the rest):
  rms     loudness (RMS level in dB)
  onset   onset strength (how sudden the sound is: drums, plucks, attacks)
  beat    1 on a detected beat's frame, falling linearly to 0 over `beat_decay` seconds
  bass, mid, treble   spectral energy (dB) below, between and above the two `audio_bands` (Hz)
and `tempo`, the track's tempo in beats per minute (one number, the same on every frame)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from .. import files, layout, media

FEATURES = ("rms", "onset", "beat", "bass", "mid", "treble", "tempo")
SR = 22050  # librosa's default rate: enough for the bands and the beat
HOP = 256  # 11.6 ms between analysis frames: a 30 fps video frame spans about three
N_FFT = 2048
SILENCE = 1e-4  # peak amplitude (-80 dBFS) below which a track counts as silent
CACHE = Path(layout.AUDIO_CACHE)
_VERSION = 1  # bump when the analysis changes: old cache entries are then ignored


def decode(path, sr=SR, seconds=None):
    """The file's first audio stream (its first `seconds`, or all) as mono float32 samples at
    `sr` Hz, via ffmpeg. MediaError, one line, for a missing file, no audio stream, or bad data."""
    media.probe_audio(path)
    cmd = [
        media.ffmpeg(),
        "-v",
        "error",
        "-i",
        str(path),
        "-map",
        "0:a:0",
        "-vn",
        "-ac",
        "1",
        "-ar",
        str(sr),
        *(["-t", str(seconds)] if seconds else []),
        "-f",
        "f32le",
        "-",
    ]
    done = subprocess.run(cmd, capture_output=True)
    if done.returncode:  # ffmpeg's own lines name its internals, not the problem
        raise media.MediaError(f"{path}: ffmpeg cannot decode its audio (a damaged file, or not a sound file?)")
    return np.frombuffer(done.stdout, dtype=np.float32)


def check(path):
    """Decode the first half second: a spec's soundtrack fails at plan time, not at the mux."""
    decode(path, seconds=0.5)


def _scale(values, low, high):
    """Map the `low`..`high` percentiles of `values` onto 0..1, clipped; all zeros if flat."""
    lo, hi = np.percentile(values, [low, high])
    if not hi > lo:
        return np.zeros_like(values)
    return np.clip((values - lo) / (hi - lo), 0.0, 1.0)


def analyse(samples, bands, sr=SR):
    """Per analysis frame (HOP samples apart): the 0..1 features, the beat times (s) and tempo."""
    import librosa  # imported here: a cached analysis needs no librosa (a dry run stays quick)

    count = 1 + len(samples) // HOP
    if len(samples) == 0 or np.abs(samples).max() < SILENCE:
        return {
            "silent": True,
            "tempo": 0.0,
            "beats": np.zeros(0),
            "duration": len(samples) / sr,
            **{name: np.zeros(count) for name in ("rms", "onset", "bass", "mid", "treble")},
        }
    samples = np.asarray(samples, dtype=np.float32)
    power = np.abs(librosa.stft(samples, n_fft=N_FFT, hop_length=HOP)) ** 2
    mel = librosa.feature.melspectrogram(S=power, sr=sr)  # what onset_strength(y) would compute
    onset = librosa.onset.onset_strength(S=librosa.power_to_db(mel), sr=sr, hop_length=HOP)
    tempo, beats = librosa.beat.beat_track(onset_envelope=onset, sr=sr, hop_length=HOP)
    # The tracker lands a hop or two after the onset it follows (measured on click tracks):
    # move each beat to the strongest onset within ±3 hops (±35 ms).
    beats = [max(b - 3, 0) + int(np.argmax(onset[max(b - 3, 0) : b + 4])) for b in beats]
    beats = librosa.frames_to_time(np.unique(beats), sr=sr, hop_length=HOP)
    freqs = librosa.fft_frequencies(sr=sr, n_fft=N_FFT)
    low, high = bands
    out = {
        "silent": False,
        "tempo": float(np.atleast_1d(tempo)[0]),
        "beats": np.asarray(beats, dtype=np.float64),
        "duration": len(samples) / sr,
        "rms": _scale(librosa.amplitude_to_db(librosa.feature.rms(S=np.sqrt(power), frame_length=N_FFT)[0]), 5, 95),
        "onset": _scale(onset, 50, 99),
    }  # onset strength idles near its median: that is 0
    for name, (f0, f1) in {"bass": (20, low), "mid": (low, high), "treble": (high, sr / 2 + 1)}.items():
        energy = power[(freqs >= f0) & (freqs < f1)].sum(axis=0)
        out[name] = _scale(librosa.power_to_db(energy + 1e-12), 5, 95)
    return out


def _key(path, bands):
    settings = json.dumps({"v": _VERSION, "sr": SR, "hop": HOP, "n_fft": N_FFT, "bands": list(bands)})
    return files.digest(f"{files.digest(path)} {settings}".encode())[:24]


def analysis(path, bands=(250, 4000), cache=None):
    """`analyse(decode(path))`, cached in `cache/<hash of the file and settings>.npz` (CACHE)."""
    entry = Path(cache or CACHE) / f"{_key(path, bands)}.npz"
    if entry.exists():
        with np.load(entry, allow_pickle=False) as data:
            return {key: (data[key].item() if data[key].ndim == 0 else data[key]) for key in data.files}
    result = analyse(decode(path), bands)
    entry.parent.mkdir(parents=True, exist_ok=True)
    with files.atomic(entry) as tmp, open(tmp, "wb") as stream:
        np.savez(stream, **result)
    return result


def beat_frames(result, fps, frames, offset=0.0):
    """The video frames nearest to each detected beat (inside the video)."""
    index = np.round((np.asarray(result["beats"]) - offset) * fps).astype(int)
    return sorted({int(i) for i in index if 0 <= i < frames})


def per_frame(result, fps, frames, offset=0.0, beat_decay=0.25):
    """{feature: np.float64 array of `frames` values}: frame i is the audio at i / fps + offset.
    Level features are averaged and onsets peak-held over each frame's 1/fps window; outside
    the track (a negative offset, or a video longer than its song) every feature is 0."""
    times = np.arange(frames) / fps + offset
    hops = len(result["rms"])
    centres = np.arange(hops) * HOP / SR
    lo = np.searchsorted(centres, times - 0.5 / fps)
    hi = np.maximum(np.searchsorted(centres, times + 0.5 / fps), lo + 1)
    inside = (times >= 0) & (times < result["duration"]) & (lo < hops)
    out = {}
    for name in ("rms", "onset", "bass", "mid", "treble"):
        values = np.asarray(result[name], dtype=np.float64)
        pool = np.max if name == "onset" else np.mean
        out[name] = np.array([pool(values[a:b]) if ok else 0.0 for a, b, ok in zip(lo, hi, inside)])
    beat = np.zeros(frames)
    span = max(beat_decay * fps, 1.0)  # frames from 1 down to 0; at least the beat's own frame
    for b in beat_frames(result, fps, frames, offset):
        tail = np.arange(b, min(frames, b + int(np.ceil(span))))
        beat[tail] = np.maximum(beat[tail], 1.0 - (tail - b) / span)
    out["beat"] = beat
    out["tempo"] = np.full(frames, float(result["tempo"]))
    return {name: np.round(values, 6) for name, values in out.items()}


def warn_if_silent(result, path, source):
    if result["silent"]:
        print(
            f"warning: {source}: audio: {path} is silent: the music features "
            f"({', '.join(FEATURES)}) are 0 on every frame",
            file=sys.stderr,
        )
