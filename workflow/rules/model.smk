# Weights are fetched, verified and converted once into the model cache; frames depend on them.
from dreamvideo.network import models, weights

for _model in models.MODELS.values():

    # No log (lint): runs in the Snakemake process; its errors are in Snakemake's log (.snakemake/log/).
    rule:
        name:
            f"weights_{_model.name}"
        output:
            str(models.weights_path(_model.name)),
        localrule: True
        params:
            model=_model.name,
        message:
            "preparing {params.model} weights (once)"
        run:
            weights.prepare(params.model)
