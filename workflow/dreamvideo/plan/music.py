"""Which spec fields read the soundtrack, found in the schema (so a field added there later is
covered too), and the one-line refusal of each such field in a spec that has no soundtrack: made
when the plan is made, before anything renders.

A field reads music when it is a schedule (its expressions may name the music features), a list
of schedules, a choice that names a music feature (`snap: beat`), or a setting of the analysis
itself (`x-reads-audio: true` in the schema: audio_offset, beat_decay, audio_bands)."""

import functools
import re

from . import audio, schema

_FEATURE = re.compile(r"\b(" + "|".join(audio.FEATURES) + r")\b")
_SCHEDULE = "#/$defs/schedule"


def _is_schedule(entry, defs):
    """True if a schema entry is a schedule, directly or through $defs."""
    seen = set()
    while isinstance(entry, dict) and "$ref" in entry and entry["$ref"] not in seen:
        if entry["$ref"] == _SCHEDULE:
            return True
        seen.add(entry["$ref"])
        entry = defs.get(entry["$ref"].rsplit("/", 1)[-1])
    return False


def _kind(entry, defs):
    """How a schema entry reads music: schedule, schedules, choice, analysis, or None."""
    resolved = defs.get(entry.get("$ref", "").rsplit("/", 1)[-1], {}) if "$ref" in entry else entry
    if _is_schedule(entry, defs):
        return "schedule"
    if _is_schedule(entry.get("items", {}), defs) or _is_schedule(resolved.get("items", {}), defs):
        return "schedules"
    if any(isinstance(v, str) and _FEATURE.fullmatch(v) for v in entry.get("enum", ())):
        return "choice"
    if entry.get("x-reads-audio") or resolved.get("x-reads-audio"):
        return "analysis"
    return None


@functools.cache
def fields():
    """{(place, field): how it reads music} for every field that does; place is "" (the top
    level), "defaults" or "segments" (each segment)."""
    spec_schema = schema.schema()
    defs, props = spec_schema["$defs"], spec_schema["properties"]
    places = {
        "": props,
        "defaults": props["defaults"]["properties"],
        "segments": props["segments"]["items"]["properties"],
    }
    found = {}
    for place, entries in places.items():
        for name, entry in entries.items():
            kind = _kind(entry, defs)
            if kind:
                found[place, name] = kind
    return found


def feature(value):
    """The first music feature a schedule (number, text, mapping, list of them) names, or None."""
    if isinstance(value, str):
        match = _FEATURE.search(value)
        return match[1] if match else None
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((found for found in map(feature, items) if found), None)


def _where(spec):
    """(place, field prefix, settings) of the top level, `defaults` and each segment."""
    yield "", "", spec
    yield "defaults", "defaults.", spec.get("defaults") or {}
    for s, segment in enumerate(spec.get("segments") or ()):
        yield "segments", f"segments[{s}].", segment


def reads(spec):
    """True if any field of `spec` reads music (a schedule naming a feature, a snap, ...)."""
    return any(True for _ in _uses(spec))


def _uses(spec):
    """(field, one line on why it needs a soundtrack) of each field that reads music."""
    for place, prefix, settings in _where(spec):
        for key, value in settings.items():
            kind = fields().get((place, key))
            if kind in ("schedule", "schedules") and feature(value):
                yield prefix + key, f"{feature(value)} is a music feature: set `audio:` to a soundtrack to use it"
            elif kind == "choice" and _FEATURE.fullmatch(str(value)):
                yield prefix + key, f"{value} needs a soundtrack: set `audio:` to one or remove `{key}`"
            elif kind == "analysis" and value != schema.schema()["properties"][key].get("default"):
                yield prefix + key, f"{value} is a setting of the soundtrack: set `audio:` or remove `{key}`"


def refuse_without_audio(spec, fail):
    """`fail(field, message)` for the first field of a spec without a soundtrack that reads music."""
    for field, message in _uses(spec):
        fail(field, message)
