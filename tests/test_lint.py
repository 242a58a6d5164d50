"""The workflow's files are snakefmt-formatted and its Python ruff-clean and ruff-formatted; every
lint Snakemake still reports is justified by a comment right above its rule; modules and functions
stay small, and the package's layers import only downward."""

import ast
import re
import subprocess
from pathlib import Path

from helpers import BIN, REPO


def test_snakefile_and_rules_are_formatted():
    done = subprocess.run(
        [str(BIN / "snakefmt"), "--check", "Snakefile", "workflow/rules"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


PYTHON = ["workflow/dreamvideo", "benchmarks", "scripts", "tests"]


def test_python_is_ruff_clean_and_formatted():
    for check in (["check"], ["format", "--check"]):
        done = subprocess.run([str(BIN / "ruff"), *check, *PYTHON], cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, f"ruff {' '.join(check)}:\n{done.stdout}{done.stderr}"


def test_modules_and_functions_stay_small():
    """At most 300 lines a module and 60 a function, outside the tests: a longer one does two jobs."""
    long = []
    for path in [p for folder in PYTHON[:-1] for p in sorted((REPO / folder).rglob("*.py"))]:
        text = path.read_text()
        if len(text.splitlines()) > 300:
            long.append(f"{path.relative_to(REPO)}: {len(text.splitlines())} lines")
        long += [
            f"{path.relative_to(REPO)}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines"
            for node in ast.walk(ast.parse(text))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60
        ]
    assert long == []


LAYERS = ["outputs", "plan", "frame", "network"]  # each may import those after it
SHARED = ["layout", "files", "media", "cpu", "runlock"]  # beneath every layer: they import none


def _imported(path, package):
    """The dreamvideo modules a file of the package imports, as dotted names below `dreamvideo`."""
    here = path.relative_to(package).parts[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("dreamvideo")):
            base = list(here[: len(here) - node.level + 1]) if node.level else []
            module = node.module if node.level else node.module[len("dreamvideo") :].lstrip(".")
            parts = base + (module.split(".") if module else [])
            yield from ([".".join([*parts, alias.name]) for alias in node.names] if not module else [".".join(parts)])


def test_the_layers_import_only_downward():
    package = REPO / "workflow/dreamvideo"
    wrong = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).parts
        layer = parts[0] if len(parts) == 2 else path.stem
        for name in _imported(path, package):
            target = name.split(".")[0]
            if layer in SHARED and target in LAYERS:
                wrong.append(f"{path.relative_to(package)} -> {name}")
            elif layer in LAYERS and target in LAYERS and LAYERS.index(target) < LAYERS.index(layer):
                wrong.append(f"{path.relative_to(package)} -> {name}")
    assert wrong == []


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
        line = next(
            (i for i, text in enumerate(lines) if text.startswith("use rule ") and text.endswith(f" as {name} with:")),
            int(line) - 1,
        )
        above = lines[max(0, line - 3) : line]
        assert any(text.strip().startswith("# No log (lint): ") for text in above), (where, above)


def test_the_package_imports_from_any_folder_and_nothing_edits_sys_path(tmp_path):
    """`dreamvideo` is installed (editable, `make venv`): the Snakefile, scripts and tests import it
    as a package, none of them by putting folders on sys.path."""
    done = subprocess.run(
        [str(BIN / "python"), "-c", "import dreamvideo, sys; print(dreamvideo.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and Path(done.stdout.strip()) == REPO / "workflow/dreamvideo/__init__.py", done
    sources = [
        REPO / "Snakefile",
        *REPO.glob("workflow/**/*.smk"),
        *REPO.glob("workflow/**/*.py"),
        *REPO.glob("scripts/*.py"),
        *REPO.glob("benchmarks/*.py"),
        *REPO.glob("tests/*.py"),
    ]
    editing = [
        p.name
        for p in sources
        if re.search(r"sys\.path\.(insert|append)\(", p.read_text()) and p.name != "test_lint.py"
    ]
    assert editing == []
