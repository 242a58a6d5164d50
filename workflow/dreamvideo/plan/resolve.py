"""Every setting of a validated spec resolved, over its timeline, to plain numbers, names and
paths: per segment (`Settings`, `segment`), then per frame (`frame_record`: one record of the kinds
records.py defines). Editing a segment changes exactly the records of its frames."""

import re

import numpy as np

from .. import layout
from ..frame import mask, pictures
from ..network import models
from . import audio, records, schedule
from .schema import numbers, scalar_rules, vector_rules, vectors, video_numbers


def _checked(values, field, kind, test, rule, start, fail):
    """Round (ints) or keep 9 significant digits (floats): the record holds exactly what renders."""
    values = np.round(values) if kind is int else np.array([float(f"{v:.9g}") for v in values])
    bad = np.flatnonzero(~test(values))
    if bad.size:
        fail(field, f"{values[bad[0]]:g} at frame {start + bad[0]} is out of range (must be {rule})")
    return [kind(v) for v in values]


class Settings:
    """The settings of a spec's segments, per frame, over a timeline: `variables` are per-frame
    arrays (music features) that schedule expressions may name, one value per frame of the video."""

    def __init__(self, defaults, segments, timeline, fps, variables, has_audio, fail):
        self.defaults, self.segments, self.timeline = defaults, segments, timeline
        self.fps, self.variables, self.has_audio, self.fail = fps, variables, has_audio, fail

    def _values(self, s, key, component=None):
        """Setting `key` over segment s's frames and the next segment's transition: a segment's
        own schedule counts t from its first frame, a `defaults` schedule from the video's."""
        tl, own = self.timeline, key in self.segments[s]
        value, field = (
            (self.segments[s][key], f"segments[{s}].{key}") if own else (self.defaults[key], f"defaults.{key}")
        )
        if component is not None:
            value, field = value[component], f"{field}[{component}]"
        span, first = tl.span(s), tl.start(s)
        start, length = (first, span) if own else (0, tl.total)
        try:
            out = schedule.resolve(
                value,
                length,
                self.fps,
                {k: v[start : start + length] for k, v in self.variables.items()},
                start,
                length=tl.counts[s] if own else tl.total,
            )
        except ValueError as err:
            name = re.search(r"unknown name '(\w+)'", str(err))
            if not self.has_audio and name and name[1] in audio.FEATURES:
                self.fail(field, f"{name[1]} is a music feature: set `audio:` to a soundtrack to use it")
            self.fail(field, err)
        return (out if own else out[first : first + span]), field

    def __call__(self, s, key):
        """Per-frame values of a setting for segment s (+ the next transition), checked."""
        start = self.timeline.start(s)
        if key in scalar_rules():
            return _checked(*self._values(s, key), *scalar_rules()[key], start, self.fail)
        vector = self.segments[s].get(key, self.defaults[key])
        if vector is None:  # no target colour
            return None
        columns = [
            _checked(*self._values(s, key, c), float, *vector_rules()[key], start, self.fail)
            for c in range(len(vector))
        ]
        return [list(row) for row in zip(*columns)]


def objective(model, settings, field, fail):
    """`layer` (+ `channels`) → [[layer name, weight, [channels]], ...]."""
    layer = settings["layer"]
    mix = layer if isinstance(layer, dict) else {layer: {"weight": 1.0, "channels": settings.get("channels", [])}}
    terms = []
    for key, term in mix.items():
        term = term if isinstance(term, dict) else {"weight": term}
        try:
            name = model.layer_name(key)
        except models.ModelError as err:
            fail(field, err)
        channels = [int(c) for c in term.get("channels", [])]
        count = model.channels[model.layers.index(name)]
        if any(c >= count for c in channels):
            fail(field, f"{name} has channels 0..{count - 1}: {max(channels)} is not one of them")
        terms.append([name, float(term.get("weight", 1.0)), channels])
    return terms


def blend_objectives(old, new, w):
    """Cross-fade: old terms weighted 1-w, new terms w (the same layer, channels and guide merge)."""
    merged = {}
    for terms, share in ((old, 1.0 - w), (new, w)):
        for name, weight, channels, *guided in terms:
            key = (name, tuple(channels), *guided)
            merged[key] = merged.get(key, 0.0) + weight * share
    return [
        [name, float(f"{weight:.9g}"), list(channels), *guided]
        for (name, channels, *guided), weight in merged.items()
        if weight > 0
    ]


def guided(terms, guide, weight, texture=None):
    """A segment's objective with its guide: each term split into the plain term (1 - weight)
    and the guided one (weight), and the guide pulling at the model's first layer `texture` too
    (its fine structure, which deep layers do not carry: docs/masks_and_guides.md) with the mean
    guided weight; terms of weight 0 are left out."""
    if guide is None:
        return terms
    split = [[n, w * (1.0 - weight), c] for n, w, c in terms] + [[n, w * weight, c, guide] for n, w, c in terms]
    if texture and not any(n == texture and not c for n, _, c in terms):
        split.append([texture, weight * sum(w for _, w, _ in terms) / len(terms), [], guide])
    return [[t[0], float(f"{t[1]:.9g}"), *t[2:]] for t in split if t[1] > 0]


def segment(model, spec, settings, s, size, mask_videos, fail):
    """Segment s's settings, each a list over its frames (and the next transition), or constant;
    `mask_videos` (path → (number, field)) gains the mask videos it uses."""
    seg = settings.segments[s]
    merged = {**settings.defaults, **seg}
    resolved_numbers = (*numbers(), *video_numbers()) if spec.get("video") else numbers()
    field = f"segments[{s}].layer" if "layer" in seg or "channels" in seg else "defaults.layer"
    resolved = {key: settings(s, key) for key in (*resolved_numbers, *vectors())}
    resolved.update(
        objective=objective(model, merged, field, fail),
        border=merged["border"],
        octave_mode=merged["octave_mode"],
        mask=merged["mask"],
        guide=merged["guide"],
        texture=model.layer_name(1),  # where a guide's fine structure pulls (guided)
        mask_invert=merged["mask_invert"],
        mask_feather=float(merged["mask_feather"]),
        mask_video=None,
    )

    def where(key):
        return f"segments[{s}].{key}" if key in seg else f"defaults.{key}"

    if merged["mask"] is not None:
        resolved["mask_strength"] = settings(s, "mask_strength")
        if mask.is_video(merged["mask"]):
            resolved["mask_video"] = mask_videos.setdefault(merged["mask"], (len(mask_videos), where("mask")))[0]
        else:
            try:
                mask.check_image(merged["mask"], size)
            except ValueError as err:
                fail(where("mask"), err)
    if merged["guide"] is not None:
        try:
            pictures.read_rgb(merged["guide"])
        except pictures.ImageError as err:
            fail(where("guide"), f"{err} (give an image whose textures the dream should grow)")
        resolved["guide_weight"] = settings(s, "guide_weight")
    span = len(resolved["zoom"])
    if resolved["target_color"] is None:  # the original project's balance; no steering
        resolved["color_rate"] = [0.0] * span
    else:  # steering replaces the balance
        resolved["color_balance"] = [[0.0, 0.0, 0.0]] * span
    return resolved


def _masking(side, k, index):
    """A segment's mask at its frame k (the video's frame `index`): (layers, open share); no
    mask: ([], 1.0). A mask video's layer names its number until the plan's folder is known."""
    if side["mask"] is None:
        return [], 1.0
    number = side["mask_video"]
    where = {"path": side["mask"]} if number is None else {"folder": number, "frame": index}
    return [
        {**where, "invert": side["mask_invert"], "feather": side["mask_feather"], "weight": side["mask_strength"][k]}
    ], 0.0


class _Eased:
    """Frame `index`'s place in its segment (cur, frame j of it) and, over a transition, in the
    previous one (prev, frame pj of it), eased by w (smoothstep, 1 = its own segment alone)."""

    def __init__(self, index, timeline, per_segment):
        self.s = s = timeline.segment_of(index)
        self.j = j = index - timeline.start(s)
        self.cur = per_segment[s]
        ease = timeline.transitions[s]
        self.w = float(f"{schedule.smoothstep((j + 1) / (ease + 1)):.9g}") if j < ease else 1.0
        self.prev = per_segment[s - 1] if self.w < 1.0 else None
        self.pj = index - timeline.start(s - 1) if self.prev else None

    def sides(self):
        """(settings, frame in them, share) of each segment the frame takes from."""
        return (
            ((self.prev, self.pj, 1.0 - self.w), (self.cur, self.j, self.w))
            if self.prev
            else ((self.cur, self.j, 1.0),)
        )

    def __call__(self, key):
        """Setting `key` at the frame: its segment's, or eased from the previous one's."""
        if self.prev is None:
            return self.cur[key][self.j]
        a, b, w = self.prev[key][self.pj], self.cur[key][self.j], self.w
        if isinstance(b, list):
            return [float(f"{(1 - w) * x + w * y:.9g}") for x, y in zip(a, b)]
        value = (1 - w) * a + w * b
        return int(round(value)) if isinstance(b, int) else float(f"{value:.9g}")

    def objective(self):
        def aimed(side, k):  # a side's objective at its frame k, with its guide
            return guided(side["objective"], side["guide"], side["guide"] and side["guide_weight"][k], side["texture"])

        if self.prev is None:
            return aimed(self.cur, self.j)
        return blend_objectives(aimed(self.prev, self.pj), aimed(self.cur, self.j), self.w)

    def masks(self, name, index):
        """{mask, mask_open} of the frame (none unmasked): each side's layers at its share."""
        layers, open_share = [], 0.0
        for side, k, share in self.sides():
            own, own_open = _masking(side, k, index)
            layers += [{**layer, "weight": float(f"{layer['weight'] * share:.9g}")} for layer in own]
            open_share += own_open * share
        for layer in layers:
            if "folder" in layer:
                layer["folder"] = layout.mask(name, "frames", layer["folder"])
        return dict(mask=layers, mask_open=float(f"{open_share:.9g}")) if layers else {}

    def target_color(self):
        """Where only one side of a transition steers to a colour, its target holds while the rate
        eases out (or in) and the other side's balance eases in (or out)."""
        sides = [(side["target_color"], k) for side, k, _ in self.sides() if side["target_color"]]
        return None if not sides else self("target_color") if len(sides) == 2 else sides[0][0][sides[0][1]]


def frame_record(name, index, kind, timeline, per_segment, base):
    """The record of dreamed frame `index`, of `kind` (records.KINDS), from its segment's settings,
    eased from the previous segment's over a transition. `base`: the keys every record shares.
    The keys go in a fixed order: it is part of the params Snakemake compares."""
    at = _Eased(index, timeline, per_segment)
    footage = "source" in records.KINDS[kind].reads  # a video dream's frame
    record = {
        "kind": kind,
        **base["identity"],
        "segment": at.s,
        "transition": at.w,
        "objective": at.objective(),
        **at.masks(name, index),
    }
    record.update({key: at(key) for key in ((*numbers(), *video_numbers()) if footage else numbers())})
    record.update(
        center=at("center"),
        border=at.cur["border"],
        octave_mode=at.cur["octave_mode"],
        color_balance=at("color_balance"),
        reference_brightness=base["reference_brightness"],
        reference_vividness=base["reference_vividness"],
        target_color=at.target_color(),
        rng_seed=[base["rng_seed"], index],
    )  # the dream's random shifts: the spec's `seed` and the frame
    if footage:  # the footage moves: the original project's pixel-trim zoom is for image dreams only
        carried = "flow" in records.KINDS[kind].reads  # the first frame has nothing to carry
        record.update(
            zoom_speed=0,
            flow=base["flow"] if carried else "none",
            carry_mode=base["carry_mode"],
            carry_resample=base["carry_resample"],
        )
    return record
