# The functions the rules share: which dreams there are and each one's frame plan.
import contextlib
import functools
import json
import sys

from dreamvideo import layout, runlock
from dreamvideo.frame import render
from dreamvideo.outputs import contact_sheet, progress
from dreamvideo.plan import chunks, preview, records, spec
from snakemake.logging import logger

# The jobs whose blocks would bury the progress line: one per frame, or listing every frame.
progress.quiet_frame_jobs(
    logger,
    workflow,
    ["dream_frame", "dream_aside", "dream_chunk", "contact_sheet", "preview_contact_sheet", "video", "preview_video"],
)


def dream_names():
    """The dreams a bare run renders, one per <name>.yaml in config["specs"] (the input of rule all)."""
    return sorted(p.stem for p in Path(config["specs"]).glob("*.yaml"))


@functools.cache
def dream_plan(name):
    """Dream `name`'s plan, built once, the first time the DAG asks for it. A spec that cannot be
    planned stops the run there, before any job, in one line that names the field and the fix
    (not a traceback from inside the DAG): only the dreams the run's targets need are checked."""
    shared = json.dumps(config["dream_defaults"], sort_keys=True)
    for error in spec.check([name], config["specs"], shared):
        sys.stderr.write(f"{error}\n")
        sys.exit(1)
    return spec.plan_for(name, config["specs"], shared)


def plan(wildcards):
    return dream_plan(wildcards.name)


def plan_of(name, folder):
    """The plan of a dream's {folder}: the full render's, or the draft preview's."""
    if folder == "preview":
        return preview.plan_for(name, config["specs"], json.dumps(config["dream_defaults"], sort_keys=True))
    return dream_plan(name)


def frame_plan(wildcards):
    """The plan whose frames a job makes: the full render's, or the draft preview's."""
    return plan_of(wildcards.name, wildcards.get("folder"))


def spec_file(wildcards):
    return f"{config['specs']}/{wildcards.name}.yaml"


def spec_and_audio(wildcards):
    """The spec and its soundtrack: what the plan's tables and plots are made from."""
    return [spec_file(wildcards), *([plan(wildcards).audio] if plan(wildcards).audio else [])]


def label(wildcards):
    return wildcards.name + (" preview" if wildcards.get("folder") == "preview" else "")


def frame_progress(wildcards, record, index):
    """Reports frame `index` after it is made, if it is dreamed, as the how-manieth dreamed frame of
    how many (the workflow knows the count, the frame job does not); a fitted seed image is not counted."""
    if not records.dreams(record):
        return contextlib.nullcontext()
    frames = frame_plan(wildcards).frames
    undreamed = next(i for i, r in enumerate(frames) if records.dreams(r))  # the frames before the dream starts
    return progress.progress.frame(label(wildcards), index - undreamed + 1, len(frames) - undreamed, record)


def frames_per_job(p):
    """K, the frames one job of plan p renders: config `frames_per_job`, a number or `auto` (one
    job per frame up to chunks.LONG frames, chunks of chunks.AUTO_K above); chunks.blocks says
    how a dream of several chains (pieces, cuts) is cut into chunks."""
    return chunks.per_job(config["frames_per_job"], len(p.frames))


@functools.cache
def chunk_blocks(name, folder):
    """Each chunk's (chain, frame indices) of the plan of a dream's {folder}, at its K (chunks.blocks)."""
    p = plan_of(name, folder)
    return chunks.blocks(p, frames_per_job(p))


@functools.cache
def chunk_holding(name, folder):
    return chunks.holding(chunk_blocks(name, folder))


def job_records(wildcards):
    """The records of the frames a frame or chunk job makes."""
    p = frame_plan(wildcards)
    if "chain" in wildcards.keys():
        return [p.aside_records[int(wildcards.chain), int(wildcards.index)]]
    if "index" in wildcards.keys():
        return [p.frames[int(wildcards.index)]]
    return chunk_records(wildcards)


def job_threads(wildcards):
    """A frame or chunk job's CPU threads: its dream's `threads`, the size of the TensorFlow pools
    it dreams with (network/setup.py: use_threads), so Snakemake and SLURM give it what it uses; 1 for a job
    that only fits the seed image."""
    return frame_plan(wildcards).threads if any(map(records.loads_model, job_records(wildcards))) else 1


def job_gpus(wildcards):
    return frame_gpus() if any(map(records.loads_model, job_records(wildcards))) else 0


def frame_mem_mb(wildcards, attempt):
    """A frame or chunk job's memory in MB, for the scheduler (SLURM's --mem); twice that when a
    cluster retries a job (`retries:`), in case the first was killed for its memory."""
    return render.memory_mb(frame_plan(wildcards).size) * min(attempt, 2)


def hold_dreams(workflow):
    """Stops a run, before its first job, that would render a dream another run in this folder is
    rendering (dreamvideo/runlock.py: Snakemake's own lock is off so that a killed run resumes)."""
    names = {job.wildcards.get("name") for job in workflow.dag.needrun_jobs()} - {None}
    try:
        runlock.hold(names)
    except runlock.Busy as err:
        sys.stderr.write(f"error: {err}\n")
        sys.exit(1)


def check_one_thread_pool(workflow):
    """Stops a run, before its first job, that would dream frames of different `threads` in the
    Snakemake process (profiles/default): the process has one TensorFlow pool, sized by the first
    frame it dreams (network/setup.py: use_threads)."""
    from snakemake_interface_executor_plugins.settings import ExecMode

    settings = workflow.execution_settings
    if not (settings.use_threads and workflow.local_exec and workflow.exec_mode == ExecMode.DEFAULT):
        return  # each job in its own process (profiles/parallel), or a cluster
    frame_rules = {"dream_frame", "dream_aside", "dream_chunk"}
    jobs = [job for job in workflow.dag.needrun_jobs() if job.rule.name in frame_rules]
    threads = {job.wildcards.name: frame_plan(job.wildcards).threads for job in jobs}
    if len(set(threads.values())) > 1:
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(threads.items()))
        sys.stderr.write(
            f"error: these dreams render in this one Snakemake process, which has one TensorFlow "
            f"thread pool, but their `threads` differ: {listed}. Give them the same `threads`, render "
            f"them in separate runs, or all at once with --workflow-profile profiles/parallel (docs/scaling.md: "
            f"Many dreams at once)\n"
        )
        sys.exit(1)


@functools.cache
def frame_gpus():
    """1 where the CUDA build of TensorFlow is installed (`make venv GPU=1`; its cuDNN comes as a
    package): a frame job then asks for a GPU (SLURM: --gpus=1; locally `--resources gpu=1` keeps
    two jobs off one GPU). 0 with the CPU build."""
    from importlib import metadata

    return int(any((d.metadata["Name"] or "").startswith("nvidia-cudnn") for d in metadata.distributions()))


def made(p, indices=None):
    """What a job reading video frames `indices` of plan p (all by default) waits for: the frames
    (one job per frame), or the markers of the chunks that write them (frames_per_job > 1; a join
    is a job of its own). The one place, with checked_frames, where a reader of frames meets K."""
    indices = range(len(p.frames)) if indices is None else indices
    if frames_per_job(p) == 1:
        return [p.frame_path(i) for i in indices]
    holding = chunk_holding(p.name, p.folder)
    chain = p.chain_of
    waits = [
        p.frame_path(i) if isinstance(chain(i), tuple) else chunks.marker_path(p, holding[chain(i), i]) for i in indices
    ]
    return list(dict.fromkeys(waits))


def checked_frames(p, inputs):
    """The video frames of plan p that a job's `inputs` (from made()) stand for, in order: the
    frames, or those its chunk markers list (each checked to be the file its chunk wrote)."""
    listed = {f for path in inputs for f in (chunks.check(path) if chunks.is_marker(path) else [path])}
    return [path for path in p.frame_paths() if path in listed]


def frames_made(wildcards):
    """All frames of the plan of a {folder} (made())."""
    return made(frame_plan(wildcards))


def look_input(wildcards):
    """The look's inputs: the frames, and what their dream strength prepares them from again (the
    model, a video's footage and flow)."""
    p = plan(wildcards)
    prepared_from = {k: v for k, v in p.inputs(p.frames).items() if k in ("model_weights", "source", "flow")}
    return {"frames": made(p), **prepared_from}


def look_rows(wildcards, inputs):
    """The look of a dream's frames (look.of_frames), dream strength included, from look_input's files."""
    from dreamvideo.network import setup
    from dreamvideo.outputs import look

    p = plan(wildcards)
    setup.use_threads_if_unset(p.threads)
    footage_dirs = {key: getattr(inputs, key) for key in ("source", "flow") if key in inputs.keys()}
    return look.of_frames(checked_frames(p, inputs.frames), p.frames, **footage_dirs)


def frame_input(wildcards):
    # One input function per job (Snakemake inspects each function call: fewer is a faster DAG).
    p, index = frame_plan(wildcards), int(wildcards.index)
    inputs = p.frame_inputs(index)
    if frames_per_job(p) > 1 and "earlier" in inputs:  # a join: its two frames come from chunks
        holding = chunk_holding(p.name, p.folder)
        inputs.update(zip(("earlier", "later"), (chunks.marker_path(p, holding[c, index]) for c in p.chain_of(index))))
    return inputs


def aside_input(wildcards):
    """A chain's frame kept aside (a piece's warm-up, the frames a join crossfades): its chain's frame before it."""
    return frame_plan(wildcards).frame_inputs(int(wildcards.index), int(wildcards.chain))


def chunk_block(wildcards):
    """(chain, frame indices) of a chunk job."""
    chunk, found = int(wildcards.chunk), chunk_blocks(wildcards.name, wildcards.folder)
    if not 0 <= chunk < len(found):
        raise chunks.ChunkError(f"chunk {chunk} does not exist: {wildcards.name} has {len(found)} chunks")
    return found[chunk]


def chunk_records(wildcards):
    p, (chain, indices) = frame_plan(wildcards), chunk_block(wildcards)
    return [p.chain_record(chain, i) for i in indices]


def chunk_input(wildcards):
    """A chunk's inputs: what its frames read (Plan.inputs, the mask and guide files included, so an
    edit of one re-renders), after the marker of its chain's chunk before it."""
    p, chunk = frame_plan(wildcards), int(wildcards.chunk)
    chain = chunk_block(wildcards)[0]
    follows = chunk and chunk_blocks(wildcards.name, wildcards.folder)[chunk - 1][0] == chain
    return p.inputs(chunk_records(wildcards), chunks.marker_path(p, chunk - 1) if follows else None)


def render_frame(wildcards, input, record, out_path):
    """A frame job's frame, from its record and inputs, with its progress line (a video's frames;
    a chain's frames kept aside have none). A join's two frames may stand as their chunks' markers."""
    p, index = frame_plan(wildcards), int(wildcards.index)
    aside = "chain" in wildcards.keys()
    named = {key: input[key] for key in input.keys()}
    for key, chain in zip(("earlier", "later"), p.chain_of(index) if "earlier" in named else ()):
        if chunks.is_marker(named[key]):
            named[key] = next(f for f in chunks.check(named[key]) if f == p.chain_path(chain, index))
    with contextlib.nullcontext() if aside else frame_progress(wildcards, record, index):
        render.make_frame(index, record, out_path, **named)


def render_chunk(wildcards, input, frames):
    """A chunk job's frames (records) of one chain, rendered: the first from its chain's previous
    chunk's last frame, checked against its marker (or from the seed image / the first source
    frame / a chain's start). Returns their paths."""
    p, (chain, indices) = frame_plan(wildcards), chunk_block(wildcards)
    paths = [p.chain_path(chain, i) for i in indices]
    previous = chunks.check(input.previous)[-1] if "previous" in input.keys() else None
    named = {key: input[key] for key in input.keys() if key != "previous"}
    ours = lambda index: p.chain_of(index) == chain  # a video frame, not one kept aside
    each = lambda index, record: frame_progress(wildcards, record, index) if ours(index) else contextlib.nullcontext()
    render.make_frames(indices, frames, paths, previous, each=each, **named)
    return paths


def sheet_input(wildcards):
    """The frames a contact sheet shows (contact_sheet.every), or the markers of the chunks that hold them."""
    p = frame_plan(wildcards)
    return made(p, contact_sheet.every(len(p.frames)))


def sheet_shown(wildcards, inputs):
    """The frames a sheet job shows, from its inputs (frames, or chunk markers: checked, and the
    shown ones picked from them)."""
    p = frame_plan(wildcards)
    checked = set(checked_frames(p, inputs))
    return [path for path in map(p.frame_path, contact_sheet.every(len(p.frames))) if path in checked]


def sheet_labels(wildcards):
    p = frame_plan(wildcards)
    return contact_sheet.labels(p.frames, p.fps, contact_sheet.every(len(p.frames)))


def sheet_title(wildcards):
    p = frame_plan(wildcards)
    what = "draft preview" if p.folder == "preview" else "full render"
    shown = contact_sheet.every(len(p.frames))
    every = "every frame" if len(shown) == len(p.frames) else f"one frame in {shown[1]} and the last"
    return f"{p.name}: {what}, {p.size[0]}x{p.size[1]}, {len(p.frames)} frames at {p.fps:g} fps; {every}"
