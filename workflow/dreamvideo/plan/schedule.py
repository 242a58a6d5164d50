"""Per-frame schedules: one spec value → one float64 value per frame.

Every numeric per-frame setting (zoom, angle, step_size, colour components, ...) may be

1. a number: ``1.02`` (constant);
2. an expression: ``"1.0025+0.002*sin(1.25*3.14*t/30)"`` (evaluated for every frame);
3. a Deforum schedule string, pasted as-is: ``"0:(1.0), 30:(1.02), 2.5s:(1+0.1*sin(t))"``;
4. a mapping: ``{0: 1.0, "2.5s": 1.02, 48: "1+0.1*sin(t)", "interpolation": "smooth"}``.

Keyframes (forms 3 and 4) sit at frames counted from the schedule's own start, at seconds
(``"2.5s"``, rounded to the nearest frame) or, as in Deforum, at an expression of ``max_f``/``fps``.
They may lie past the end (they still shape the curve before them); negative frames are an error.
As in Deforum's ``parse_key_frames``/``get_inbetweens``: the first keyframe's value is held before
it; a number keyframe is interpolated towards the next keyframe and held after the last; an
expression keyframe is evaluated per frame (``t`` = that frame) from its frame until the next
keyframe, its values there anchoring the interpolation around it.  Unlike Deforum, commas inside
expressions work (only top-level commas split keyframes), duplicates are an error, nothing is eval'd.

Interpolation between anchors (mapping key ``interpolation``; Deforum strings are linear):
``linear`` (default), ``step`` (hold until the next keyframe), or ``smooth``: a cubic Hermite curve
with PCHIP (Fritsch-Butland) slopes at interior anchors and zero slope at the first and last.  It
hits every keyframe, never overshoots (monotone data stays monotone), is C1 everywhere including
into the holds before and after, and with two keyframes it is exactly smoothstep 3x²-2x³.

Expressions are parsed with ``ast.parse`` and the tree is walked over numpy arrays, all frames at
once.  Names: ``t`` (frame within this schedule), ``f`` (global frame), ``s`` (seconds, t/fps),
``max_f`` (frames-1), ``fps``, ``pi``, ``e`` and any extra per-frame ``variables`` (audio features).
"""

import math
import re

import numpy as np

from .expression import FUNCTIONS, ScheduleError, is_number, literal, parse, run, to_float

INTERPOLATIONS = ("linear", "smooth", "step")


_RESERVED = ("t", "f", "s", "max_f", "fps", "pi", "e")
_SECONDS = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*s", re.ASCII)


def is_schedule(value):
    """True for anything that is not a plain number (an expression, a keyframe string or mapping)."""
    return not is_number(value)


def smoothstep(x):
    """3x²-2x³ on [0, 1], clipped outside: zero slope at both ends."""
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def resolve(value, frames, fps, variables=None, offset=0, length=None):
    """One value per frame (np.float64 array of length `frames`) from a number, expression,
    Deforum keyframe string or keyframe mapping; see the module docstring. `length`: how many
    frames the schedule is written for (`max_f` = length - 1; default `frames`): a segment's
    schedule runs on past its segment through the next one's transition."""
    frames = int(frames)
    if frames < 1 or not fps > 0:
        raise ValueError(f"need frames >= 1 and fps > 0, got {frames} and {fps}")
    ctx = _Context(frames, float(fps), variables or {}, offset, length or frames)
    if is_number(value):
        return _finite(np.full(frames, to_float(value)), np.arange(frames))
    if isinstance(value, dict):
        method = value.get("interpolation", "linear")
        if method not in INTERPOLATIONS:
            raise ScheduleError(f"interpolation {method!r} is not one of {', '.join(INTERPOLATIONS)}")
        pairs = [(k, v) for k, v in value.items() if k != "interpolation"]
        return _keyframes(_collect(pairs, ctx), method, ctx)
    if not isinstance(value, str):
        raise ScheduleError(f"expected a number, expression or keyframes, not {type(value).__name__}")
    pieces = [_split(p, ":") for p in _split(value, ",") if p.strip()]
    # A top-level ':' means keyframes: expressions hold none (lambda aside, which is refused).
    if pieces and len(pieces[0]) > 1 and not re.match(r"\s*lambda\b", value):
        if any(len(p) != 2 for p in pieces):
            raise ScheduleError("expected keyframes like '0:(1.0), 30:(1.02)'")
        return _keyframes(_collect(pieces, ctx), "linear", ctx)
    return _evaluate(parse(value), np.arange(frames), ctx)


class _Context:
    def __init__(self, frames, fps, variables, offset, length):
        self.frames, self.fps, self.offset, self.variables = frames, fps, offset, variables
        self.max_f = float(length - 1)
        for name, array in variables.items():
            if name in _RESERVED or name in FUNCTIONS:
                raise ValueError(f"variable name {name!r} is reserved")
            if np.shape(array) != (frames,):
                raise ValueError(f"variable {name!r} must have {frames} values, not {np.shape(array)}")

    def names(self, idx):
        """The expression names at frames `idx` (past the end, extra variables hold their last value)."""
        t = idx.astype(np.float64)
        names = {
            "t": t,
            "f": t + self.offset,
            "s": t / self.fps,
            "max_f": self.max_f,
            "fps": self.fps,
            "pi": math.pi,
            "e": math.e,
        }
        for name, array in self.variables.items():
            names[name] = np.asarray(array, dtype=np.float64)[np.clip(idx, 0, self.frames - 1)]
        return names


def _split(text, sep):
    """Split on `sep` outside brackets, so `max(a, b)` stays one piece."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch in "([{") - (ch in ")]}")
        if ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]


def _evaluate(tree, idx, ctx):
    out = run(tree, ctx.names(idx))
    return _finite(np.array(np.broadcast_to(out, idx.shape), dtype=np.float64), idx)


def _finite(values, idx):
    bad = ~np.isfinite(values)
    if bad.any():
        raise ScheduleError(f"value is not finite at frame {idx[np.argmax(bad)]}")
    return values


def _position(key, ctx):
    """A keyframe's frame from 12, '12', '2.5s' or a Deforum position expression like 'max_f-10'."""
    text = str(key).strip().strip("'\"").strip()
    shown = repr(text[:60])
    seconds = _SECONDS.fullmatch(text)
    if seconds:
        key = np.floor(float(seconds.group(1)) * ctx.fps + 0.5)
    elif isinstance(key, str):
        names = {"max_f": ctx.max_f, "fps": ctx.fps, "pi": math.pi, "e": math.e}
        try:
            key = float(run(parse(text), names))
        except ScheduleError as exc:
            raise ScheduleError(f"keyframe position {shown}: {exc}") from None
    if not is_number(key):
        raise ScheduleError(f"keyframe position {shown} is not a frame number")
    key = to_float(key)
    if not math.isfinite(key) or abs(key - round(key)) > 1e-9:
        raise ScheduleError(f"keyframe position {shown} is not a whole frame (write '2.5s' for seconds)")
    if not 0 <= key <= 1e9:  # a huge frame would overflow the index arithmetic
        raise ScheduleError(f"keyframe position {shown} is {'negative' if key < 0 else 'too large'}")
    return int(round(key))


def _collect(pairs, ctx):
    """{frame: float for a number keyframe, or the expression's tree} from (position, value) pairs."""
    keys = {}
    for key, value in pairs:
        frame = _position(key, ctx)
        if frame in keys:
            raise ScheduleError(f"duplicate keyframe {frame}")
        try:
            if not (is_number(value) or isinstance(value, str)):
                raise ScheduleError("value must be a number or an expression")
            tree = value if is_number(value) else parse(value)
            number = to_float(tree) if is_number(tree) else literal(tree)
            if number is not None and not math.isfinite(number):
                raise ScheduleError("value is not finite")
        except ScheduleError as exc:
            raise ScheduleError(f"keyframe {frame}: {exc}") from None
        keys[frame] = tree if number is None else number
    if not keys:
        raise ScheduleError("no keyframes")
    return keys


def _keyframes(keys, method, ctx):
    n, out = ctx.frames, np.full(ctx.frames, np.nan)  # NaN marks frames still to interpolate
    order = sorted(keys)
    xs, ys = [], []  # anchors: number keyframes and the ends of expression spans
    for i, frame in enumerate(order):
        value = keys[frame]
        if isinstance(value, float):
            xs.append(frame)
            ys.append(value)
            out[frame : frame + 1] = value  # no-op past the end
            continue
        # An expression runs until the next keyframe (or the end); evaluate it over the in-range
        # part of its span plus the span's ends, which anchor the interpolation around it.
        last = order[i + 1] - 1 if i + 1 < len(order) else max(n - 1, frame)
        idx = np.union1d(np.arange(frame, min(last, n - 1) + 1), [frame, last])
        try:
            values = _evaluate(value, idx, ctx)
        except ScheduleError as exc:
            raise ScheduleError(f"keyframe {frame}: {exc}") from None
        inside = idx < n
        out[idx[inside]] = values[inside]
        xs.extend(idx[[0, -1]] if last > frame else idx[:1])
        ys.extend(values[[0, -1]] if last > frame else values[:1])
    out[: xs[0]] = ys[0]  # hold the first value before it ...
    out[xs[-1] + 1 :] = ys[-1]  # ... and the last after it
    gaps = np.flatnonzero(np.isnan(out))
    if gaps.size:
        out[gaps] = _interpolate(np.asarray(xs, dtype=np.float64), np.asarray(ys), gaps, method)
    return out


def _interpolate(x, y, at, method):
    if method == "step":
        return y[np.searchsorted(x, at, side="right") - 1]
    if method == "linear":
        return np.interp(at, x, y)
    # smooth: PCHIP's slopes keep it monotone between anchors; zero slopes at the ends make the
    # holds join C1 (and turn a two-key curve into smoothstep). scipy.interpolate is imported here,
    # not at the top: it costs 0.45 s, in every `snakemake` run (dry runs, no-op reruns), that plans
    # a dream whose schedules are not smooth.
    from scipy.interpolate import CubicHermiteSpline, PchipInterpolator

    slopes = PchipInterpolator(x, y).derivative()(x)
    slopes[[0, -1]] = 0.0
    return CubicHermiteSpline(x, y, slopes)(at)
