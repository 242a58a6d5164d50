"""Deep Dream Video: the core shared by the Snakemake workflow, the scripts and the tests."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of progress output
# TensorFlow picks its CPU kernels (oneDNN on CPUs with AVX512_VNNI/BF16, AVX_VNNI or AMX, its own
# elsewhere); renders are byte-exact with either, since the network's max pools route their
# gradient the same way in both (gradients.exact_max_pool).
