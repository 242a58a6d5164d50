# `make test` is the one test command: it builds .venv from requirements.txt, prepares the
# offline model weights and runs the suite. Every target works from a fresh clone.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# `make venv GPU=1`: the CUDA build of the same TensorFlow version (NVIDIA GPU + driver needed),
# from the same requirements.txt with tensorflow-cpu swapped for tensorflow[and-cuda]; pass GPU=1 to
# every target after it. Back to the CPU build: `make clean venv`.
GPU ?=
REQUIREMENTS := $(if $(GPU),$(VENV)/requirements-gpu.txt,requirements.txt)
STAMP := $(BIN)/.installed$(if $(GPU),-gpu)

.PHONY: venv weights test demo gallery benchmark format clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	sed 's/^tensorflow-cpu==/tensorflow[and-cuda]==/' requirements.txt > $(VENV)/requirements-gpu.txt
	$(if $(GPU),$(BIN)/pip uninstall --quiet --yes tensorflow-cpu 2>/dev/null || true)
	$(BIN)/pip install --quiet -r $(REQUIREMENTS)
	$(BIN)/pip install --quiet --no-deps --editable .  # the dreamvideo package (pyproject.toml)
	touch $@

venv: $(STAMP)

weights: venv
	$(BIN)/prepare-model inception_v3 vgg16  # the offline models the tests use

# Test files run on TEST_JOBS workers, each file on one (its renders share fixtures): 2 workers took
# the suite from about 19 to 11 minutes on 2 cores (7.5 now). The renders' bytes do not depend on the load.
TEST_JOBS ?= 2

test: weights
	$(BIN)/python -m pytest -q -n $(TEST_JOBS) --dist loadfile tests

demo: venv
	$(BIN)/snakemake dreams/fractal_light/final.mp4

gallery: weights
	$(BIN)/python scripts/gallery.py

benchmark: weights
	$(BIN)/python -m benchmarks

format: venv  # what tests/test_lint.py checks
	$(BIN)/snakefmt Snakefile workflow/rules
	$(BIN)/ruff format workflow/dreamvideo benchmarks scripts tests
	$(BIN)/ruff check --fix workflow/dreamvideo benchmarks scripts tests

clean:
	rm -rf $(VENV)
