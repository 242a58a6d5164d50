"""The frame record: the project's central data. A frame's record and its input files are all
that its pixels depend on; the plan (spec.py, resolve.py) builds one record per frame, the
workflow hands it to the frame's job as its Snakemake params (plain data, so an edit re-renders
exactly the frames whose records changed), and the job makes the frame by running its kind's
chain of steps (frame/steps.py) on the job's inputs.

One TypedDict per kind of frame, each key documented where it is defined, and KINDS: what each
kind's job reads. Everything that needs a frame's keys or inputs derives them from here: the
jobs' inputs (workflow/rules/common.smk), the frame jobs (frame/render.py), the plot's columns
(outputs/plot.py), the tests' in-process render and the benchmarks."""

from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict, get_type_hints


class SeedImage(TypedDict):
    """An image dream's frame 0: its seed image fitted to the size (centre crop), not dreamed."""

    kind: Literal["seed_image"]
    seed_image: str  # the image file
    size: list  # [width, height] of the video


class Identity(TypedDict):
    """What a dreamed frame is run and held with: not settings a person schedules."""

    model: str  # the model registry's name (network/models.py)
    precision: str  # float32 or bfloat16: the one that runs (`auto` resolved when planned)
    threads: int  # the TensorFlow pool size of the job's process (it changes the bytes)
    rng_seed: list  # [the spec's seed, the frame's index]: the dream's random tile shifts
    reference_brightness: float | None  # the mean the balance holds to (the seed image's; None: each source frame's)
    reference_vividness: list | None  # the contrast and colourfulness color_hold holds to (None: each source frame's)


class Settings(TypedDict):
    """A dreamed frame's settings, each resolved from a constant, a schedule or a transition: those
    the schema makes schedules are resolved frame by frame (plan/schema.py), in this order, which
    is also the order of the plan's plot and table (outputs/plot.py)."""

    segment: int  # the segment the frame belongs to
    transition: float  # 0..1: how far the frame has eased from the previous segment into its own (1 = its own)
    objective: list  # [[layer name, weight, [channels], *guide image paths], ...]: what the dream maximises
    # The dream (network/dream.py): gradient steps, octaves, tiles.
    num_iterations: int
    step_size: float
    rescale_factor: float
    num_repeats: int
    octave_mode: str  # detail or blend: how an octave's dream goes up to the next size
    blend: float
    tile_size: int
    # The camera (frame/camera.py): one affine move per frame.
    zoom_speed: int  # the original project's whole-pixel trim zoom (0 in video dreams)
    zoom: float
    angle: float
    translate_x: float
    translate_y: float
    center: list  # [x, y] of the zoom and rotation, as shares of the frame
    border: str  # what fills the edges the camera uncovers
    # The colour (frame/colour.py).
    color_balance: list  # [r, g, b]: the original project's brightness balance weights
    target_color: list | None  # [r, g, b] the mean colour steers to, or None
    color_rate: float  # the share of the distance to target_color closed per frame
    color_hold: float  # the share of lost contrast and colourfulness given back per frame


class Dreamed(Identity, Settings):
    """Every dreamed frame's record. The plan writes its keys in a fixed order (resolve.py): the
    order is part of the params Snakemake compares."""

    mask: NotRequired[list]  # [{path, or folder + frame, invert, feather, weight}]: where the frame dreams
    mask_open: NotRequired[float]  # the share of the frame that dreams unmasked (a transition out of a mask)
    trim_size: NotRequired[list]  # a preview's: the full size whose whole-pixel trims its zoom keeps


class ImageDream(Dreamed):
    """A frame of an image dream after frame 0: frame i-1 as saved, moved by the camera, coloured,
    dreamed, masked."""

    kind: Literal["image_dream"]


class OnFootage(Dreamed):
    """What a video dream's frames add: how the previous dream is carried into the source frame."""

    carry: float  # the share of the previous dream carried into the frame
    flow: str  # the flow method the carry follows (`none`: blended in place)
    carry_mode: str  # dream or residual: what is carried along the flow
    carry_resample: str  # how the carried image is resampled along the flow


class VideoStart(OnFootage):
    """A video dream's first frame: its source frame, coloured, dreamed, masked; nothing carried in
    (its `flow` is `none`)."""

    kind: Literal["video_start"]


class VideoDream(OnFootage):
    """A video dream's frame after the first: its source frame with `carry` of the previous dream
    carried in along the flow (moved by the camera), coloured, dreamed, masked."""

    kind: Literal["video_dream"]


class Join(Dreamed):
    """A frame across the join of two chains (two pieces of a video dream): the same frame made by
    the chain that ends there and by the one that starts there, crossfaded. Its settings are the
    frame's own (what the plot shows); a video's carry settings come along."""

    kind: Literal["join"]
    join: float  # 0..1: the share of the later chain's frame (smoothstep over the crossfade)
    carry: NotRequired[float]
    flow: NotRequired[str]
    carry_mode: NotRequired[str]
    carry_resample: NotRequired[str]


@dataclass(frozen=True)
class Kind:
    """A kind of frame: its record's keys, the job inputs its frame is made from, and whether it
    shows a dream (a fitted seed image does not)."""

    record: type
    reads: tuple  # job inputs: previous, seed_image, source, flow, model_weights, guidance, earlier, later
    dreamed: bool = True

    @property
    def loads_model(self):
        return "model_weights" in self.reads

    def keys(self):
        return tuple(get_type_hints(self.record))


# What each kind's job reads (the frame before it, the seed image, the footage and its flow, the
# model's weights, the mask and guide files its record names, the two frames a join crossfades):
# Plan.inputs builds the jobs' inputs from it, and frame/steps.py's chains read no other.
KINDS = {
    "seed_image": Kind(SeedImage, ("seed_image",), dreamed=False),
    "image_dream": Kind(ImageDream, ("previous", "model_weights", "guidance")),
    "video_start": Kind(VideoStart, ("source", "model_weights", "guidance")),
    "video_dream": Kind(VideoDream, ("previous", "source", "flow", "model_weights", "guidance")),
    "join": Kind(Join, ("earlier", "later")),  # the same frame of the chain that ends and of the one that starts
}


def kind(record):
    return KINDS[record["kind"]]


def dreams(record):
    """False for a frame that shows no dream (a seed image, fitted)."""
    return kind(record).dreamed


def loads_model(record):
    """True for a frame whose job dreams (and so loads the model)."""
    return kind(record).loads_model


def reads(record):
    """The job inputs a record's frame is made from (KINDS), less a flow its record turns off."""
    return tuple(name for name in kind(record).reads if name != "flow" or record.get("flow", "none") != "none")


def guidance(record):
    """The mask and guide files a record reads: mask images, the folders mask videos are extracted
    to (the output of rule mask_frames), guide images."""
    masks = [layer.get("folder") or layer["path"] for layer in record.get("mask") or ()]
    return [*masks, *(path for term in record.get("objective", ()) for path in term[3:])]
