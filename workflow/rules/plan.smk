# See the plan before rendering: every resolved setting per frame (schedule.csv), its curves
# (schedule.png) and an animatic of the camera path and colour steering without dreaming
# (motion.mp4). All three are cheap: seconds, not the hours of a render.
from dreamvideo import animatic, frame, plot


def spec_file(wildcards):
    return f"{config['specs']}/{wildcards.name}.yaml"


def spec_and_audio(wildcards):
    return [spec_file(wildcards), *([plan(wildcards).audio] if plan(wildcards).audio else [])]


rule schedule_csv:
    input: spec_and_audio
    output: "dreams/{name}/schedule.csv"
    run:
        p = plan(wildcards)
        plot.write_csv(plot.with_features(p.frames, p.features()), p.fps, output[0])


rule schedule_png:
    input: spec_and_audio
    output: "dreams/{name}/schedule.png"
    run:
        p = plan(wildcards)
        plot.write_png(plot.with_features(p.frames, p.features()), p.fps, output[0], title=wildcards.name)


rule motion:
    input: spec_file, lambda wc: plan(wc).seed_image
    output: "dreams/{name}/motion.mp4"
    run:
        p = plan(wildcards)
        seed = frame.fit(frame.read_rgb(p.seed_image), p.size)
        animatic.render(seed, p.frames, p.fps, output[0])
