"""One progress line per dream: live on a terminal, plain lines in a log, Snakemake's frame jobs quiet."""

import io
import os
import pty
import re
import subprocess

from dreamvideo.outputs import progress
from helpers import BIN, REPO, make_project

RECORD = {"segment": 1, "objective": [["mixed3", 0.25, []], ["mixed5", 0.75, []]]}


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_one_live_line_then_the_summary():
    out = Terminal()
    bar = progress.Progress(out)
    for index in range(5, 9):  # a resumed render: frames 5..8 of 0..8
        with bar.frame("demo", index, 8, RECORD):
            pass
    bar.finished("demo", "dreams/demo/final.mp4")
    text = out.getvalue()
    line, summary = text.rstrip("\n").rsplit("\n", 1)
    assert "\n" not in line, text  # one line, redrawn in place
    assert line.count("\r") >= 4 and line.split("\r")[-1].startswith("demo: 100%|")
    assert re.search(
        r"\| 8/8, [\d.]+ s/frame, ETA 0m00s, segment 1 · mixed3\*0\.25\+mixed5\*0\.75$", line.split("\r")[-1]
    )
    assert re.fullmatch(r"\[demo\] 4 frames in 0m00s \([\d.]+ s/frame\): dreams/demo/final\.mp4", summary)


def test_a_log_gets_one_plain_line_per_frame():
    out = io.StringIO()
    bar = progress.Progress(out)
    for index in (1, 2):
        with bar.frame("demo", index, 2, RECORD):
            pass
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in out.getvalue()
    assert re.fullmatch(
        r"\[demo\] frame 1/2 \(50%\) [\d.]+ s/frame, ETA 0m\d\ds, segment 1 · mixed3\*0\.25\+mixed5\*0\.75 "
        r"\(first frame: loading the model\)",
        lines[0],
    )


def run_in_terminal(root, env, *args):
    """Snakemake with a pseudo-terminal as its stdout and stderr: what a user sees."""
    main, child = pty.openpty()
    cmd = [str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "--cores", "1", *args]
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    out = b""
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        out += data
    os.close(main)
    assert proc.wait() == 0, out.decode(errors="replace")[-3000:]
    return out.decode(errors="replace")


def test_snakemake_on_a_terminal_shows_one_bar_and_where_the_video_is(tmp_path, model_env):
    root = make_project(tmp_path)
    dry = run_in_terminal(root, model_env, "-n", "dreams/t/final.mp4")
    assert len(re.findall(r"rule dream_frame:", dry)) == 12  # a dry run still lists every frame and why

    text = run_in_terminal(root, model_env, "dreams/t/final.mp4")
    assert "rule dream_frame" not in text and "rule seed_frame" not in text and "rule video:" not in text
    assert "Select jobs to execute" not in text and "steps (" not in text and "(Rule: dream_frame)" not in text
    bar = [line for line in text.split("\n") if line.lstrip("\r").startswith("t:")]
    assert len(bar) == 1, text[-3000:]  # one line, redrawn with \r after each frame
    assert bar[0].count("\r") >= 11
    assert re.fullmatch(
        r"t: 100%\|█+\| 11/11, [\d.]+ s/frame, ETA 0m00s, segment 2 · mixed7\s*", bar[0].split("\r")[-2]
    )
    assert re.search(r"^\[t\] 11 frames in \dm\d\ds \([\d.]+ s/frame\): dreams/t/final\.mp4\r?$", text, re.M), text[
        -2000:
    ]
    assert "localrule final:" in text  # jobs other than frames keep their blocks
