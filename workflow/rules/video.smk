# All frames → video.mp4 (H.264, the spec's fps) → final.mp4 (with the soundtrack, if any).
from dreamvideo import video


rule video:
    input: lambda wc: plan(wc).frame_paths()
    output: "dreams/{name}/video.mp4"
    params: fps=lambda wc: plan(wc).fps
    run:
        video.encode(input, output[0], params.fps)


rule final:
    input:
        video="dreams/{name}/video.mp4",
        audio=lambda wc: plan(wc).audio or [],
    output: "dreams/{name}/final.mp4"
    params: audio_offset=lambda wc: plan(wc).audio_offset
    run:
        video.mux(input.video, input.audio or None, output[0], params.audio_offset)
        print(f"done: {output[0]}", file=sys.stderr)
