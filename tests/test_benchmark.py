"""The benchmark keeps running: `python -m benchmarks --quick` in its cheap mode (small sizes,
one round, layer 3; it writes nothing), every kernel set x precision, and the bytes check."""

import re
import subprocess
import sys

from helpers import REPO


def test_quick_benchmark_runs_and_checks_the_bytes(tmp_path, model_env):
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--tiny", "--rounds", "1", "--out", str(out)],
        cwd=REPO,
        env=model_env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    frames = re.findall(r"^(.+), (float32|bfloat16), layer (\d+): frame [\d.]+ s$", done.stdout, re.M)
    # --tiny times layer 3 only: 2 kernel sets x 2 precisions
    assert len({kernels for kernels, _, _ in frames}) == 2 and len(frames) == 4, done.stdout
    assert {(precision, layer) for _, precision, layer in frames} == {("float32", "3"), ("bfloat16", "3")}
    assert "in 2 processes: identical" in done.stdout
    assert not out.exists()  # a cheap run's numbers are not results
