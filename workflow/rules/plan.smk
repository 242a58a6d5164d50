# See the plan before rendering: every resolved setting per frame (schedule.csv), its curves
# (schedule.png) and an animatic of the camera path and colour steering without dreaming
# (motion.mp4). All three are cheap: seconds, not the hours of a render.
from dreamvideo.outputs import animatic, contact_sheet, plot
from dreamvideo import layout


# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule schedule_csv:
    input:
        spec_and_audio,
    output:
        layout.SCHEDULE_CSV,
    localrule: True
    run:
        p = plan(wildcards)
        plot.write_csv(plot.with_features(p.frames, p.features()), p.fps, output[0])


# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule schedule_png:
    input:
        spec_and_audio,
    output:
        report(
            layout.SCHEDULE_PNG,
            caption="../report/schedule.rst",
            category="Overview",
            labels={"dream": "{name}", "file": "schedule.png"},
        ),
    localrule: True
    run:
        p = plan(wildcards)
        plot.write_png(plot.with_features(p.frames, p.features()), p.fps, output[0], title=wildcards.name)


# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule motion:
    input:
        spec_file,
        lambda wc: plan(wc).seed_image or plan(wc).video,
    output:
        layout.MOTION,
    localrule: True
    run:
        animatic.render_plan(plan(wildcards), output[0])


# Every Nth frame in a grid, labelled from its plan record: contact_sheet.jpg of the full render
# (in final.mp4's DAG and the report), preview/contact_sheet.jpg of the draft preview (a look at the
# whole dream in a minute, without starting the full render).
# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
rule contact_sheet:
    input:
        sheet_input,
    output:
        report(
            layout.SHEET,
            caption="../report/contact_sheet.rst",
            category="Overview",
            labels={"dream": "{name}", "file": "contact_sheet.jpg"},
        ),
    localrule: True
    params:
        labels=sheet_labels,
        title=sheet_title,
    run:
        contact_sheet.write(sheet_shown(wildcards, input), params.labels, output[0], params.title)


# No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
use rule contact_sheet as preview_contact_sheet with:
    output:
        layout.FOLDER_SHEET,
    wildcard_constraints:
        folder="preview",  # the full render's are video.mp4 and contact_sheet.jpg beside final.mp4
