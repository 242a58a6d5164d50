# `make test` is the one test command: it builds .venv from requirements.txt, prepares the
# offline model weights and runs the suite. Every target works from a fresh clone.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: venv weights test demo gallery benchmark clean

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

venv: $(BIN)/.installed

weights: venv
	$(BIN)/python scripts/prepare_model.py inception_v3 vgg16  # the offline models the tests use

test: weights
	$(BIN)/python -m pytest -q tests

demo: venv
	$(BIN)/snakemake dreams/fractal_light/final.mp4

gallery: weights
	$(BIN)/python scripts/gallery.py

benchmark: weights
	$(BIN)/python scripts/benchmark.py

clean:
	rm -rf $(VENV)
