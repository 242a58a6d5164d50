"""What Snakemake's own lock costs a run of a long dream: a no-op rerun of a finished 3,600-frame
render (one job per frame), with the lock and with --nolock, alternated, median of N. Snakemake
locks around its whole run, writing every input and output of the DAG into its lock files, so a
no-op rerun shows the lock's cost without any dreaming. profiles/default turns the lock off (a
killed run would leave it: see dreamvideo/runlock.py); this says what that saves. Prints only.

    python -m benchmarks.lock [--frames 3600] [--runs 5]
"""

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from dreamvideo import cpu

from .scale import finish_without_dreaming, project, run

# The settings of profiles/default that matter here, with the profile itself left out so that the
# lock can be on.
SETTINGS = ["--workflow-profile", "none", "--force-use-threads", "--rerun-incomplete", "--scheduler", "greedy"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=3600)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{cpu.describe()}, load average {os.getloadavg()[0]:.1f}", flush=True)
    times = {"lock": [], "nolock": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project(root, args.frames, 1)
        finish_without_dreaming(root, args.frames, 1)
        for _ in range(args.runs):
            for way, extra in (("lock", []), ("nolock", ["--nolock"])):
                seconds, _, text = run(root, *SETTINGS, *extra, "dreams/b/final.mp4")
                assert "Nothing to be done" in text, text[-2000:]
                assert not list((root / ".snakemake/locks").glob("*")), "a lock was left"
                times[way].append(seconds)
    lock, nolock = (statistics.median(times[w]) for w in ("lock", "nolock"))
    print(
        f"no-op rerun of {args.frames:,} frames, median of {args.runs}: with Snakemake's lock {lock:.2f} s, "
        f"--nolock {nolock:.2f} s: the lock costs {lock - nolock:+.2f} s"
    )


if __name__ == "__main__":
    main()
