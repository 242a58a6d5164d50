# The functions the rules share: which dreams there are and each one's frame plan.
import json

from dreamvideo import models, preview, spec


def dream_names():
    """The dreams rule all renders: one per <name>.yaml in config["specs"]."""
    return sorted(p.stem for p in Path(config["specs"]).glob("*.yaml"))


def dream_plan(name):
    return spec.plan_for(name, config["specs"], json.dumps(config["dream_defaults"], sort_keys=True))


def plan(wildcards):
    return dream_plan(wildcards.name)


def preview_plan(wildcards):
    return preview.plan_for(wildcards.name, config["specs"], json.dumps(config["dream_defaults"], sort_keys=True))


def frame_plan(wildcards):
    """The plan whose frames a job makes: the full render's, or the draft preview's."""
    return preview_plan(wildcards) if wildcards.get("kind") == "preview" else plan(wildcards)


def spec_file(wildcards):
    return f"{config['specs']}/{wildcards.name}.yaml"


def dream_frame_input(wildcards):
    # One input function per job (Snakemake inspects each function call: fewer is a faster DAG).
    p = frame_plan(wildcards)
    return {"previous": p.frame_path(int(wildcards.index) - 1), "weights": str(models.weights_path(p.model))}
