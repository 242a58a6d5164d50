"""Files written atomically (a killed render never leaves half a file, and the temporaries a
killed writer left are swept), and a file's SHA-256: the two things every layer writes or checks."""

import contextlib
import glob
import hashlib
import os
import re
from pathlib import Path


def digest(path_or_data, algorithm="sha256"):
    """The hex digest (SHA-256 unless `algorithm` says otherwise) of a file, read in blocks, or of bytes."""
    sha = hashlib.new(algorithm)
    if isinstance(path_or_data, (bytes, bytearray, memoryview)):
        sha.update(path_or_data)
        return sha.hexdigest()
    with open(path_or_data, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


TEMPORARY = re.compile(r"\.(?P<stem>.+)\.(?P<pid>\d+)\.tmp(\.[^.]*)?")  # the names temporary() gives


def temporary(path, pid=None):
    """The temporary name beside `path` that process `pid` (default this one) writes it under."""
    path = Path(path)
    return path.with_name(f".{path.stem}.{pid or os.getpid()}.tmp{path.suffix}")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def sweep(path):
    """Delete the temporary files of `path` that a killed writer left (SIGKILL skips atomic()'s
    clean-up): those of processes that no longer run here. A live process's file is left alone.
    On a cluster's shared disk a dead node's file whose pid happens to run here stays until the
    next write of `path`."""
    path = Path(path)
    for tmp in path.parent.glob(f".{glob.escape(path.stem)}.*.tmp{glob.escape(path.suffix)}"):
        found = TEMPORARY.fullmatch(tmp.name)
        if found and found["stem"] == path.stem and int(found["pid"]) != os.getpid() and not _alive(int(found["pid"])):
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic(path):
    """Yield a temporary path beside `path` to write; on success it is renamed over `path`, on
    any error deleted: a killed or failed write never leaves half a file. Temporary files of
    `path` that killed writers left are swept first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep(path)
    tmp = temporary(path)
    try:
        yield tmp
        commit(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(data, path):
    with atomic(path) as tmp:
        tmp.write_bytes(data)


def commit(tmp, path):
    """The last step of an atomic write: the complete temporary file renamed over `path` (the
    kill tests stop a writer here, from outside: tests/hooks/sitecustomize.py)."""
    os.replace(tmp, path)
