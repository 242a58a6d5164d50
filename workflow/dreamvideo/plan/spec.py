"""Dream spec (YAML) → validated spec → frame plan: one small record per frame.

Here: loading and validating a spec (the schema is the one place for its fields and defaults),
and `plan`, which checks what the schema cannot and puts the plan together from the timeline
(timeline.py: segments, snap, a clip's length) and the per-frame records (resolve.py; their kinds:
records.py). A frame's record holds only that frame's own settings, so the workflow can hand it to
Snakemake as the frame job's params: editing a segment changes exactly the records of its frames."""

import functools
import json
from pathlib import Path

import yaml

from .. import layout, media
from ..frame import colour, mask, pictures
from ..network import models
from . import audio, chains, music, resolve, schema, timeline
from .frames import Plan


class SpecError(ValueError):
    """A spec problem, phrased as `file: field: what is wrong (what to do)`."""


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
    return schema.schema()["properties"][field]["default"]


def frame_default(field):
    """The default of a frame setting (`defaults:` in a spec), from the schema."""
    return schema.schema()["properties"]["defaults"]["properties"][field]["default"]


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
        snakemake_validate(data, str(schema.SCHEMA), set_default=True)
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


TOP_LEVEL_DEFAULTS = ("mask", "mask_invert", "mask_feather", "mask_strength", "guide", "guide_weight")


def _model(spec, fail):
    """The spec's model and the precision its records name (`auto` resolved on this machine)."""
    try:
        model = models.get(spec["model"])
    except models.ModelError as err:
        fail("model", err)
    if spec["precision"] not in ("float32", "auto") and model.name not in models.BFLOAT16_MODELS:
        fail(
            "precision",
            f"{spec['precision']} is available for the Inception v3 models only: use float32 with {model.name}",
        )
    return model, models.resolve_precision(spec["precision"], model.name)


def _size(spec, natural, fail):
    """`size`, checked to be even (H.264), or the seed image's (clip's) natural size made even."""
    if "size" not in spec:
        return natural[0] // 2 * 2, natural[1] // 2 * 2
    size = tuple(spec["size"])
    if size[0] % 2 or size[1] % 2:
        fail(
            "size",
            f"{size[0]}x{size[1]} is not even, which H.264 video needs: use [{size[0] // 2 * 2}, {size[1] // 2 * 2}]",
        )
    return size


def _soundtrack(path, fail):
    if path in (None, "none"):
        return None
    try:
        audio.check(path)
    except media.MediaError as err:
        fail("audio", f"{err} (give a sound file, e.g. .flac, .wav, .mp3, or remove `audio:`)")
    return path


def _with_colours(settings, where, fail):
    """A copy of `settings` with a '#rrggbb' target colour as [r, g, b] (the spec stays as given)."""
    if not isinstance(settings.get("target_color"), str):
        return settings
    try:
        return {**settings, "target_color": list(colour.parse_color(settings["target_color"]))}
    except ValueError as err:
        fail(f"{where}.target_color", err)


def _music(spec, soundtrack, defaults, segments, counts, fps, variables, source, fail):
    """(per-frame variables, counts): the music features schedules may name, and the segments'
    frame counts snapped to beats, where a schedule uses music or a segment snaps."""
    variables = dict(variables or {})
    if soundtrack is None or not music.reads({"defaults": defaults, "segments": segments}):
        return variables, counts
    try:
        analysis = audio.analysis(soundtrack, tuple(spec["audio_bands"]))
    except media.MediaError as err:
        fail("audio", err)
    audio.warn_if_silent(analysis, soundtrack, source)
    total = sum(counts)
    variables = {**audio.per_frame(analysis, fps, total, spec["audio_offset"], spec["beat_decay"]), **variables}
    counts = timeline.snapped(counts, segments, audio.beat_frames(analysis, fps, total, spec["audio_offset"]), fail)
    return variables, counts


def _base(spec, model, precision, fitted):
    """The keys every dreamed record shares. An image dream holds its brightness (and vividness)
    to the seed image's (`fitted`); a video dream (None) to each source frame's."""
    return {
        "identity": {"model": model.name, "precision": precision, "threads": spec["threads"]},
        "reference_brightness": round(float(fitted.mean()), 4) if fitted is not None else None,
        "reference_vividness": [round(v, 4) for v in colour.vividness(fitted)] if fitted is not None else None,
        "rng_seed": spec["seed"],
        "flow": spec["flow"],
        "carry_mode": spec["carry_mode"],
        "carry_resample": spec["carry_resample"],
    }


def _extracted(name, frames, mask_videos, size, fps, fail):
    """(mask video, the frames of it the dream uses), each checked against the dream."""
    extracted = []
    for path, (number, field) in mask_videos.items():
        folder = layout.mask(name, "frames", number)
        needed = 1 + max(item["frame"] for r in frames for item in r.get("mask", ()) if item.get("folder") == folder)
        try:
            mask.check_video(path, size, fps, needed)
        except (ValueError, media.MediaError) as err:
            fail(field, err)
        extracted.append((path, needed))
    return tuple(extracted)


def _source(name, spec, fail):
    """(seed image, its pixels, natural size, fps, clip frames, soundtrack) of an image or video dream."""
    if spec.get("video") is not None:
        natural, fps, clip_frames, soundtrack = timeline.clip(spec, fail)
        return None, None, natural, fps, clip_frames, soundtrack
    seed_image = spec.get("seed_image", layout.seed_image(name))
    try:
        seed_pixels = pictures.read_rgb(seed_image)
    except pictures.ImageError as err:
        fail("seed_image", f"{err} (put the first frame there or set `seed_image:`)")
    return seed_image, seed_pixels, seed_pixels.shape[1::-1], spec["fps"], None, spec.get("audio")


def plan(name, spec, source="spec", variables=None):
    """The frame plan of a validated spec; checks what the schema cannot (files, layers, sizes,
    schedules). Every setting is resolved to plain numbers per frame here (resolve.py): a frame's
    record is all that its pixels depend on. `variables`: extra per-frame arrays (audio features)
    for schedule expressions, one value per frame of the whole video."""

    def fail(field, message):
        raise SpecError(f"{source}: {field}: {message}")

    model, precision = _model(spec, fail)
    clip = spec.get("video")
    seed_image, seed_pixels, natural, fps, clip_frames, soundtrack = _source(name, spec, fail)
    size, soundtrack = _size(spec, natural, fail), _soundtrack(soundtrack, fail)
    if soundtrack is None:  # refused here, before anything renders (a field's own check comes later)
        music.refuse_without_audio(spec, fail)
    defaults = _with_colours(spec["defaults"], "defaults", fail)
    segments = [_with_colours(seg, f"segments[{s}]", fail) for s, seg in enumerate(spec["segments"])]
    counts = timeline.counts(segments, fps)
    if clip is not None:
        counts = timeline.fitted(counts, clip_frames, fail)
    variables, counts = _music(spec, soundtrack, defaults, segments, counts, fps, variables, source, fail)
    span = timeline.of(segments, counts, fps, fail)

    settings = resolve.Settings(defaults, segments, span, fps, variables, soundtrack is not None, fail)
    mask_videos = {}  # mask video path → (its number, the field that names it)
    per_segment = [resolve.segment(model, spec, settings, s, size, mask_videos, fail) for s in range(len(segments))]
    base = _base(spec, model, precision, pictures.fit(seed_pixels, size) if clip is None else None)

    def record_of(index, first):  # a chain's frame: a video's first dreams on its footage alone
        kind = ("video_start" if first else "video_dream") if clip else "image_dream"
        return resolve.frame_record(name, index, kind, span, per_segment, base)

    frames, aside, owners = chains.build(span.total, chains.links(spec, span, size, seed_image, fail), record_of)
    return Plan(
        name=name,
        seed_image=seed_image,
        audio=soundtrack,
        fps=fps,
        size=size,
        model=model.name,
        frames=tuple(frames),
        audio_offset=spec["audio_offset"],
        beat_decay=spec["beat_decay"],
        audio_bands=tuple(spec["audio_bands"]),
        video=clip,
        start=spec["start"] if clip else 0.0,
        flow=spec["flow"] if clip else "none",
        threads=spec["threads"],
        mask_videos=_extracted(name, frames, mask_videos, size, fps, fail),
        aside=aside,
        chains=owners if len(set(owners)) > 1 else (),  # one chain: none to name
    )


@functools.cache
def plan_for(name, specs_dir="config/dreams", shared_json="{}"):
    """Cached `plan(load(...))`, the workflow's one entry point (shared defaults as JSON text)."""
    spec = load(name, specs_dir, json.loads(shared_json))
    return plan(name, spec, str(Path(specs_dir) / f"{name}.yaml"))


def check(names, specs_dir="config/dreams", shared_json="{}"):
    """One `error: ...` line for each named dream whose spec cannot be planned: what the workflow
    prints when its DAG first needs a dream's plan (common.smk: dream_plan)."""
    errors = []
    for name in dict.fromkeys(names):
        try:
            plan_for(name, specs_dir, shared_json)
        except SpecError as err:
            errors.append(f"error: {err}")
    return errors
