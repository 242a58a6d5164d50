# Deep Dream Video: `snakemake --cores 1` renders every dream in config/dreams/ (rule all);
# `snakemake --cores 1 dreams/<name>/final.mp4` renders one. The settings this plain command
# needs (threads, resume) are in profiles/default/config.yaml.
import sys

from snakemake.utils import validate

sys.setrecursionlimit(100_000)  # the DAG of an N-frame chain is built N calls deep


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"


# The first rule is the default target: a bare `snakemake` renders every dream.
rule all:
    input:
        expand(layout.FINAL, name=dream_names()),


include: "workflow/rules/model.smk"
include: "workflow/rules/frames.smk"
include: "workflow/rules/source.smk"
include: "workflow/rules/plan.smk"
include: "workflow/rules/video.smk"


# Before the first job (never in a dry run or in a job's own process): one run per dream at a time
# (dreamvideo/runlock.py), one TensorFlow pool size in a run that dreams in this process, and the
# camera's numba warp compiled here once rather than by parallel jobs all at once.
onstart:
    hold_dreams(workflow)
    check_one_thread_pool(workflow)
    from dreamvideo.frame import lanczos

    lanczos.warm_up()
