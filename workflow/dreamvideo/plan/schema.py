"""The dream schema (workflow/schemas/dream.schema.yaml), the one source of fields, defaults and
ranges: parsed once per process, on first use (never at import), and the numeric rules of the
settings that records resolve per frame, read from it."""

import functools
from pathlib import Path
from typing import get_type_hints

import yaml

from . import records

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "dream.schema.yaml"
INTEGERS = ("num_iterations", "num_repeats", "tile_size", "zoom_speed")  # rounded; every other number is a float


def _range(bounds):
    """(test a resolved array must pass, the rule in words) from a schema entry's bounds: the
    schema checks constants, this the values a schedule resolves to, by the same numbers."""
    low, high = bounds.get("minimum"), bounds.get("maximum")
    above, below = bounds.get("exclusiveMinimum"), bounds.get("exclusiveMaximum")

    def test(v):
        ok = v == v  # not NaN
        for limit, passes in (
            (low, v >= (low or 0)),
            (high, v <= (high or 0)),
            (above, v > (above or 0)),
            (below, v < (below or 0)),
        ):
            ok = ok & passes if limit is not None else ok
        return ok

    if above is not None and below is not None:
        return test, f"between {above:g} and {below:g}"
    if low is not None and high is not None:
        return test, f"{low:g}..{high:g}"
    if low is not None or above is not None:
        return test, f">= {low:g}" if low is not None else f"> {above:g}"
    return test, "a number"


@functools.cache
def schema():
    """The dream schema, parsed once per process (libyaml's safe loader where PyYAML has it: the
    same data, 3x faster; every `snakemake` run parses it at import)."""
    return yaml.load(SCHEMA.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _rules(keys):
    """{key: (int or float, test, rule)} for numeric settings, from the schema's $defs."""
    defs = schema()["$defs"]
    return {key: (int if key in INTEGERS else float, *_range(defs[key])) for key in keys}


def _schedules(record_type, items=False):
    """The keys of a record type (records.py) that the schema makes schedules (or, with `items`,
    lists of schedules), in the record type's order."""
    ref = {"$ref": "#/$defs/schedule"}
    defs = schema()["$defs"]
    return tuple(
        key
        for key in get_type_hints(record_type)
        if key in defs and (defs[key].get("items", {}).get("$ref") if items else defs[key].get("$ref")) == ref["$ref"]
    )


@functools.cache
def numbers():
    """Numeric settings of every dreamed frame, each a constant or a schedule (records.Settings)."""
    return _schedules(records.Settings)


@functools.cache
def video_numbers():
    """Those a video dream's frames add (records.OnFootage)."""
    return tuple(key for key in _schedules(records.OnFootage) if key not in numbers())


@functools.cache
def vectors():
    """Settings of several numbers, each number a constant or a schedule."""
    return _schedules(records.Settings, items=True)


SHARES = ("mask_strength", "guide_weight")  # in masked or guided frames' records only (folded into "mask", "objective")


@functools.cache
def scalar_rules():
    """{key: (int or float, test, rule)} of every numeric setting a record resolves."""
    return _rules([*numbers(), *video_numbers(), *SHARES])


@functools.cache
def vector_rules():
    """{key: (test, rule)} of each number of the settings of several numbers."""
    return {key: _range(schema()["$defs"][key]["items"]) for key in vectors()}
