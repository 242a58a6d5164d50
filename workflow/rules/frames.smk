# One job per frame: frame 0 is the seed image fitted to the video size; frame i dreams on frame i-1.
# A frame's params are its own plan record, so editing a segment re-renders exactly its frames
# (params changed) and those after them (input changed), nothing before.
from dreamvideo import models, render


wildcard_constraints:
    name=r"[A-Za-z0-9_.-]+",


rule seed_frame:
    input: lambda wc: plan(wc).seed_image
    output: "dreams/{name}/frames/000000.png"
    params: frame=lambda wc: plan(wc).frames[0]
    run:
        render.seed_frame(params.frame, output[0])


rule dream_frame:
    input: unpack(dream_frame_input)
    output: "dreams/{name}/frames/{index}.png"
    wildcard_constraints: index=r"(?!000000)\d{6}"
    params: frame=lambda wc: plan(wc).frames[int(wc.index)]
    run:
        with render.progress.frame(wildcards.name, int(wildcards.index), len(plan(wildcards).frames) - 1):
            render.dream_frame(input.previous, params.frame, output[0])
