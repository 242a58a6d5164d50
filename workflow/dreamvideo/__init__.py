"""Deep Dream Video: the core shared by the Snakemake workflow, the scripts and the tests."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of progress output
# Bit-exact renders: with oneDNN's kernels, the same dream gave one of two different results
# run to run on an AVX-512 CPU (benchmarks/README.md); TensorFlow's own CPU kernels gave the same
# bytes every time. Set TF_ENABLE_ONEDNN_OPTS=1 yourself to trade that for oneDNN's speed.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
