# One job per frame: frame 0 is the seed image fitted to the video size; frame i dreams on frame i-1.
# A frame's params are its own plan record, so editing a segment re-renders exactly its frames
# (params changed) and those after them (input changed), nothing before. {kind} is `frames` for
# the full render, `preview` for the draft preview (the same records at a smaller size).
from dreamvideo import render


wildcard_constraints:
    name=r"[A-Za-z0-9_.-]+",
    kind=r"frames|preview",


# No log (lint): a log file per frame job cost 28 ms a frame (150 frames of 80x80: 18.7 s without, 35.4 s
# with, measured), a third of a preview frame; the job prints only its progress line.
rule seed_frame:
    input:
        unpack(first_frame_input),
    output:
        "dreams/{name}/{kind}/000000.png",
    threads: lambda wc: frame_threads(wc) if frame_plan(wc).video else 1  # an image's only fits the seed
    resources:
        mem_mb=frame_mem_mb,
        gpu=lambda wc: frame_gpus() if frame_plan(wc).video else 0,
    params:
        frame=lambda wc: frame_plan(wc).frames[0],
    run:
        if "source" in input.keys():
            render.video_frame(f"{input.source}/000000.png", params.frame, output[0])
        else:
            render.seed_frame(params.frame, output[0])


# No log (lint): a log file per frame job cost 28 ms a frame (150 frames of 80x80: 18.7 s without, 35.4 s
# with, measured), a third of a preview frame; the job prints only its progress line.
rule dream_frame:
    input:
        unpack(dream_frame_input),
    output:
        "dreams/{name}/{kind}/{index}.png",
    wildcard_constraints:
        index=r"(?!000000)\d{6}",
    threads: frame_threads
    resources:
        mem_mb=frame_mem_mb,
        gpu=frame_gpus(),
    params:
        frame=lambda wc: frame_plan(wc).frames[int(wc.index)],
    run:
        with frame_progress(wildcards, params.frame):
            render.frame_job(int(wildcards.index), params.frame, output[0], **input)


# frames_per_job = K > 1 (config): one job renders K consecutive frames with one model load,
# after the chunk before it. Its output is a marker listing its frames' digests, written after
# them (dreamvideo/chunks.py says why); its params are the records of its frames, so an edit
# re-renders the chunk of the first changed frame and the chunks after it.
# No log (lint): the job prints only its progress lines, one per frame, as the frame jobs do.
rule dream_chunk:
    input:
        unpack(chunk_input),
    output:
        "dreams/{name}/{kind}/chunks/{chunk}.done",
    wildcard_constraints:
        chunk=r"\d{6}",
    threads: frame_threads
    resources:
        mem_mb=frame_mem_mb,
        gpu=frame_gpus(),
    params:
        frames=lambda wc: [frame_plan(wc).frames[i] for i in chunk_indices(wc)],
    run:
        chunks.write_marker(output[0], render_chunk(wildcards, input, params.frames))
