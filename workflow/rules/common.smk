# The functions the rules share: which dreams there are and each one's frame plan.
import functools
import json
import os
import sys

from dreamvideo import chunks, contact_sheet, mask, models, preview, progress, render, runlock, spec
from snakemake.logging import logger

# The jobs whose blocks would bury the progress line: one per frame, or listing every frame.
progress.quiet_frame_jobs(
    logger, workflow, ["seed_frame", "dream_frame", "dream_chunk", "contact_sheet", "video", "preview_video"]
)


def dream_names():
    """The dreams a bare run renders, one per <name>.yaml in config["specs"] (the input of rule all)."""
    return sorted(p.stem for p in Path(config["specs"]).glob("*.yaml"))


def dream_plan(name):
    return spec.plan_for(name, config["specs"], json.dumps(config["dream_defaults"], sort_keys=True))


def plan(wildcards):
    return dream_plan(wildcards.name)


def preview_plan(wildcards):
    return preview.plan_for(wildcards.name, config["specs"], json.dumps(config["dream_defaults"], sort_keys=True))


def frame_plan(wildcards):
    """The plan whose frames a job makes: the full render's, or the draft preview's."""
    return preview_plan(wildcards) if wildcards.get("kind") == "preview" else plan(wildcards)


def spec_file(wildcards):
    return f"{config['specs']}/{wildcards.name}.yaml"


def spec_and_audio(wildcards):
    """The spec and its soundtrack: what the plan's tables and plots are made from."""
    return [spec_file(wildcards), *([plan(wildcards).audio] if plan(wildcards).audio else [])]


def label(wildcards):
    return wildcards.name + (" preview" if wildcards.get("kind") == "preview" else "")


def frame_progress(wildcards, record, index=None):
    """Reports the frame after it is made (the workflow knows the frame count, the frame job does not)."""
    index = int(wildcards.index) if index is None else index
    return progress.progress.frame(label(wildcards), index, len(frame_plan(wildcards).frames) - 1, record)


def frames_per_job(p):
    """K, the frames one job of plan p renders: config `frames_per_job`, a number or `auto` (one
    job per frame up to chunks.LONG frames, chunks of chunks.AUTO_K above)."""
    return chunks.per_job(config["frames_per_job"], len(p.frames))


def frame_threads(wildcards):
    """A frame or chunk job's CPU threads: its dream's `threads`, the size of the TensorFlow pools
    it dreams with (dream.use_threads), so Snakemake and SLURM give it what it uses."""
    return frame_plan(wildcards).threads


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
    frame it dreams (dream.use_threads)."""
    from snakemake_interface_executor_plugins.settings import ExecMode

    settings = workflow.execution_settings
    if not (settings.use_threads and workflow.local_exec and workflow.exec_mode == ExecMode.DEFAULT):
        return  # each job in its own process (profiles/parallel), or a cluster
    frame_rules = {"seed_frame", "dream_frame", "dream_chunk"}
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


def made(p):
    """What a job reading all of a plan's frames waits for: the frames (one job per frame), or
    the markers of the chunks that write them (frames_per_job > 1)."""
    k = frames_per_job(p)
    return p.frame_paths() if k == 1 else chunks.markers(p, k)


def checked_frames(inputs):
    """The frames a job's `inputs` (from made()) stand for: the frames, or those its chunk markers
    list, each checked to be the file its chunk wrote."""
    return [f for path in inputs for f in (chunks.check(path) if chunks.is_marker(path) else [path])]


def footage(p):
    """A video dream's inputs beside the previous frame: its footage, and the flow along which its
    dream moves (none with `flow: none`)."""
    return {"source": p.source_dir(), **({"flow": p.flow_dir()} if p.flow != "none" else {})}


def guidance(records):
    """The mask and guide files (or extracted mask videos) that frames of `records` read: inputs
    of their jobs, so editing one re-renders exactly the frames that use it (and those after)."""
    found = {}
    for record in records:
        found.update(dict.fromkeys(mask.inputs(record)))
        found.update(dict.fromkeys(term[3] for term in record.get("objective", ()) if len(term) > 3))
    return {"guidance": list(found)} if found else {}


def look_input(wildcards):
    """The look's inputs: the frames, the model (for the dream strength) and a video's footage."""
    p = plan(wildcards)
    inputs = {"frames": made(p), "weights": str(models.weights_path(p.model))}
    return {**inputs, **footage(p)} if p.video else inputs


def look_rows(wildcards, inputs):
    """The look of a dream's frames (look.of_frames), dream strength included, from look_input's files."""
    from dreamvideo import look

    p = plan(wildcards)
    look.use_threads(p.threads)
    footage_dirs = {key: getattr(inputs, key) for key in ("source", "flow") if key in inputs.keys()}
    return look.of_frames(checked_frames(inputs.frames), p.frames, **footage_dirs)


def dream_frame_input(wildcards):
    # One input function per job (Snakemake inspects each function call: fewer is a faster DAG).
    p, index = frame_plan(wildcards), int(wildcards.index)
    inputs = {
        "previous": p.frame_path(index - 1),
        "weights": str(models.weights_path(p.model)),
        **guidance([p.frames[index]]),
    }
    return {**inputs, **footage(p)} if p.video else inputs


def chunk_indices(wildcards):
    p = frame_plan(wildcards)
    return chunks.indices(int(wildcards.chunk), frames_per_job(p), len(p.frames))


def chunk_input(wildcards):
    """A chunk's inputs: the chunk before it (its marker), the model's weights, and the seed image
    (the first chunk of an image dream) or a video dream's footage and flow."""
    p, chunk = frame_plan(wildcards), int(wildcards.chunk)
    inputs = {"weights": str(models.weights_path(p.model)), **guidance(p.frames[i] for i in chunk_indices(wildcards))}
    if chunk > 0:
        inputs["previous"] = chunks.marker_path(p, chunk - 1)
    if p.video:
        inputs.update(footage(p))
    elif chunk == 0:
        inputs["seed"] = p.seed_image
    return inputs


def render_chunk(wildcards, input, records):
    """A chunk job's frames, rendered: the first from the previous chunk's last frame, checked
    against its marker (or from the seed / the first source frame). Returns their paths."""
    p, indices = frame_plan(wildcards), chunk_indices(wildcards)
    paths = [p.frame_path(i) for i in indices]
    previous = chunks.check(input.previous)[-1] if "previous" in input.keys() else None
    named = {key: input[key] for key in ("weights", "seed", "source", "flow") if key in input.keys()}
    each = lambda index, record: frame_progress(wildcards, record, index)
    render.chunk_job(indices, records, paths, previous, each=each, **named)
    return paths


def first_frame_input(wildcards):
    p = frame_plan(wildcards)
    if p.video:  # a video dream dreams its first source frame
        return {"source": p.source_dir(), "weights": str(models.weights_path(p.model)), **guidance(p.frames[:1])}
    return {"seed": p.seed_image}


def full_render_wanted(name):
    """True when this run renders the dream in full: a bare run (rule all), or its final.mp4 or
    video.mp4 named as a target."""
    targets = {os.path.normpath(t) for t in getattr(workflow.dag_settings, "targets", None) or ()}
    return not targets or "all" in targets or bool(targets & {f"dreams/{name}/final.mp4", f"dreams/{name}/video.mp4"})


def sheet_plan(wildcards):
    """The frames a contact sheet shows: the full render's when this run makes it or all its
    frames exist, else the draft preview's (made if missing: a sheet never starts hours of work)."""
    full = plan(wildcards)
    if full_render_wanted(wildcards.name) or all(os.path.exists(p) for p in made(full)):
        return full
    return preview_plan(wildcards)


def sheet_frames(wildcards):
    p = sheet_plan(wildcards)
    return [p.frame_path(i) for i in contact_sheet.every(len(p.frames))]


def sheet_input(wildcards):
    """The frames a sheet shows, or the markers of the chunks that hold them."""
    p = sheet_plan(wildcards)
    k = frames_per_job(p)
    if k == 1:
        return sheet_frames(wildcards)
    return list(dict.fromkeys(chunks.marker_path(p, i // k) for i in contact_sheet.every(len(p.frames))))


def sheet_shown(inputs):
    """The frames a sheet job shows, from its inputs (frames, or chunk markers: checked, and the
    shown ones picked from them)."""
    if not any(chunks.is_marker(path) for path in inputs):
        return list(inputs)
    listed = [f for marker in inputs for f in chunks.check(marker)]
    name, folder = Path(listed[0]).parts[1:3]
    shared = json.dumps(config["dream_defaults"], sort_keys=True)
    p = preview.plan_for(name, config["specs"], shared) if folder == "preview" else dream_plan(name)
    return [p.frame_path(i) for i in contact_sheet.every(len(p.frames))]


def sheet_labels(wildcards):
    p = sheet_plan(wildcards)
    return contact_sheet.labels(p.frames, p.fps, contact_sheet.every(len(p.frames)))


def sheet_title(wildcards):
    p = sheet_plan(wildcards)
    what = "draft preview" if p.folder == "preview" else "full render"
    shown = contact_sheet.every(len(p.frames))
    every = "every frame" if len(shown) == len(p.frames) else f"one frame in {shown[1]} and the last"
    return f"{p.name}: {what}, {p.size[0]}x{p.size[1]}, {len(p.frames)} frames at {p.fps:g} fps; {every}"
