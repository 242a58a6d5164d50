"""The README's dream specs are valid as written: each resolves to a plan from the repository."""
import re

import pytest
import yaml

from conftest import REPO
from dreamvideo import audio, spec

BLOCKS = [b for b in re.findall(r"```yaml\n(.*?)```", (REPO / "README.md").read_text(), re.S) if "segments:" in b]


def test_the_readme_has_specs():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("text", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_a_readme_spec_plans(text, monkeypatch, tmp_path):
    monkeypatch.chdir(REPO)  # its paths are the repository's (dreams/fractal_light/...)
    monkeypatch.setattr(audio, "CACHE", tmp_path)
    data = yaml.safe_load(text)
    if "video" not in data:
        data.setdefault("seed_image", "dreams/fractal_light/img_0.jpg")
    plan = spec.plan("readme", spec.validate(data), "README.md")
    assert len(plan.frames) > 1
