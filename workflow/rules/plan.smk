# See the plan before rendering: every resolved setting per frame (schedule.csv), its curves
# (schedule.png) and an animatic of the camera path and colour steering without dreaming
# (motion.mp4). All three are cheap: seconds, not the hours of a render.
from dreamvideo import animatic, frame, plot


rule schedule_csv:
    input: spec_file
    output: "dreams/{name}/schedule.csv"
    run:
        plot.write_csv(plan(wildcards).frames, plan(wildcards).fps, output[0])


rule schedule_png:
    input: spec_file
    output: "dreams/{name}/schedule.png"
    run:
        plot.write_png(plan(wildcards).frames, plan(wildcards).fps, output[0], title=wildcards.name)


rule motion:
    input: spec_file, lambda wc: plan(wc).seed_image
    output: "dreams/{name}/motion.mp4"
    run:
        p = plan(wildcards)
        seed = frame.fit(frame.read_rgb(p.seed_image), p.size)
        animatic.render(seed, p.frames, p.fps, output[0])
