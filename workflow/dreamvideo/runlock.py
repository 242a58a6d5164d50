"""One run at a time per dream, with a lock that a killed run cannot leave behind.

Snakemake's own lock is off (`nolock` in profiles/default): a run killed by SIGKILL or a crash
leaves it, and the next run then refuses until `snakemake --unlock`, so "the same command resumes"
would break. Instead the run that starts jobs (not a dry run, not a job's own process) holds an
flock on `.snakemake/dreamvideo/<name>.lock` for each dream it renders. The kernel drops an flock
when its process ends, however it ends, so nothing stale is ever left; a second run of the same
dream in the same folder stops before its first job with one line."""

import fcntl
import os
from pathlib import Path

from . import layout

FOLDER = Path(layout.RUN_LOCKS)
_held = {}  # name -> open lock file: kept open (and so locked) until this process ends


class Busy(RuntimeError):
    pass


def hold(names, folder=FOLDER):
    """Lock each dream in `names` for this process, or raise Busy naming the run that holds one."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in sorted(set(names) - set(_held)):
        handle = open(folder / f"{name}.lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            raise Busy(
                f"dream {name} is being rendered by another snakemake run in this folder ({owner}): "
                "wait for it to end, or stop it; a stopped or killed run releases it at once"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        _held[name] = handle
