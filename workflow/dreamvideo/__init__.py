"""Deep Dream Video: the core shared by the Snakemake workflow, the scripts and the tests."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of progress output
