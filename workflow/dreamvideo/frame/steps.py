"""The steps a frame goes through, and each kind's chain of them: the one place where what
happens to a frame is declared. A step has a name, the record keys it reads (its settings) and
the job inputs it reads; it takes the frame so far (a Canvas) and gives the next.

    seed_image   fit
    image_dream  previous > camera > colour > dream > mask
    video_start  footage > colour > dream > mask
    video_dream  footage > carry > colour > dream > mask
    join         crossfade (the same frame of two chains)

A new effect is its module, its schema entry (settings resolved per frame into the records) and
one step in the chains below (docs/architecture.md: "Add a step")."""

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from .. import layout
from . import camera, carry, colour, flow, guide, mask, pictures


@dataclass(frozen=True)
class Canvas:
    """The frame so far, and what later steps hold it to."""

    pixels: np.ndarray  # H x W x 3: uint8 as read, float32 once a step has worked on it
    brightness: float | None = None  # the mean the colour balance holds to
    vividness: list | None = None  # the contrast and colourfulness `color_hold` holds to
    undreamed: np.ndarray | None = None  # the pixels the dream started from: the mask keeps them


@dataclass(frozen=True)
class Inputs:
    """Frame `index`'s job inputs by name (records.KINDS): files and folders, nothing else."""

    index: int
    previous: str | None = None  # frame index-1 as saved
    seed_image: str | None = None
    source: str | None = None  # the footage's folder (one PNG per frame)
    flow: str | None = None  # the folder of the flow fields between source frames
    earlier: str | None = None  # a join's frame as the chain that ends there made it
    later: str | None = None  # and as the chain that starts there made it


@dataclass(frozen=True)
class Step:
    name: str
    settings: tuple  # the record keys it reads
    reads: tuple  # the job inputs it reads
    run: Callable  # (Canvas, record, Inputs) -> Canvas


def move(pixels, record):
    """The camera move of the record: one affine warp, float32 out."""
    height, width = pixels.shape[:2]
    m = camera.matrix(
        width,
        height,
        zoom=record["zoom"],
        angle=record["angle"],
        translate_x=record["translate_x"],
        translate_y=record["translate_y"],
        center=record["center"],
        zoom_speed=record["zoom_speed"],
        trim_size=record.get("trim_size"),
    )  # only a preview's records have it
    # Rows in `threads` bands at once; the same bytes for any count (a hand-made record without it: one).
    return camera.warp(pixels, m, record["border"], record.get("threads", 1))


def colour_control(pixels, record, reference_brightness, reference_vividness):
    """Contrast and colourfulness held up to the reference's (`color_hold`), then steering to the
    target colour when set, and the original project's balance (its weights are 0 where a target
    colour replaces it, except in a transition)."""
    pixels = colour.hold(pixels, reference_vividness, record["color_hold"])
    if record["target_color"] is not None:
        pixels = colour.steer(pixels, record["target_color"], record["color_rate"])
        if not any(record["color_balance"]):  # steering alone: steer clipped, balance would only copy
            return pixels
    return colour.balance(pixels, record["color_balance"], reference_brightness)


def _fit(_, record, inputs):
    """The record's image (the seed image, or a cut's), fitted to the size."""
    return Canvas(pictures.fit(pictures.read_rgb(record["seed_image"]), record["size"]))


def _previous(_, record, inputs):
    """Frame i-1 as saved, held to the seed image's brightness and vividness (in its record)."""
    return Canvas(pictures.read_frame(inputs.previous), record["reference_brightness"], record["reference_vividness"])


def _footage(_, record, inputs):
    """Source frame i, held to its own brightness (and vividness, when `color_hold` asks)."""
    source = pictures.read_frame(layout.indexed(inputs.source, inputs.index))
    vivid = colour.vividness(source) if record["color_hold"] > 0 else None
    return Canvas(source.astype("float32"), float(source.mean()), vivid)


def _camera(canvas, record, _):
    return replace(canvas, pixels=move(canvas.pixels, record))


def _carry(canvas, record, inputs):
    """`carry` of the previous dream carried into the source frame (along the flow, as `carry_mode`
    says; blended in place with `flow: none`; see carry.carry), moved by the camera."""
    previous_source = pictures.read_frame(layout.indexed(inputs.source, inputs.index - 1))
    flow_mask = (
        flow.load(layout.indexed(inputs.flow, inputs.index, ".npz")) if record["flow"] != "none" else (None, None)
    )
    pixels = carry.carry(
        pictures.read_frame(inputs.previous),
        previous_source,
        canvas.pixels,
        record["carry"],
        *flow_mask,
        move=lambda image: move(image, record),
        mode=record["carry_mode"],
        resample=record["carry_resample"],
    )
    return replace(canvas, pixels=pixels)


def _colour(canvas, record, _):
    return replace(canvas, pixels=colour_control(canvas.pixels, record, canvas.brightness, canvas.vividness))


def _dream(canvas, record, _):
    """The dream on the frame so far, with the record's objective and its guides (network/dream.py)."""
    from ..network import setup  # TensorFlow loads only when a frame is dreamed, not for a dry run

    dreamer = setup.for_record(record)
    objective, size = record["objective"], canvas.pixels.shape[1::-1]
    guides = [
        guide.features(record["model"], layer, channels, record["precision"], path, size)
        for layer, _, channels, *guided in objective
        for path in guided
    ]
    result = dreamer(
        canvas.pixels,
        seed=record["rng_seed"],
        weights=[term[1] for term in objective],
        guides=guides,
        **{key: record[key] for key in DREAM_SETTINGS},
    )
    return replace(canvas, pixels=result, undreamed=canvas.pixels)


def _crossfade(_, record, inputs):
    """`join` of the later chain's frame over the earlier's, rounded as a saved frame is."""
    earlier, later = (pictures.read_frame(path).astype(np.float32) for path in (inputs.earlier, inputs.later))
    return Canvas(pictures.to_uint8(earlier + np.float32(record["join"]) * (later - earlier)))


def _mask(canvas, record, _):
    return replace(canvas, pixels=pictures.to_uint8(mask.apply(canvas.pixels, canvas.undreamed, record)))


CAMERA_SETTINGS = ("zoom_speed", "zoom", "angle", "translate_x", "translate_y", "center", "border", "trim_size")
COLOUR_SETTINGS = ("color_balance", "target_color", "color_rate", "color_hold")
DREAM_SETTINGS = ("num_iterations", "step_size", "rescale_factor", "num_repeats", "octave_mode", "blend", "tile_size")

FIT = Step("fit", ("seed_image", "size"), ("seed_image",), _fit)
PREVIOUS = Step("previous", ("reference_brightness", "reference_vividness"), ("previous",), _previous)
FOOTAGE = Step("footage", ("color_hold",), ("source",), _footage)
CAMERA = Step("camera", CAMERA_SETTINGS, (), _camera)
CARRY = Step(
    "carry", ("carry", "flow", "carry_mode", "carry_resample", *CAMERA_SETTINGS), ("previous", "source", "flow"), _carry
)
COLOUR = Step("colour", COLOUR_SETTINGS, (), _colour)
DREAM = Step(
    "dream",
    ("model", "precision", "threads", "objective", "rng_seed", *DREAM_SETTINGS),
    ("model_weights", "guidance"),
    _dream,
)
MASK = Step("mask", ("mask", "mask_open"), ("guidance",), _mask)
CROSSFADE = Step("crossfade", ("join",), ("earlier", "later"), _crossfade)

# Each kind's chain (records.KINDS names the kinds and the inputs their jobs read).
CHAINS = {
    "seed_image": (FIT,),
    "image_dream": (PREVIOUS, CAMERA, COLOUR, DREAM, MASK),
    "video_start": (FOOTAGE, COLOUR, DREAM, MASK),
    "video_dream": (FOOTAGE, CARRY, COLOUR, DREAM, MASK),
    "join": (CROSSFADE,),
}


def run(record, inputs, until=None):
    """The frame a record's chain makes from its inputs (uint8), or, with `until` (a step's
    name), the canvas just before that step."""
    canvas = None
    for step in CHAINS[record["kind"]]:
        if step.name == until:
            break
        canvas = step.run(canvas, record, inputs)
    return canvas
