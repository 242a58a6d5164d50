"""Same input + seed → same bytes, in separate processes, at odd sizes, on several layers and
objectives: the promise that makes a resumed render equal an uninterrupted one."""

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from helpers import REPO

# (width, height, objective, precision): odd sizes, shallow and deep layers, a mix with channels.
CASES = [
    (321, 181, 6, "float32"),
    (257, 143, 3, "float32"),
    (199, 311, [["mixed2", 1.0, []], ["mixed6", 0.5, [3, 17, 400]]], "float32"),
    (161, 97, 9, "float32"),
    (145, 113, 4, "bfloat16"),
]

SCRIPT = """
import hashlib, json, sys
import numpy as np
from PIL import Image
from dreamvideo.frame import pictures
from dreamvideo.network import dream
card = Image.open({card!r}).convert("RGB")
for width, height, objective, precision in json.loads({cases!r}):
    pixels = np.asarray(card.resize((width, height)))
    dreamer = dream.dreamer("inception_v3", objective, precision)
    weights = None if isinstance(objective, int) else [w for _, w, _ in objective]
    out = pictures.to_uint8(dreamer(pixels, num_iterations=2, step_size=2.0, num_repeats=2, tile_size=120,
                                 seed=3, weights=weights))
    print(hashlib.sha256(out.tobytes()).hexdigest(), flush=True)
"""


def run_together(model_env, cases, count=2):
    """The cases' hashes from `count` processes run at the same time (each its own TensorFlow; the
    bytes must not depend on what else the machine is doing)."""
    code = SCRIPT.format(card=str(REPO / "tests/data/golden_input.png"), cases=json.dumps(cases))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], env=model_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(count)
    ]
    runs = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        runs.append(out.split())
        assert len(runs[-1]) == len(cases)
    return runs


# TensorFlow's own kernels and oneDNN's, forced either way whatever the CPU would choose: with
# oneDNN, MaxPoolGrad ran in either library run to run, and the bytes changed (gradients.exact_max_pool).
# bfloat16 with oneDNN only: `precision: auto` never picks it without (models.native_bfloat16),
# and TensorFlow's own bfloat16 kernels are emulated, slow.
@pytest.mark.parametrize("onednn", ["0", "1"], ids=["own-kernels", "onednn"])
def test_two_processes_give_the_same_bytes_for_every_case(model_env, onednn):
    env = {**model_env, "TF_ENABLE_ONEDNN_OPTS": onednn}
    cases = CASES if onednn == "1" else [case for case in CASES if case[3] == "float32"]
    runs = run_together(env, cases)
    for case, results in zip(cases, zip(*runs)):
        assert len(set(results)) == 1, f"{case}: {len(set(results))} different results in 2 processes"
    assert len(set(runs[0])) == len(cases)  # and the cases differ from each other


def test_bfloat16_dreams_the_same_kind_of_picture():
    from dreamvideo.network import dream

    pixels = np.asarray(Image.open(REPO / "tests/data/golden_input.png").convert("RGB").resize((160, 120)))
    settings = dict(num_iterations=4, step_size=2.0, num_repeats=1, tile_size=0, seed=1)
    full = dream.dreamer("inception_v3", 4, "float32")(pixels, **settings) - pixels
    half = dream.dreamer("inception_v3", 4, "bfloat16")(pixels, **settings) - pixels
    # The same strokes in the same places: the two changes correlate strongly, and are not equal.
    correlation = np.corrcoef(full.ravel(), half.ravel())[0, 1]
    assert correlation > 0.8, correlation
    assert not np.array_equal(full, half)
    print(f"bfloat16 vs float32 dream change: correlation {correlation:.3f}")


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


RESUME_SPEC = """\
size: [322, 182]
seed: 3
defaults: {layer: 6, num_iterations: 2, angle: 0.5, zoom: 1.01}
segments:
  - {frames: 4}
  - {frames: 4, layer: {mixed3: 1.0, mixed6: 0.5}, transition: 2, target_color: '#dc5028', color_rate: 0.2}
"""


@pytest.fixture(scope="module")
def resume_reference(tmp_path_factory):
    """The frames' digests of an uninterrupted render of RESUME_SPEC (in this process)."""
    from helpers import make_project, render_in_process

    whole = make_project(tmp_path_factory.mktemp("whole"), RESUME_SPEC)
    render_in_process(whole, whole / "reference")
    expected = {p.name: digest(p) for p in sorted((whole / "reference").glob("*.png"))}
    assert len(expected) == 8
    return expected


def test_killed_render_at_an_odd_size_resumes_to_the_same_bytes(resume_reference, tmp_path, model_env):
    """The plain command killed mid-way (SIGKILL to its process group) and run again: the frames
    equal an uninterrupted render's, byte for byte, and only the missing ones are rendered. At the
    size and layer where the nondeterminism showed (321x181, layer 6; even for H.264), with the
    camera, a transition and a colour target."""
    from helpers import frames, kill_at, make_project, snakemake, temporaries

    root = make_project(tmp_path / "killed", RESUME_SPEC)
    kill_at(root, model_env, "dreams/t/video.mp4", 4)
    before = {p.name: p.stat().st_mtime_ns for p in frames(root)}
    assert sorted(before) == [f"{i:06d}.png" for i in range(4)]
    done = snakemake(root, model_env, "dreams/t/video.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    assert {p.name: digest(p) for p in frames(root)} == resume_reference
    assert all(p.stat().st_mtime_ns == before[p.name] for p in frames(root) if p.name in before)  # not redone
    assert temporaries(root) == []
