"""Dream spec (YAML) → validated spec → frame plan: one small record per frame.

A frame's record holds only that frame's own settings, so the workflow can hand it to Snakemake
as the frame job's params: editing a segment changes exactly the records of its frames."""

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import frame, models, video

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "dream.schema.yaml"
FRAME_SETTINGS = ("layer", "num_iterations", "step_size", "rescale_factor", "num_repeats", "blend",
                  "tile_size", "color_balance", "zoom_speed")


class SpecError(ValueError):
    """A spec problem, phrased as `file: field: what is wrong (what to do)`."""


@dataclass(frozen=True)
class Plan:
    name: str
    seed_image: str
    audio: str | None
    fps: float
    size: tuple  # (width, height)
    model: str
    frames: tuple  # frames[i] is the record of frame i; frames[0] is the seed image, fitted

    def frame_path(self, index):
        return f"dreams/{self.name}/frames/{index:06d}.png"

    def frame_paths(self):
        return [self.frame_path(i) for i in range(len(self.frames))]


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


def validate(data, source="spec"):
    """Check `data` against the schema and fill its defaults in place (snakemake.utils.validate)."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate as snakemake_validate

    if not isinstance(data, dict):
        raise SpecError(f"{source}: a dream spec is a mapping with at least `segments:`")
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


def plan(name, spec, source="spec"):
    """The frame plan of a validated spec; checks what the schema cannot (files, layers, sizes)."""
    def fail(field, message):
        raise SpecError(f"{source}: {field}: {message}")

    try:
        model = models.get(spec["model"])
    except models.ModelError as err:
        fail("model", err)
    seed_image = spec.get("seed_image", f"dreams/{name}/img_0.jpg")
    try:
        seed_pixels = frame.read_rgb(seed_image)
    except frame.ImageError as err:
        fail("seed_image", f"{err} (put the first frame there or set `seed_image:`)")
    if "size" in spec:
        size = tuple(spec["size"])
        if size[0] % 2 or size[1] % 2:
            fail("size", f"{size[0]}x{size[1]} is not even, which H.264 video needs: use "
                         f"[{size[0] // 2 * 2}, {size[1] // 2 * 2}]")
    else:
        size = (seed_pixels.shape[1] // 2 * 2, seed_pixels.shape[0] // 2 * 2)
    audio = spec.get("audio")
    if audio is not None:
        try:
            video.probe_audio(audio)
        except video.MediaError as err:
            fail("audio", f"{err} (give a sound file, e.g. .flac, .wav, .mp3, or remove `audio:`)")

    reference = round(float(frame.fit(seed_pixels, size).mean()), 4)
    records = [{"seed_image": seed_image, "size": list(size)}]
    for s, segment in enumerate(spec["segments"]):
        settings = {**spec["defaults"], **segment}
        try:
            layer = model.layer_name(settings["layer"])
        except models.ModelError as err:
            fail(f"segments[{s}].layer", err)
        count = segment["frames"] if "frames" in segment else max(1, round(segment["seconds"] * spec["fps"]))
        if s == 0:
            count -= 1  # the seed image is the first segment's first frame
        for _ in range(count):
            index = len(records)
            record = {key: settings[key] for key in FRAME_SETTINGS}
            record.update(layer=layer, model=model.name, seed=[spec["seed"], index], reference_brightness=reference)
            records.append(record)
    return Plan(name=name, seed_image=seed_image, audio=audio, fps=spec["fps"], size=size,
                model=model.name, frames=tuple(records))


@functools.cache
def plan_for(name, specs_dir="config/dreams", shared_json="{}"):
    """Cached `plan(load(...))`, the workflow's one entry point (shared defaults as JSON text)."""
    spec = load(name, specs_dir, json.loads(shared_json))
    return plan(name, spec, str(Path(specs_dir) / f"{name}.yaml"))
