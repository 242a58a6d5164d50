"""The README's and docs' dream specs are valid as written: each resolves to a plan from the
repository; their links lead to files that exist; the README stays short."""

import re

import pytest
import yaml

from dreamvideo.plan import audio, spec
from helpers import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCKS = [
    (page, b) for page in PAGES for b in re.findall(r"```yaml\n(.*?)```", page.read_text(), re.S) if "segments:" in b
]


def test_the_readme_and_docs_have_specs():
    assert len(BLOCKS) >= 5


def test_the_readme_is_short_and_every_link_leads_somewhere():
    assert len((REPO / "README.md").read_text().splitlines()) <= 250
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text()):
            if not target.startswith(("http://", "https://")):
                assert (page.parent / target).exists(), f"{page.name}: {target}"


@pytest.mark.parametrize("page,text", BLOCKS, ids=[f"{page.stem}-{i}" for i, (page, _) in enumerate(BLOCKS)])
def test_a_readme_spec_plans(page, text, monkeypatch, tmp_path):
    monkeypatch.chdir(REPO)  # its paths are the repository's (dreams/fractal_light/...)
    monkeypatch.setattr(audio, "CACHE", tmp_path)
    data = yaml.safe_load(text)
    if "video" not in data:
        data.setdefault("seed_image", "dreams/fractal_light/img_0.jpg")
    plan = spec.plan("readme", spec.validate(data), page.name)
    assert len(plan.frames) > 1
