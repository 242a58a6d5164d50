# The frames: one job per frame (dream_frame), or K consecutive frames per job (dream_chunk). Each
# frame is made from its plan record by its kind's chain of steps (render.make_frame; the kinds and
# what each reads: dreamvideo/plan/records.py): an image dream's frame 0 is its seed image fitted to
# the size, every other frame dreams on the frame before it (a video's on its source frame, with the
# previous dream carried in; its frame 0 on its source frame alone). A job's params are its frames' records, so
# editing a segment re-renders exactly its frames (params changed) and those after them (input
# changed), nothing before. {folder} is `frames` for the full render, `preview` for the draft
# preview (the same records at a smaller size).
from dreamvideo import layout


wildcard_constraints:
    name=r"[A-Za-z0-9_.-]+",
    folder=r"frames|preview",


# No log (lint): a log file per frame job cost 28 ms a frame (150 frames of 80x80: 18.7 s without, 35.4 s
# with, measured), a third of a preview frame; the job prints only its progress line.
rule dream_frame:
    input:
        unpack(frame_input),
    output:
        layout.FRAME,
    wildcard_constraints:
        index=r"\d{6}",
    threads: job_threads
    resources:
        mem_mb=frame_mem_mb,
        gpu=job_gpus,
    params:
        frame=lambda wc: frame_plan(wc).frames[int(wc.index)],
    run:
        render_frame(wildcards, input, params.frame, output[0])


# A chain's frame that is not the video's (plan/chains.py): a piece's warm-up, or a frame a join
# crossfades. Made like a video frame, from the frame before it in its chain.
# No log (lint): the job prints nothing; its frames' progress is the video's.
rule dream_aside:
    input:
        unpack(aside_input),
    output:
        layout.ASIDE,
    wildcard_constraints:
        chain=r"\d+",
        index=r"\d{6}",
    threads: job_threads
    resources:
        mem_mb=frame_mem_mb,
        gpu=job_gpus,
    params:
        frame=lambda wc: frame_plan(wc).aside_records[int(wc.chain), int(wc.index)],
    run:
        render_frame(wildcards, input, params.frame, output[0])


# frames_per_job = K > 1 (config): one job renders K consecutive frames with one model load,
# after the chunk before it. Its output is a marker listing its frames' digests, written after
# them (dreamvideo/plan/chunks.py says why); its params are the records of its frames, so an edit
# re-renders the chunk of the first changed frame and the chunks after it.
# No log (lint): the job prints only its progress lines, one per frame, as the frame jobs do.
rule dream_chunk:
    input:
        unpack(chunk_input),
    output:
        layout.CHUNK,
    wildcard_constraints:
        chunk=r"\d{6}",
    threads: job_threads
    resources:
        mem_mb=frame_mem_mb,
        gpu=job_gpus,
    params:
        frames=chunk_records,
    run:
        chunks.write_marker(output[0], render_chunk(wildcards, input, params.frames))
