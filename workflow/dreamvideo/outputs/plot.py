"""The plan as data: one CSV row per frame and a PNG of every setting over time, to check a spec
before spending hours dreaming it. The music features (`with_features`) get their own columns and
panels under the settings they drive; any other extra numeric key in the records becomes a
further column and panel without changes here."""

import csv
import numbers
import textwrap
from pathlib import Path
from typing import get_type_hints

import numpy as np

from .. import files
from ..plan.audio import FEATURES
from ..plan.records import Identity, Settings, dreams

# Plan record keys split into columns (a list value becomes one column per component).
_SPLIT = {"center": ("x", "y"), "color_balance": ("r", "g", "b"), "target_color": ("r", "g", "b")}
# The columns: frame and time, then the records' settings (records.Settings, in its order), the
# objective as the layer's name.
COLUMNS = [
    "frame",
    "time",
    *(
        "layer" if key == "objective" else key
        for key in get_type_hints(Settings)
        for key in ([f"{key}_{part}" for part in _SPLIT[key]] if key in _SPLIT else [key])
    ),
]
# Record keys that are not columns of their own: identity and bookkeeping, not a curve to look at.
_NOT_EXTRA = {*COLUMNS, *_SPLIT, "objective", *get_type_hints(Identity), "kind", "seed_image", "size"}


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _number(value):
    """Shortest text that reads back as the same number (repr of a Python float or int)."""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    return repr(float(value))


def layer_text(record):
    """The objective as one string: `mixed2`, or `mixed2*1+mixed4[12,40]*0.5` for a mix; a guided
    term names its guide: `mixed4>stripes.png*0.5`."""
    objective = record.get("objective")
    if objective is None:
        return None if record.get("layer") is None else str(record["layer"])  # older plans: one layer
    if isinstance(objective, str):
        return objective
    terms = []
    for term in objective:
        layer, weight, channels = (list(term) + [1.0, []])[:3]
        text = str(layer) + (f"[{','.join(str(c) for c in channels)}]" if channels else "")
        text += "".join(f">{Path(guide).name}" for guide in term[3:])
        weight = float(weight)
        if len(objective) > 1 or weight != 1.0:  # a lone full-weight layer reads as just its name
            text += "*" + (str(int(weight)) if weight.is_integer() else repr(weight))
        terms.append(text)
    return "+".join(terms)


def with_features(records, features):
    """Copies of the records with each dreamed frame's music features added (a seed image has none)."""
    return [
        {**record, **{k: float(v[index]) for k, v in features.items()}} if dreams(record) else record
        for index, record in enumerate(records)
    ]


def extra_columns(records):
    """Scalar numeric keys beyond the known ones, over all frame records: the music features in
    their usual order, then the rest sorted."""
    keys = {key for record in records for key, value in record.items() if key not in _NOT_EXTRA and _is_number(value)}
    return [key for key in FEATURES if key in keys] + sorted(keys - set(FEATURES))


def columns(records):
    return COLUMNS + extra_columns(records)


def rows(records, fps):
    """One dict per frame, keyed by `columns(records)`; a missing value is None. A frame that is not
    dreamed (the seed image) has only frame and time."""
    names = columns(records)
    for index, record in enumerate(records):
        row = dict.fromkeys(names)
        row.update(frame=index, time=index / fps)
        if dreams(record):
            for key in names[2:]:
                if key in record:
                    row[key] = record[key]
            for key, parts in _SPLIT.items():
                values = record.get(key)
                for part, value in zip(parts, values if values is not None else [None] * len(parts)):
                    row[f"{key}_{part}"] = value
            row["layer"] = layer_text(record)
        yield row


def write_csv(records, fps, path):
    """The plan as CSV: header `columns(records)`, one row per frame, numbers round-trip exact."""

    def cell(value):
        return "" if value is None else _number(value) if _is_number(value) else str(value)

    with files.atomic(path) as tmp, open(tmp, "w", newline="") as stream:
        out = csv.writer(stream, lineterminator="\n")
        out.writerow(columns(records))
        out.writerows([cell(v) for v in row.values()] for row in rows(records, fps))


# Panels: (title, [(column, label, colour), ...]). A panel is drawn when one of its columns varies;
# a column that is constant over the whole video goes into the text line under the title instead.
_RGB = ("tab:red", "tab:green", "tab:blue")
PANELS = [
    ("zoom", [("zoom", "zoom", "tab:purple")]),
    ("angle (deg)", [("angle", "angle", "tab:purple")]),
    ("translate (frame share / frame)", [("translate_x", "x", "tab:orange"), ("translate_y", "y", "tab:cyan")]),
    ("zoom centre", [("center_x", "x", "tab:orange"), ("center_y", "y", "tab:cyan")]),
    ("zoom_speed", [("zoom_speed", "zoom_speed", "tab:purple")]),
    ("step_size", [("step_size", "step_size", "tab:brown")]),
    (
        "iterations / repeats",
        [("num_iterations", "num_iterations", "tab:brown"), ("num_repeats", "num_repeats", "tab:gray")],
    ),
    ("blend / rescale", [("blend", "blend", "tab:brown"), ("rescale_factor", "rescale_factor", "tab:gray")]),
    ("tile_size", [("tile_size", "tile_size", "tab:brown")]),
    ("colour balance", [(f"color_balance_{c}", c, colour) for c, colour in zip("rgb", _RGB)]),
    ("target colour", [(f"target_color_{c}", c, colour) for c, colour in zip("rgb", _RGB)]),
    ("colour rate / color_hold", [("color_rate", "color_rate", "tab:olive"), ("color_hold", "color_hold", "tab:pink")]),
    # The music, under the settings it drives.
    ("music: beat and onset (0..1)", [("beat", "beat", "black"), ("onset", "onset", "tab:orange")]),
    ("music: loudness (0..1)", [("rms", "rms", "tab:gray")]),
    (
        "music: bands (0..1)",
        [("bass", "bass", "tab:red"), ("mid", "mid", "tab:green"), ("treble", "treble", "tab:blue")],
    ),
]
_STEPPED = {"num_iterations", "num_repeats", "tile_size", "zoom_speed", "segment"}
_MAX_HEIGHT = 30  # inches: beyond this, panels shrink rather than the image growing unreadably tall


def _series(frame_rows, key):
    return np.array([np.nan if row[key] is None else float(row[key]) for row in frame_rows])


def _varies(values):
    return len(set(values)) > 1  # None counts: a target colour switched on is a change


def _runs(values):
    """(start, stop, value) for each run of equal consecutive values: stop is exclusive."""
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            yield start, i, values[start]
            start = i


def _bands(ax, times, values, fps, transition=None):
    """Text settings (layer, border, octave_mode) as labelled coloured bands, one per run. With `transition`,
    a crossfading frame is split: the new band's colour up to its weight, the previous one above."""
    palette, previous = {}, None
    for start, stop, value in _runs(values):
        colour = palette.setdefault(value, f"C{len(palette) % 10}")
        span = times[start:stop]
        weight = np.ones(len(span))
        if transition is not None and previous is not None:
            weight = np.array([1.0 if w is None else w for w in transition[start:stop]])
            ax.bar(span, 1 - weight, bottom=weight, width=1 / fps, color=palette[previous], alpha=0.35, lw=0)
        ax.bar(span, weight, width=1 / fps, color=colour, alpha=0.35, lw=0)
        ax.text(span.mean(), 0.5, str(value), ha="center", va="center", fontsize=9, clip_on=True)
        previous = value
    ax.set_ylim(0, 1)
    ax.set_yticks([])


def _own_objectives(column):
    """Each frame's layer text, a transition's per-frame mixes shown as its segment's own objective
    (the crossfade itself is drawn by the band's split bars)."""
    own = {}
    for segment, weight, text in zip(column["segment"], column["transition"], column["layer"]):
        if weight is None or weight == 1.0:
            own.setdefault(segment, text)
    return [own.get(segment, text) for segment, text in zip(column["segment"], column["layer"])]


def _chosen(records, column):
    """(bands, panels, constant): the text settings drawn as bands, the panels of the numbers that
    change, and `key=value` of the settings that do not."""
    panels = [
        (name, [line for line in lines if line[0] in column])
        for name, lines in PANELS
        if any(key in column and _varies(column[key]) for key, _, _ in lines)
    ]
    # Any other number that changes gets a panel of its own: a new setting or an extra key.
    drawn = {key for _, lines in PANELS for key, _, _ in lines}
    panels += [
        (key, [(key, key, "tab:pink")])
        for key in columns(records)[5:]
        if key not in drawn and _varies(column[key]) and all(v is None or _is_number(v) for v in column[key])
    ]
    bands = [key for key in ("layer", "border", "octave_mode") if key == "layer" or _varies(column[key])]
    shown = {key for _, lines in panels for key, _, _ in lines} | set(bands)
    constant = [
        f"{key}={_number(v) if _is_number(v) else v}"
        for key in columns(records)[4:]
        if key not in shown and not _varies(column[key]) and (v := column[key][0]) is not None
    ]
    return bands, panels, constant


def _draw_panel(ax, lines, times, frame_rows, name):
    from matplotlib.ticker import MaxNLocator

    for key, label, colour in lines:
        ax.plot(
            times,
            _series(frame_rows, key),
            color=colour,
            lw=1.5,
            label=label,
            drawstyle="steps-mid" if key in _STEPPED else "default",
        )
    ax.set_title(name, loc="left", fontsize=9, pad=2)
    if all(key in _STEPPED for key, _, _ in lines):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    if len(lines) > 1:
        ax.legend(loc="upper left", fontsize=8, ncols=len(lines), framealpha=0.8)


def _mark_segments(axes, times, column, fps, bands):
    """Segment boundaries as dashed lines, transitions as gold spans (the layer band shows its own)."""
    segments = column["segment"]
    boundaries = [times[i] - 0.5 / fps for i in range(1, len(segments)) if segments[i] != segments[i - 1]]
    fading = [t is not None and t < 1 for t in column["transition"]]
    spans = [(times[a] - 0.5 / fps, times[b - 1] + 0.5 / fps) for a, b, on in _runs(fading) if on]
    for i, ax in enumerate(axes):
        for x in boundaries:
            ax.axvline(x, color="black", lw=1, ls="--", alpha=0.7)
        for left, right in spans if i >= len(bands) else []:
            ax.axvspan(left, right, color="gold", alpha=0.25, lw=0)


def write_png(records, fps, path, title=""):
    """Stacked panels of every setting that changes, over time (s) with frame numbers on top, for
    the dreamed frames. Segment boundaries are vertical lines, transitions (transition < 1) shaded spans."""
    from matplotlib.figure import Figure  # the object API: no pyplot state, renders with Agg

    frame_rows = [row for row, record in zip(rows(records, fps), records) if dreams(record)]
    if not frame_rows:
        raise ValueError("the plan dreams no frame")
    times = np.array([row["time"] for row in frame_rows])
    column = {key: [row[key] for row in frame_rows] for key in frame_rows[0]}
    bands, panels, constant = _chosen(records, column)

    ratios = [0.6] * len(bands) + [1.0] * len(panels)
    fig = Figure(figsize=(12, min(_MAX_HEIGHT, 1.2 + 2.0 * sum(ratios))), dpi=100, layout="constrained")
    axes = fig.subplots(len(ratios), 1, sharex=True, squeeze=False, height_ratios=ratios)[:, 0]
    heading = (title or "dream plan") + f"  ({len(records)} frames, {len(records) / fps:.2f} s at {_number(fps)} fps)"
    notes = textwrap.wrap("constant: " + ", ".join(constant), 170) if constant else []
    fig.suptitle("\n".join([heading, *notes]), fontsize=10)
    for ax, key in zip(axes, bands):
        _bands(
            ax,
            times,
            _own_objectives(column) if key == "layer" else column[key],
            fps,
            column["transition"] if key == "layer" else None,
        )
        ax.set_ylabel(key, rotation=0, ha="right", va="center")
    for ax, (name, lines) in zip(axes[len(bands) :], panels):
        _draw_panel(ax, lines, times, frame_rows, name)
    _mark_segments(axes, times, column, fps, bands)
    axes[0].set_xlim(0, times[-1] + 0.5 / fps)
    axes[-1].set_xlabel("time (s)   [dashed: segment boundary, gold: transition]")
    top = axes[0].secondary_xaxis("top", functions=(lambda t: t * fps, lambda f: f / fps))
    top.set_xlabel("frame")
    with files.atomic(path) as tmp:
        fig.savefig(tmp, format="png")
