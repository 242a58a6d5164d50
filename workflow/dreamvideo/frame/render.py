"""Frame jobs: what one Snakemake job does with its plan record. Frame i is made from frame i-1
*as saved*, so a resumed render equals an uninterrupted one byte for byte."""

import contextlib
from pathlib import Path

from . import camera, colour, flow, guide, mask, pictures
from ..network import models

DREAM_SETTINGS = ("num_iterations", "step_size", "rescale_factor", "num_repeats", "octave_mode", "blend", "tile_size")

# A frame job's peak memory (scripts/benchmark_jobs.py measures it: benchmarks/jobs.md): TensorFlow,
# the model and Snakemake's DAG, and what grows with the frame (the network's activations are
# bounded by `tile_size`, the frame's arrays are not).
MEMORY_BASE_MB, MEMORY_PER_PIXEL = 1600, 720


def memory_mb(size):
    """The memory in MB a frame or chunk job of frames of `size` (width, height) asks for."""
    return MEMORY_BASE_MB + size[0] * size[1] * MEMORY_PER_PIXEL // 2**20


def move(pixels, record):
    """The camera move of the record: one affine warp, float32 out."""
    height, width = pixels.shape[:2]
    m = camera.matrix(width, height, zoom=record["zoom"], angle=record["angle"], translate_x=record["translate_x"],
                      translate_y=record["translate_y"], center=record["center"], zoom_speed=record["zoom_speed"],
                      trim_size=record.get("trim_size"))  # only a preview's records have it
    return camera.warp(pixels, m, record["border"])


def colour_control(pixels, record, reference_brightness, reference_vividness):
    """Contrast and saturation held up to the reference's (`color_hold`), then steering to the
    target colour when set, and the original project's balance (its weights are 0 where a target
    colour replaces it, except in a transition)."""
    pixels = colour.hold(pixels, reference_vividness, record["color_hold"])
    if record["target_color"] is not None:
        pixels = colour.steer(pixels, record["target_color"], record["color_rate"])
        if not any(record["color_balance"]):  # steering alone: steer clipped, balance would only copy
            return pixels
    return colour.balance(pixels, record["color_balance"], reference_brightness)


def prepare(pixels, record):
    """What happens to frame i-1 before frame i dreams on it: the camera move and the colour control."""
    return colour_control(move(pixels, record), record, record["reference_brightness"], record["reference_vividness"])


def make_frame(index, record, out_path, previous=None, seed_image=None, source=None, flow=None,
               model_weights=None, guidance=None):
    """Frame `index`, any kind, from its record and its job's named inputs: the seed image fitted
    to the size (`kind: seed_image`), or a dream on what the record's kind prepares (`prepared`:
    the previous frame as saved, or a video's source frame with the previous dream carried in).
    The model's weights are loaded once per process through the model cache, from the file the
    record's model names, which must be the job's `model_weights` input (a cluster job whose model
    folder differs from the one its DAG was built with stops here); the mask and guide files
    (`guidance`) are read where the record names them."""
    if record["kind"] == "seed_image":
        pictures.write_frame(pictures.fit(pictures.read_rgb(seed_image or record["seed_image"]), record["size"]), out_path)
        return
    if model_weights is not None and Path(model_weights) != models.weights_path(record["model"]):
        raise ValueError(f"the job's model_weights input is {model_weights}, but this process loads "
                         f"{record['model']} from {models.weights_path(record['model'])}: set DREAM_MODEL_DIR "
                         "the same for the jobs as for the run that built the DAG")
    _dream(prepared(index, record, previous, source, flow), record, out_path)


def make_frames(indices, records, out_paths, previous=None, each=None, **inputs):
    """Frames `indices` (consecutive) of one chunk job, in order, each from the one before as saved;
    `previous` is the frame before the chunk (None for the chunk of frame 0), `inputs` the rest of
    make_frame's. `each(index, record)`: a context around each frame after frame 0 (the progress
    line, as for one job per frame). The model loads once, for the first frame dreamed."""
    for index, record, out_path in zip(indices, records, out_paths):
        with each(index, record) if each and index else contextlib.nullcontext():
            make_frame(index, record, out_path, previous, **inputs)
        previous = out_path


def prepared(index, record, previous=None, source=None, flow=None):
    """What frame `index` dreams on, by its record's kind, from its job's inputs (`previous`: frame
    index-1 as saved): frame i-1 moved and coloured (`prepare`) for an image dream, the source frame
    with the previous dream carried into it for a video dream (`video_prepare`). The frame jobs
    dream on exactly this, and the look's dream strength (look.of_frames) measures against it.
    None for the seed image's frame: fitted, not dreamed."""
    kind = record["kind"]
    if kind == "seed_image":
        return None
    if kind == "image_dream":
        return prepare(pictures.read_frame(previous), record)
    if index == 0:
        return video_prepare(f"{source}/000000.png", record)
    return video_prepare(f"{source}/{index:06d}.png", record, previous, f"{source}/{index - 1:06d}.png",
                         f"{flow}/{index:06d}.npz" if flow else None)


def video_prepare(source_path, record, prev_path=None, prev_source_path=None, flow_path=None):
    """What frame t of a dreamed video dreams on: source frame t with `carry` of the previous dream
    carried into it (along the flow, as `carry_mode` says; blended as it is with `flow: none`; see
    flow.carry), moved by the camera, its brightness held to the source frame's. Frame 0 has no
    previous."""
    source = pictures.read_frame(source_path)
    pixels = source.astype("float32")
    if prev_path is not None:
        flow_mask = flow.load(flow_path) if flow_path else (None, None)
        pixels = flow.carry(pictures.read_frame(prev_path), pictures.read_frame(prev_source_path), source,
                            record["carry"], *flow_mask, move=lambda image: move(image, record), mode=record["carry_mode"],
                            resample=record["carry_resample"])
    vivid = colour.vividness(source) if record["color_hold"] > 0 else None
    return colour_control(pixels, record, float(source.mean()), vivid)


def _dream(pixels, record, out_path):
    """Dream on the prepared frame with the record's objective (and its guides), keep the
    undreamed frame where the record's mask says so, write it."""
    from ..network import dream  # TensorFlow loads only when a frame is dreamed, not for a dry run

    dreamer = dream.for_record(record)
    objective, size = record["objective"], pixels.shape[1::-1]
    guides = [guide.features(record["model"], layer, channels, record["precision"], path, size)
              for layer, _, channels, *guided in objective for path in guided]
    result = dreamer(pixels, seed=record["rng_seed"], weights=[term[1] for term in objective], guides=guides,
                     **{k: record[k] for k in DREAM_SETTINGS})
    pictures.write_frame(dream.to_uint8(mask.apply(result, pixels, record)), out_path)
