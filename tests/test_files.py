"""Atomic writes: a writer killed mid-write leaves its temporary file, and the next write of the same
file sweeps it; a live writer's temporary file is never touched."""

import os
import signal
import subprocess
import sys

from dreamvideo import files
from helpers import holding

WRITER = """
from dreamvideo import files
files.write_bytes_atomic(b"partial? no: whole, but never renamed", {path!r})
"""


def held_writer(path):
    """A process that writes `path` atomically and stops (DREAMVIDEO_HOLD) with its temporary file
    complete and not yet renamed; returns it once it says so."""
    code = WRITER.format(path=str(path))
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=holding(os.environ, path.name), stderr=subprocess.PIPE, text=True
    )
    line = proc.stderr.readline()
    assert line.startswith("dreamvideo: holding "), line
    return proc


def temporaries(folder):
    return sorted(p.name for p in folder.iterdir() if files.TEMPORARY.fullmatch(p.name))


def test_a_killed_writers_temporary_file_is_swept_by_the_next_write(tmp_path):
    path = tmp_path / "000007.png"
    proc = held_writer(path)
    assert temporaries(tmp_path) == [files.temporary(path, proc.pid).name]
    other = tmp_path / "000008.png"
    files.write_bytes_atomic(b"eight", other)  # another file's write leaves it alone
    assert temporaries(tmp_path) == [files.temporary(path, proc.pid).name]

    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not path.exists() and temporaries(tmp_path) == [files.temporary(path, proc.pid).name]
    files.write_bytes_atomic(b"seven", path)
    assert temporaries(tmp_path) == [] and path.read_bytes() == b"seven"


def test_a_live_writers_temporary_file_is_left_alone(tmp_path):
    path = tmp_path / "final.mp4"
    proc = held_writer(path)
    try:
        files.write_bytes_atomic(b"mine", path)
        assert temporaries(tmp_path) == [files.temporary(path, proc.pid).name]
        assert path.read_bytes() == b"mine"
    finally:
        proc.kill()
        proc.wait()


def test_only_the_files_own_temporaries_are_swept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has ended
    path = tmp_path / "a.b.png"
    mine, others = (
        files.temporary(path, pid),
        [files.temporary(tmp_path / n, pid) for n in ("a.png", "b.png", "a.b.jpg")],
    )
    for p in (mine, *others):
        p.write_bytes(b"left by a killed run")
    files.write_bytes_atomic(b"new", path)
    assert not mine.exists() and all(p.exists() for p in others)
