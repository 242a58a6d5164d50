"""rule all: a bare `snakemake` renders every dream in config/dreams/."""

import re

from helpers import SPEC, make_project, snakemake

OTHER = SPEC.replace("seed: 3", "seed: 3\nseed_image: dreams/t/img_0.jpg")  # a second dream, u


def test_bare_dry_run_lists_every_dreams_final_video(tmp_path, model_env):
    root = make_project(tmp_path)
    (root / "config/dreams/u.yaml").write_text(OTHER)
    done = snakemake(root, model_env, "-n")
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout + done.stderr
    assert set(re.findall(r"dreams/(\w+)/final\.mp4", out)) == {"t", "u"}
    assert re.search(r"^all\s+1$", out, re.M) and re.search(r"^final\s+2$", out, re.M), out[-2000:]
    assert re.search(r"^dream_frame\s+24$", out, re.M)  # 12 frames each: the seed image and 11 dreamed


def test_bare_run_checks_every_spec_first(tmp_path, model_env):
    root = make_project(tmp_path)
    (root / "config/dreams/u.yaml").write_text(OTHER.replace("layer: 8,", "layer: nope,"))
    done = snakemake(root, model_env, "-n")
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith("error: config/dreams/u.yaml: segments[2].layer: unknown layer"), (
        done.stderr[-2000:]
    )
    assert "Traceback" not in done.stderr
