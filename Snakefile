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


# Check the specs of the dreams named on the command line (all of them when none is named, as
# rule all renders them all) before the DAG is built: a bad spec is one line naming the field
# and the fix, not an exception from deep inside the DAG.
from dreamvideo.plan import spec as _spec

_named = [Path(t).parts[1] for t in sys.argv[1:] if len(Path(t).parts) >= 3 and Path(t).parts[0] == "dreams"]
_errors = _spec.check(_named or dream_names(), config["specs"], json.dumps(config["dream_defaults"], sort_keys=True))
if _errors:
    sys.stderr.write("".join(f"{line}\n" for line in _errors))
    sys.exit(1)


# Before the first job (never in a dry run or in a job's own process): one run per dream at a time
# (dreamvideo/runlock.py), one TensorFlow pool size in a run that dreams in this process, and the
# camera's numba warp compiled here once rather than by parallel jobs all at once.
onstart:
    hold_dreams(workflow)
    check_one_thread_pool(workflow)
    from dreamvideo.frame import lanczos

    lanczos.warm_up()
