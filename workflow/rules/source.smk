# A video dream's footage: its frames, extracted once at the dream's fps and size, and the optical
# flow between each pair of them, computed once per method. Each is one job with a folder as its
# output: the frame jobs read their frames from it, and a re-dream with other settings reuses both.
from dreamvideo.frame import flow, source
from dreamvideo import layout


# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule source_frames:
    input:
        lambda wc: frame_plan(wc).video,
    output:
        directory(layout.SOURCE),
    params:
        fps=lambda wc: frame_plan(wc).fps,
        size=lambda wc: frame_plan(wc).size,
        start=lambda wc: frame_plan(wc).start,
        frames=lambda wc: len(frame_plan(wc).frames),
    run:
        source.extract(input[0], output[0], params.frames, params.fps, params.size, params.start)


# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule flow:
    input:
        layout.SOURCE,
    output:
        directory(layout.FLOW),
    wildcard_constraints:
        method="|".join(flow.METHODS[:-1]),
    threads: lambda wc: frame_plan(wc).threads
    params:
        frames=lambda wc: len(frame_plan(wc).frames),
    run:
        flow.compute_folder(input[0], output[0], params.frames, wildcards.method, threads)


# A mask video (`mask:`): its frames at the dream's fps and size, extracted once; frame i masks the
# dream's frame i. The frame jobs that use it have this folder as an input.
# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule mask_frames:
    input:
        lambda wc: frame_plan(wc).mask_videos[int(wc.number)][0],
    output:
        directory(layout.MASK),
    wildcard_constraints:
        number=r"\d+",
    params:
        fps=lambda wc: frame_plan(wc).fps,
        size=lambda wc: frame_plan(wc).size,
        frames=lambda wc: frame_plan(wc).mask_videos[int(wc.number)][1],
    run:
        source.extract(input[0], output[0], params.frames, params.fps, params.size)
