"""The workflow's files are snakefmt-formatted, and every lint Snakemake still reports is justified
by a comment right above its rule."""
import re
import subprocess
from pathlib import Path

from conftest import BIN, REPO


def test_snakefile_and_rules_are_formatted():
    done = subprocess.run([str(BIN / "snakefmt"), "--check", "Snakefile", "workflow/rules"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_remaining_lint_is_a_justified_missing_log(model_env):
    done = subprocess.run([str(BIN / "snakemake"), "--lint"], cwd=REPO, env=model_env, capture_output=True, text=True)
    text = done.stdout + done.stderr
    found = re.findall(r"^Lints for (.*?):\n((?:    \* .*\n(?:      .*\n)*)+)", text, re.M)
    assert found, text[-2000:]
    for where, lints in found:
        assert re.findall(r"^    \* (.*?):$", lints, re.M) == ["No log directive defined"], (where, lints)
        line, path = re.fullmatch(r"rule \w+ \(line (\d+), (.*)\)", where).groups()
        above = Path(path).read_text().splitlines()[int(line) - 4:int(line) - 1]
        assert any(l.strip().startswith("# No log (lint): ") for l in above), (where, above)
