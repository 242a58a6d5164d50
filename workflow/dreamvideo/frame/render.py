"""Frame jobs: what one Snakemake job does with its plan record. A frame is made by running its
kind's chain of steps (steps.py) on the job's inputs; frame i is made from frame i-1 *as saved*,
so a resumed render equals an uninterrupted one byte for byte."""

import concurrent.futures
import contextlib
from pathlib import Path

from ..network import models
from . import pictures, steps
from .steps import DREAM_SETTINGS, colour_control, move  # noqa: F401 (what the benchmarks and tests use)

# A frame job's peak memory (benchmarks measure it: benchmarks/jobs.md): TensorFlow, the model and
# Snakemake's DAG, and what grows with the frame (the network's activations are bounded by
# `tile_size`, the frame's arrays are not).
MEMORY_BASE_MB, MEMORY_PER_PIXEL = 1600, 720


def memory_mb(size):
    """The memory in MB a frame or chunk job of frames of `size` (width, height) asks for."""
    return MEMORY_BASE_MB + size[0] * size[1] * MEMORY_PER_PIXEL // 2**20


def prepare(pixels, record):
    """What happens to frame i-1 before an image dream's frame i dreams on it: the camera move and
    the colour control (the animatic plays exactly this)."""
    canvas = steps.Canvas(pixels, record["reference_brightness"], record["reference_vividness"])
    return steps.COLOUR.run(steps.CAMERA.run(canvas, record, None), record, None).pixels


def _check_weights(record, model_weights):
    """The job's model_weights input must be the file this process loads the record's model from
    (a cluster job whose model folder differs from the one its DAG was built with stops here)."""
    if model_weights is not None and "model" in record and Path(model_weights) != models.weights_path(record["model"]):
        raise ValueError(
            f"the job's model_weights input is {model_weights}, but this process loads "
            f"{record['model']} from {models.weights_path(record['model'])}: set DREAM_MODEL_DIR "
            "the same for the jobs as for the run that built the DAG"
        )


def make_frame(index, record, out_path, previous=None, model_weights=None, guidance=None, writer=None, **inputs):
    """Frame `index`, any kind, from its record and its job's named inputs (records.KINDS says
    which each kind reads: previous, seed_image, source, flow, earlier, later): its kind's chain of
    steps, then the PNG, written atomically (in `writer`, an executor, when given: make_frames).
    The model's weights load once per process through the model cache; the mask and guide files
    (`guidance`) are read where the record names them."""
    _check_weights(record, model_weights)
    pixels = steps.run(record, steps.Inputs(index, previous, **inputs)).pixels
    if writer is None:
        return pictures.write_frame(pixels, out_path)
    return pictures.write_frame_later(pixels, out_path, writer)


def make_frames(indices, records, out_paths, previous=None, each=None, **inputs):
    """Frames `indices` (consecutive) of one chunk job, in order, each from the one before as saved;
    `previous` is the frame before the chunk (None for a chunk that starts a chain), `inputs` the
    rest of make_frame's. `each(index, record)`: a context around each frame (the progress line,
    as for one job per frame). The model loads once, for the first frame dreamed. Each frame's PNG
    is written by a second thread while the next frame dreams (the next one reads it from memory);
    all are on disk when this returns, in order, or it raises what a write raised."""
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="frame-writer") as writer:
        writes = []
        try:
            for index, record, out_path in zip(indices, records, out_paths):
                _raise_failed(writes)  # a write that failed stops the chunk at the next frame
                with each(index, record) if each else contextlib.nullcontext():
                    writes.append(make_frame(index, record, out_path, previous=previous, writer=writer, **inputs))
                previous = out_path
        except Exception:
            concurrent.futures.wait(writes)
            _raise_failed(writes)  # the write's error, not what reading its missing frame raised
            raise
        for write in writes:
            write.result()


def _raise_failed(writes):
    for write in writes:
        if write.done() and write.exception():
            raise write.exception()


def prepared(index, record, previous=None, source=None, flow=None):
    """What frame `index` dreams on (its chain up to the dream step), from its job's inputs: the
    frame jobs dream on exactly this, and the look's dream strength (look.of_frames) measures
    against it. None for a frame that is not dreamed (the seed image, fitted)."""
    if not any(step.name == "dream" for step in steps.CHAINS[record["kind"]]):
        return None
    return steps.run(record, steps.Inputs(index, previous, None, source, flow), until="dream").pixels
