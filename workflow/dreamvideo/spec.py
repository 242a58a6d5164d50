"""Dream spec (YAML) → validated spec → frame plan: one small record per frame.

A frame's record holds only that frame's own settings, so the workflow can hand it to Snakemake
as the frame job's params: editing a segment changes exactly the records of its frames."""

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from . import audio, colour, frame, mask, models, schedule, video
from . import source as footage  # `source` is plan()'s name for the spec file

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "dream.schema.yaml"


class SpecError(ValueError):
    """A spec problem, phrased as `file: field: what is wrong (what to do)`."""


@dataclass(frozen=True)
class Plan:
    name: str
    seed_image: str | None  # None for a video dream
    audio: str | None
    fps: float
    size: tuple  # (width, height)
    model: str
    frames: tuple  # frames[i] is the record of frame i; frames[0] is the seed image, fitted (a video's is dreamed)
    audio_offset: float = 0.0
    beat_decay: float = 0.25
    audio_bands: tuple = (250, 4000)
    video: str | None = None  # a video dream's clip
    start: float = 0.0  # where in the clip it starts (s)
    flow: str = "none"  # the flow method between its frames
    threads: int = 1  # CPU threads of a frame job (its records say the same)
    folder: str = "frames"  # where the frames go: "frames", or "preview" for the draft preview
    mask_videos: tuple = ()  # (path, frames used) of each mask video its records use; extracted to mask_dir(n)

    def frame_path(self, index):
        return f"dreams/{self.name}/{self.folder}/{index:06d}.png"

    def mask_dir(self, number):
        """Where mask video `number` (of mask_videos) is extracted, one frame per dream frame."""
        return _mask_dir(self.name, self.folder, number)

    # A video dream's footage at this plan's size, and the flow between its frames (one folder
    # per method, so another method does not overwrite one already computed).
    def source_dir(self):
        return f"dreams/{self.name}/{self.folder}_source"

    def flow_dir(self):
        return f"{self.source_dir()}_flow_{self.flow}"

    def frame_paths(self):
        return [self.frame_path(i) for i in range(len(self.frames))]

    def features(self):
        """The music features per frame ({} without audio): what schedules saw, for the plots."""
        if not self.audio:
            return {}
        return audio.per_frame(audio.analysis(self.audio, self.audio_bands), self.fps, len(self.frames),
                               self.audio_offset, self.beat_decay)


_MUSIC = re.compile(r"\b(" + "|".join(audio.FEATURES) + r")\b")


def _uses_music(settings):
    """True if a schedule anywhere in `settings` names a music feature."""
    if isinstance(settings, str):
        return bool(_MUSIC.search(settings))
    if isinstance(settings, dict):
        return any(_uses_music(k) or _uses_music(v) for k, v in settings.items())
    if isinstance(settings, list):
        return any(_uses_music(v) for v in settings)
    return False


def _field(path):
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "(top level)"


def _schema_message(error):
    """One line from a jsonschema error: the field, the problem, and the fix."""
    field = _field(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = ", ".join(error.schema.get("properties", {}))
        unknown = ", ".join(sorted(set(error.instance) - set(error.schema.get("properties", {}))))
        return f"{field}: unknown key {unknown} (allowed: {allowed})"
    if error.validator == "oneOf" and set(error.schema.get("properties", {})) >= {"frames", "seconds"}:
        return f"{field}: give a segment exactly one of `frames` or `seconds`"
    if error.validator == "required":
        return f"{field}: {error.message}"
    hint = error.schema.get("description")
    return f"{field}: {error.message}" + (f" ({hint})" if hint else "")


def schema_default(field):
    """The default of a top-level spec field, from the schema (its one source)."""
    return yaml.safe_load(SCHEMA.read_text())["properties"][field]["default"]


def validate(data, source="spec"):
    """Check `data` against the schema and fill its defaults in place (snakemake.utils.validate)."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate as snakemake_validate

    if not isinstance(data, dict):
        raise SpecError(f"{source}: a dream spec is a mapping with at least `segments:`")
    for key in TOP_LEVEL_DEFAULTS:  # `mask:` / `guide:` at the top level are defaults of every segment
        if key in data:
            defaults = data.setdefault("defaults", {})
            if not isinstance(defaults, dict) or key in defaults:
                raise SpecError(f"{source}: {key}: given at the top level and in `defaults`: keep one")
            defaults[key] = data.pop(key)
    try:
        snakemake_validate(data, str(SCHEMA), set_default=True)
    except WorkflowError as err:
        cause = err.__context__  # the jsonschema ValidationError, raised while handling it
        raise SpecError(f"{source}: {_schema_message(cause) if hasattr(cause, 'absolute_path') else err}") from None
    return data


def load(name, specs_dir="config/dreams", shared=None):
    """Read config/dreams/<name>.yaml, merge the shared `dream_defaults`, validate, fill defaults."""
    path = Path(specs_dir) / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in Path(specs_dir).glob("*.yaml"))) or "none"
        raise SpecError(f"{path}: no such dream spec (dreams here: {known})")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise SpecError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from None
    if isinstance(data, dict):
        data = {**(shared or {}), **data}
    return validate(data, str(path))


# Numeric frame settings: each a constant or a schedule; (type, test a resolved value must pass, the rule).
NUMBERS = {
    "num_iterations": (int, lambda v: v >= 1, ">= 1"),
    "step_size": (float, lambda v: v > 0, "> 0"),
    "rescale_factor": (float, lambda v: (v > 0) & (v < 1), "between 0 and 1"),
    "num_repeats": (int, lambda v: (v >= 0) & (v <= 20), "0..20"),
    "blend": (float, lambda v: (v >= 0) & (v <= 1), "0..1"),
    "tile_size": (int, lambda v: v >= 0, ">= 0"),
    "zoom_speed": (int, lambda v: v >= 0, ">= 0"),
    "zoom": (float, lambda v: v > 0, "> 0"),
    "angle": (float, lambda v: v == v, "a number"),
    "translate_x": (float, lambda v: v == v, "a number"),
    "translate_y": (float, lambda v: v == v, "a number"),
    "color_rate": (float, lambda v: (v >= 0) & (v <= 1), "0..1"),
}
VIDEO_NUMBERS = {"carry": (float, lambda v: (v >= 0) & (v <= 1), "0..1")}  # in video dreams' records only
# In the records of masked or guided frames only (folded into "mask" and "objective").
SHARES = {key: (float, lambda v: (v >= 0) & (v <= 1), "0..1") for key in ("mask_strength", "guide_weight")}
TOP_LEVEL_DEFAULTS = ("mask", "mask_invert", "mask_feather", "mask_strength", "guide", "guide_weight")
# Settings of several numbers, each a constant or a schedule: (test, rule).
VECTORS = {
    "color_balance": (lambda v: v == v, "a number"),
    "target_color": (lambda v: (v >= 0) & (v <= 255), "0..255"),
    "center": (lambda v: v == v, "a number"),
}


def _checked(values, field, kind, test, rule, start, fail):
    """Round (ints) or keep 9 significant digits (floats): the record holds exactly what renders."""
    values = np.round(values) if kind is int else np.array([float(f"{v:.9g}") for v in values])
    bad = np.flatnonzero(~test(values))
    if bad.size:
        fail(field, f"{values[bad[0]]:g} at frame {start + bad[0]} is out of range (must be {rule})")
    return [kind(v) for v in values]


def _objective(model, settings, field, fail):
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


def _blend_objectives(old, new, w):
    """Cross-fade: old terms weighted 1-w, new terms w (the same layer, channels and guide merge)."""
    merged = {}
    for terms, share in ((old, 1.0 - w), (new, w)):
        for name, weight, channels, *guided in terms:
            key = (name, tuple(channels), *guided)
            merged[key] = merged.get(key, 0.0) + weight * share
    return [[name, float(f"{weight:.9g}"), list(channels), *guided]
            for (name, channels, *guided), weight in merged.items() if weight > 0]


def _guided(terms, guide, weight):
    """A segment's objective with its guide: each term split into the plain term (1 - weight)
    and the guided one (weight); terms of weight 0 are left out."""
    if guide is None:
        return terms
    split = [[n, w * (1.0 - weight), c] for n, w, c in terms] + [[n, w * weight, c, guide] for n, w, c in terms]
    return [[t[0], float(f"{t[1]:.9g}"), *t[2:]] for t in split if t[1] > 0]


def _masking(settings, j, index):
    """A segment's mask at its frame j (the video's frame `index`): (layers, open share); no
    mask: ([], 1.0). A mask video's layer names its number until the plan's folder is known."""
    if settings["mask"] is None:
        return [], 1.0
    number = settings["mask_video"]
    where = {"path": settings["mask"]} if number is None else {"folder": number, "frame": index}
    return [{**where, "invert": settings["mask_invert"], "feather": settings["mask_feather"],
             "weight": settings["mask_strength"][j]}], 0.0


def _mask_dir(name, folder, number):
    return f"dreams/{name}/{folder}_mask_{number}"


def _frames_of(value, fps, field, fail):
    """A `transition` length: frames (int) or seconds ('1.5s' or a number with `s`)."""
    if isinstance(value, str):
        try:
            return max(0, round(float(value.rstrip("s")) * fps)) if value.endswith("s") else int(value)
        except ValueError:
            fail(field, f"{value!r} is not a number of frames or seconds (e.g. 12 or '0.5s')")
    return int(value)


def plan(name, spec, source="spec", variables=None):
    """The frame plan of a validated spec; checks what the schema cannot (files, layers, sizes,
    schedules). Every setting is resolved to plain numbers per frame here: a frame's record is
    all that its pixels depend on. `variables`: extra per-frame arrays (audio features) for
    schedule expressions, one value per frame of the whole video."""
    def fail(field, message):
        raise SpecError(f"{source}: {field}: {message}")

    try:
        model = models.get(spec["model"])
    except models.ModelError as err:
        fail("model", err)
    if spec["precision"] not in ("float32", "auto") and model.name not in models.BFLOAT16_MODELS:
        fail("precision", f"{spec['precision']} is available for the Inception v3 models only: use float32 with {model.name}")
    precision = models.resolve_precision(spec["precision"], model.name)  # the record names what ran
    clip = spec.get("video")
    if clip is None:
        seed_image = spec.get("seed_image", f"dreams/{name}/img_0.jpg")
        try:
            seed_pixels = frame.read_rgb(seed_image)
        except frame.ImageError as err:
            fail("seed_image", f"{err} (put the first frame there or set `seed_image:`)")
        natural, fps, soundtrack = seed_pixels.shape[1::-1], spec["fps"], spec.get("audio")
    else:
        seed_image = None
        natural, fps, clip_frames, soundtrack = _clip(spec, fail)
    if "size" in spec:
        size = tuple(spec["size"])
        if size[0] % 2 or size[1] % 2:
            fail("size", f"{size[0]}x{size[1]} is not even, which H.264 video needs: use "
                         f"[{size[0] // 2 * 2}, {size[1] // 2 * 2}]")
    else:
        size = (natural[0] // 2 * 2, natural[1] // 2 * 2)
    if soundtrack == "none":
        soundtrack = None
    if soundtrack is not None:
        try:
            audio.check(soundtrack)
        except video.MediaError as err:
            fail("audio", f"{err} (give a sound file, e.g. .flac, .wav, .mp3, or remove `audio:`)")

    defaults, segments = spec["defaults"], spec["segments"]
    counts = [seg["frames"] if "frames" in seg else max(1, round(seg["seconds"] * fps)) for seg in segments]
    if clip is not None:
        counts = _fitted(counts, clip_frames, fail)
    total = sum(counts)
    variables = dict(variables or {})
    if soundtrack is not None and (_uses_music([defaults, segments]) or any("snap" in seg for seg in segments)):
        try:
            analysis = audio.analysis(soundtrack, tuple(spec["audio_bands"]))
        except video.MediaError as err:
            fail("audio", err)
        audio.warn_if_silent(analysis, soundtrack, source)
        variables = {**audio.per_frame(analysis, fps, total, spec["audio_offset"], spec["beat_decay"]), **variables}
        counts = _snapped(counts, segments, audio.beat_frames(analysis, fps, total, spec["audio_offset"]), fail)
    starts = [sum(counts[:s]) for s in range(len(segments))]  # the seed image is segment 0's first frame
    transitions = [0] + [min(counts[s], _frames_of(seg.get("transition", 0), fps, f"segments[{s}].transition", fail))
                         for s, seg in enumerate(segments) if s > 0]
    for where, settings in [("defaults", defaults)] + [(f"segments[{s}]", seg) for s, seg in enumerate(segments)]:
        if isinstance(settings.get("target_color"), str):
            try:
                settings["target_color"] = list(colour.parse_color(settings["target_color"]))
            except ValueError as err:
                fail(f"{where}.target_color", err)

    def values(s, key, component=None):
        """Setting `key` over segment s's frames and the next segment's transition: a segment's
        own schedule counts t from its first frame, a `defaults` schedule from the video's."""
        own = key in segments[s]
        value, field = (segments[s][key], f"segments[{s}].{key}") if own else (defaults[key], f"defaults.{key}")
        if component is not None:
            value, field = value[component], f"{field}[{component}]"
        span = counts[s] + (transitions[s + 1] if s + 1 < len(segments) else 0)
        start, length = (starts[s], span) if own else (0, total)
        try:
            out = schedule.resolve(value, length, fps, {k: v[start:start + length] for k, v in variables.items()}, start,
                                   length=counts[s] if own else total)
        except ValueError as err:
            if soundtrack is None and (name := re.search(r"unknown name '(\w+)'", str(err))) and name[1] in audio.FEATURES:
                fail(field, f"{name[1]} is a music feature: set `audio:` to a soundtrack to use it")
            fail(field, err)
        return (out if own else out[starts[s]:starts[s] + span]), field

    def setting(s, key):
        """Per-frame values of a setting for segment s (+ the next transition), checked."""
        if key in NUMBERS or key in VIDEO_NUMBERS or key in SHARES:
            return _checked(*values(s, key), *{**NUMBERS, **VIDEO_NUMBERS, **SHARES}[key], starts[s], fail)
        vector = segments[s].get(key, defaults[key])
        if vector is None:  # no target colour
            return None
        columns = [_checked(*values(s, key, c), float, *VECTORS[key], starts[s], fail) for c in range(len(vector))]
        return [list(row) for row in zip(*columns)]

    per_segment, mask_videos = [], {}  # mask video path → (its number, the field that names it)
    for s, seg in enumerate(segments):
        merged = {**defaults, **seg}
        field = f"segments[{s}].layer" if "layer" in seg or "channels" in seg else "defaults.layer"
        numbers = (*NUMBERS, *VIDEO_NUMBERS) if clip else NUMBERS
        resolved = {key: setting(s, key) for key in (*numbers, *VECTORS)}
        resolved.update(objective=_objective(model, merged, field, fail), border=merged["border"],
                        octave_mode=merged["octave_mode"], mask=merged["mask"], guide=merged["guide"],
                        mask_invert=merged["mask_invert"], mask_feather=float(merged["mask_feather"]), mask_video=None)
        where = lambda key: f"segments[{s}].{key}" if key in seg else f"defaults.{key}"
        if merged["mask"] is not None:
            resolved["mask_strength"] = setting(s, "mask_strength")
            if mask.is_video(merged["mask"]):
                resolved["mask_video"] = mask_videos.setdefault(merged["mask"], (len(mask_videos), where("mask")))[0]
            else:
                try:
                    mask.check_image(merged["mask"], size)
                except ValueError as err:
                    fail(where("mask"), err)
        if merged["guide"] is not None:
            try:
                frame.read_rgb(merged["guide"])
            except frame.ImageError as err:
                fail(where("guide"), f"{err} (give an image whose textures the dream should grow)")
            resolved["guide_weight"] = setting(s, "guide_weight")
        span = len(resolved["zoom"])
        if resolved["target_color"] is None:  # the seed's balance; no steering
            resolved["color_rate"] = [0.0] * span
        else:  # steering replaces the balance
            resolved["color_balance"] = [[0.0, 0.0, 0.0]] * span
        per_segment.append(resolved)

    # An image dream holds its brightness to the seed's; a video dream to each source frame's (None).
    reference = round(float(frame.fit(seed_pixels, size).mean()), 4) if clip is None else None
    records = [] if clip else [{"seed_image": seed_image, "size": list(size)}]  # a video dreams its frame 0
    for index in range(len(records), total):
        s = max(k for k in range(len(segments)) if starts[k] <= index)
        j = index - starts[s]
        cur = per_segment[s]
        w = float(f"{schedule.smoothstep((j + 1) / (transitions[s] + 1)):.9g}") if j < transitions[s] else 1.0
        prev = per_segment[s - 1] if w < 1.0 else None
        pj = index - starts[s - 1] if prev else None

        def eased(key):
            if prev is None:
                return cur[key][j]
            a, b = prev[key][pj], cur[key][j]
            if isinstance(b, list):
                return [float(f"{(1 - w) * x + w * y:.9g}") for x, y in zip(a, b)]
            value = (1 - w) * a + w * b
            return int(round(value)) if isinstance(b, int) else float(f"{value:.9g}")

        def aimed(side, k):  # a side's objective at its frame k, with its guide
            return _guided(side["objective"], side["guide"], side["guide"] and side["guide_weight"][k])

        objective = _blend_objectives(aimed(prev, pj), aimed(cur, j), w) if prev else aimed(cur, j)
        record = {"model": model.name, "precision": precision, "threads": spec["threads"], "segment": s,
                  "transition": w, "objective": objective}
        layers, open_share = [], 0.0
        for side, k, share in ((prev, pj, 1.0 - w), (cur, j, w)) if prev else ((cur, j, 1.0),):
            own, own_open = _masking(side, k, index)
            layers += [{**layer, "weight": float(f"{layer['weight'] * share:.9g}")} for layer in own]
            open_share += own_open * share
        if layers:
            for layer in layers:
                if "folder" in layer:
                    layer["folder"] = _mask_dir(name, "frames", layer["folder"])
            record.update(mask=layers, mask_open=float(f"{open_share:.9g}"))
        record.update({key: eased(key) for key in numbers})
        record.update(center=eased("center"), border=cur["border"], octave_mode=cur["octave_mode"],
                      color_balance=eased("color_balance"),
                      reference_brightness=reference)
        # Where only one side of a transition steers to a colour, its target holds while the
        # rate eases out (or in) and the other side's balance eases in (or out).
        sides = [(side["target_color"], k) for side, k in ((prev, pj), (cur, j)) if side and side["target_color"]]
        target = None if not sides else eased("target_color") if len(sides) == 2 else sides[0][0][sides[0][1]]
        record["target_color"] = target
        record["seed"] = [spec["seed"], index]
        if clip:  # the footage moves: the seed's pixel-trim zoom is for image dreams only
            record.update(zoom_speed=0, flow=spec["flow"] if index else "none", carry_mode=spec["carry_mode"])
        records.append(record)
    extracted = []  # (mask video, the frames of it the dream uses)
    for path, (number, field) in mask_videos.items():
        needed = 1 + max(item["frame"] for r in records for item in r.get("mask", ())
                         if item.get("folder") == _mask_dir(name, "frames", number))
        try:
            mask.check_video(path, size, fps, needed)
        except (ValueError, video.MediaError) as err:
            fail(field, err)
        extracted.append((path, needed))
    return Plan(name=name, seed_image=seed_image, audio=soundtrack, fps=fps, size=size, model=model.name,
                frames=tuple(records), audio_offset=spec["audio_offset"], beat_decay=spec["beat_decay"],
                audio_bands=tuple(spec["audio_bands"]), video=clip, start=spec["start"] if clip else 0.0,
                flow=spec["flow"] if clip else "none", threads=spec["threads"], mask_videos=tuple(extracted))


def _clip(spec, fail):
    """A video dream's (natural size, fps, frame count, soundtrack) from its clip's header."""
    path = spec["video"]
    if "seed_image" in spec:
        fail("video", "a dream starts from `video` or from `seed_image`, not both: remove one")
    try:
        info = footage.probe(path)
    except video.MediaError as err:
        fail("video", f"{err} (give a video file, e.g. .mp4, .mov, .mkv, .webm)")
    start, end = spec["start"], spec.get("end")
    if start >= info["duration"]:
        fail("start", f"{start:g} s is past the clip's end ({info['duration']:g} s)")
    if end is not None and end <= start:
        fail("end", f"{end:g} s is not after `start` ({start:g} s)")
    fps = spec.get("fps", info["fps"])
    count = footage.frame_count(info["duration"], fps, start, end)
    if count < 1:
        fail("video", f"{path}: shorter than one frame at {fps:g} fps from {start:g} s")
    soundtrack = spec.get("audio", path if info["audio"] else None)
    return info["size"], fps, count, soundtrack


def _fitted(counts, clip_frames, fail):
    """Segment lengths laid over a clip: the last segment runs to the clip's end."""
    before = sum(counts[:-1])
    if before >= clip_frames:
        fail(f"segments[{len(counts) - 1}]", f"starts at frame {before}, past the clip's {clip_frames} frames: "
                                              "shorten the segments before it or remove it")
    return [*counts[:-1], clip_frames - before]


def _snapped(counts, segments, beats, fail):
    """Segment lengths with each `snap: beat` segment's start moved to the nearest beat frame that
    leaves both neighbours at least one frame; the video's length stays the same."""
    counts = list(counts)
    for s, seg in enumerate(segments):
        if "snap" not in seg:
            continue
        if s == 0:
            fail("segments[0].snap", "the first segment starts the video at frame 0: remove `snap`")
        start, next_start = sum(counts[:s]), sum(counts[:s + 1])
        inside = [b for b in beats if sum(counts[:s - 1]) < b < next_start]
        if inside:
            best = min(inside, key=lambda b: (abs(b - start), b))
            counts[s - 1] += best - start
            counts[s] -= best - start
    return counts


@functools.cache
def plan_for(name, specs_dir="config/dreams", shared_json="{}"):
    """Cached `plan(load(...))`, the workflow's one entry point (shared defaults as JSON text)."""
    spec = load(name, specs_dir, json.loads(shared_json))
    return plan(name, spec, str(Path(specs_dir) / f"{name}.yaml"))


def check(names, specs_dir="config/dreams", shared_json="{}"):
    """One `error: ...` line for each named dream whose spec cannot be planned: what the Snakefile
    prints, before it builds the DAG, for the dreams a run would render."""
    errors = []
    for name in dict.fromkeys(names):
        try:
            plan_for(name, specs_dir, shared_json)
        except SpecError as err:
            errors.append(f"error: {err}")
    return errors
