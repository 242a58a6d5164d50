# All frames → video.mp4 (H.264, the spec's fps) → final.mp4 (with the soundtrack, if any); the
# draft preview's frames the same way → preview.mp4.
from dreamvideo.outputs import look, video
from dreamvideo import layout


# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule video:
    input:
        frames_made,
    output:
        layout.VIDEO,
    params:
        fps=lambda wc: plan(wc).fps,
    run:
        video.encode(checked_frames(frame_plan(wildcards), input), output[0], params.fps)


# The contact sheet, the plan plot and the spec are inputs so that they are in final.mp4's DAG,
# which is what `snakemake --report ... final.mp4` shows (they cost seconds).
# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule final:
    input:
        video=layout.VIDEO,
        audio=lambda wc: plan(wc).audio or [],
        sheet=layout.SHEET,
        schedule=layout.SCHEDULE_PNG,
        spec=report(
            f"{config['specs']}/{{name}}.yaml",
            caption="../report/spec.rst",
            category="Spec",
            labels={"dream": "{name}"},
        ),
    output:
        report(
            layout.FINAL,
            caption="../report/final.rst",
            category="Video",
            labels={"dream": "{name}", "file": "final.mp4"},
        ),
    localrule: True
    params:
        audio_offset=lambda wc: plan(wc).audio_offset,
    run:
        video.mux(input.video, input.audio or None, output[0], params.audio_offset)
        progress.progress.finished(label(wildcards), output[0])


# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
use rule video as preview_video with:
    output:
        temp(layout.FOLDER_VIDEO),
    wildcard_constraints:
        folder="preview",  # the full render's are video.mp4 and contact_sheet.jpg beside final.mp4


# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule preview:
    input:
        video=layout.in_folder(layout.FOLDER_VIDEO, "preview"),
        audio=lambda wc: plan(wc).audio or [],
    output:
        layout.PREVIEW,
    localrule: True
    params:
        audio_offset=lambda wc: plan(wc).audio_offset,
    run:
        video.mux(input.video, input.audio or None, output[0], params.audio_offset)
        progress.progress.finished(f"{wildcards.name} preview", output[0])


# The look of the render, measured per frame (contrast, colourfulness, detail, change, dream
# strength: see workflow/dreamvideo/outputs/look.py), beside schedule.csv / schedule.png: does the picture
# hold? The dream strength runs the frames' model forward on each frame and on what it dreamed on
# (render.prepared, from the frame before as saved, and a video's footage and flow as its frame
# jobs read them): the frame jobs stay as they are.
# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule look:
    input:
        unpack(look_input),
    output:
        csv=layout.LOOK_CSV,
        png=report(
            layout.LOOK_PNG,
            caption="../report/look.rst",
            category="Overview",
            labels={"dream": "{name}", "file": "look.png"},
        ),
    localrule: True
    params:
        fps=lambda wc: plan(wc).fps,
    run:
        rows = look_rows(wildcards, input)
        look.write_csv(rows, output.csv)
        look.write_png(rows, params.fps, output.png, title=f"{wildcards.name}: look per frame")
