# Deep Dream Video: `snakemake --cores 1 dreams/<name>/final.mp4` renders config/dreams/<name>.yaml.
# The settings this plain command needs (threads, resume) are in profiles/default/config.yaml.
import sys

from snakemake.utils import validate

sys.setrecursionlimit(100_000)  # the DAG of an N-frame chain is built N calls deep
sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

configfile: "config/config.yaml"
validate(config, "workflow/schemas/config.schema.yaml")

include: "workflow/rules/model.smk"
include: "workflow/rules/frames.smk"
include: "workflow/rules/plan.smk"
include: "workflow/rules/video.smk"


# Check the specs of the dreams named on the command line before the DAG is built: a bad spec
# is one line naming the field and the fix, not an exception from deep inside the DAG.
from dreamvideo import spec as _spec

for _target in sys.argv[1:]:
    _parts = Path(_target).parts
    if len(_parts) >= 3 and _parts[0] == "dreams":
        try:
            dream_plan(_parts[1])
        except _spec.SpecError as _err:
            sys.stderr.write(f"error: {_err}\n")
            sys.exit(1)
