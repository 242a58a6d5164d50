"""The workflow's files are snakefmt-formatted, and every lint Snakemake still reports is justified
by a comment right above its rule."""
import re
import subprocess
from pathlib import Path

from helpers import BIN, REPO


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
        name, line, path = re.fullmatch(r"rule (\w+) \(line (\d+), (.*)\)", where).groups()
        lines = Path(path).read_text().splitlines()
        # The line of a `use rule` by its name (Snakemake's number for it is off); of a rule, its number.
        line = next((i for i, l in enumerate(lines) if l.startswith("use rule ") and l.endswith(f" as {name} with:")),
                    int(line) - 1)
        above = lines[max(0, line - 3):line]
        assert any(l.strip().startswith("# No log (lint): ") for l in above), (where, above)


def test_the_package_imports_from_any_folder_and_nothing_edits_sys_path(tmp_path):
    """`dreamvideo` is installed (editable, `make venv`): the Snakefile, scripts and tests import it
    as a package, none of them by putting folders on sys.path."""
    done = subprocess.run([str(BIN / "python"), "-c", "import dreamvideo, sys; print(dreamvideo.__file__)"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and Path(done.stdout.strip()) == REPO / "workflow/dreamvideo/__init__.py", done
    sources = [REPO / "Snakefile", *REPO.glob("workflow/**/*.smk"), *REPO.glob("workflow/**/*.py"),
               *REPO.glob("scripts/*.py"), *REPO.glob("tests/*.py")]
    editing = [p.name for p in sources if re.search(r"sys\.path\.(insert|append)\(", p.read_text())
               and p.name != "test_lint.py"]
    assert editing == []
