# A video dream's footage: its frames, extracted once at the dream's fps and size, and the optical
# flow between each pair of them, computed once per method. Each is one job with a folder as its
# output: the frame jobs read their frames from it, and a re-dream with other settings reuses both.
from dreamvideo import flow, frame, source


# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule source_frames:
    input:
        lambda wc: frame_plan(wc).video,
    output:
        directory("dreams/{name}/{kind}_source"),
    params:
        fps=lambda wc: frame_plan(wc).fps,
        size=lambda wc: frame_plan(wc).size,
        start=lambda wc: frame_plan(wc).start,
        frames=lambda wc: len(frame_plan(wc).frames),
    run:
        paths = [f"{output[0]}/{i:06d}.png" for i in range(params.frames)]
        source.extract(input[0], paths, params.fps, params.size, params.start)


# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule flow:
    input:
        "dreams/{name}/{kind}_source",
    output:
        directory("dreams/{name}/{kind}_source_flow_{method}"),
    wildcard_constraints:
        method="|".join(flow.METHODS[:-1]),
    run:
        count = len(frame_plan(wildcards).frames)
        for i in range(1, count):
            pair = [frame.read_frame(f"{input[0]}/{i + k - 1:06d}.png") for k in (0, 1)]
            flow.save(f"{output[0]}/{i:06d}.npz", *flow.backward(*pair, wildcards.method))
