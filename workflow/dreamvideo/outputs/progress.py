"""One progress line per dream while it renders, and Snakemake's per-frame job blocks kept out of
the way of it.

On a terminal: one live tqdm line per dream, redrawn after each frame,

    fractal_light:  24%|██▍       | 57/239, 0.78 s/frame, ETA 2m22s, segment 1 · mixed3

and elsewhere (a log file, a pipe) one plain line per frame,

    [fractal_light] frame 57/239 (24%) 0.78 s/frame, ETA 2m22s, segment 1 · mixed3

The rate is this run's mean, leaving out its first frame (that one loads and compiles the model).
When the video is written: `[fractal_light] 239 frames in 3m06s (0.78 s/frame): dreams/...`.
Frame jobs know only their record and paths: the rule passes the label and the frame count."""

import contextlib
import logging
import re
import shutil
import sys
import time

from . import contact_sheet

# Snakemake's per-job messages: for thousands of frame jobs they would bury the one progress line.
_CHATTER = re.compile(r"Select jobs to execute\.\.\.|Execute \d+ jobs\.\.\.")


def duration(seconds):
    seconds = max(0, round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


class Progress:
    def __init__(self, stream=None):
        self.stream = stream
        self.runs = {}  # label → {"start", "times", "bar"}

    @property
    def out(self):
        return self.stream or sys.stderr  # looked up late: tests and Snakemake may swap sys.stderr

    def live(self):
        return bool(getattr(self.out, "isatty", None) and self.out.isatty())

    @contextlib.contextmanager
    def frame(self, label, index, total, record):
        """Time one frame (index of total, the last frame's index) and report it after."""
        run = self.runs.setdefault(label, {"start": time.monotonic(), "times": [], "bar": None})
        start = time.monotonic()
        yield
        run["times"].append(time.monotonic() - start)
        steady = run["times"][1:] or run["times"]
        per_frame = sum(steady) / len(steady)
        note = " (first frame: loading the model)" if len(run["times"]) == 1 else ""
        eta = duration(per_frame * (total - index))
        status = f"{per_frame:.2f} s/frame, ETA {eta}, {contact_sheet.segment_text(record)}{note}"
        if self.live():
            if run["bar"] is None:
                from tqdm import tqdm

                # The terminal's size now, 100x24 where it does not say (tqdm would then draw nothing).
                size = shutil.get_terminal_size((100, 24))
                run["bar"] = tqdm(
                    total=total,
                    initial=index - 1,
                    desc=label,
                    file=self.out,
                    ncols=size.columns,
                    nrows=size.lines,
                    bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt}{postfix}",
                )
            run["bar"].n = index
            run["bar"].set_postfix_str(status, refresh=True)
            if index == total:  # done: end the line before Snakemake writes the video's messages
                run["bar"].close()
        else:
            print(f"[{label}] frame {index}/{total} ({100 * index / total:.0f}%) {status}", file=self.out, flush=True)

    def finished(self, label, path):
        """The video is written: close the line, then total time, s/frame and where it is."""
        run = self.runs.pop(label, None)
        if run is None:
            print(f"[{label}] {path}", file=self.out, flush=True)
            return
        count, total = len(run["times"]), time.monotonic() - run["start"]
        print(
            f"[{label}] {count} frames in {duration(total)} ({total / count:.2f} s/frame): {path}",
            file=self.out,
            flush=True,
        )


class FrameJobFilter(logging.Filter):
    """Drops Snakemake's messages about frame jobs (their job blocks, `Finished jobid`, `N of M
    steps done`, `Select jobs to execute...`) in a real run; a dry run shows them all, so
    `snakemake -n` still lists every frame to render and why. Other jobs (video, final, contact
    sheet) keep their blocks."""

    def __init__(self, workflow, rules):
        super().__init__()
        self.workflow, self.rules, self.frame_jobs = workflow, set(rules), set()

    def filter(self, record):
        from snakemake_interface_logger_plugins.common import LogEvent

        try:
            if self.workflow.dryrun:
                return True
        except AttributeError:  # not running yet (parsing, linting)
            return True
        event = getattr(record, "event", None)
        if event == LogEvent.JOB_INFO and record.rule_name in self.rules:
            self.frame_jobs.add(record.jobid)
            return False
        if event == LogEvent.JOB_FINISHED:
            return record.job_id not in self.frame_jobs
        return not (event == LogEvent.PROGRESS or _CHATTER.fullmatch(str(record.getMessage())))


def quiet_frame_jobs(logger, workflow, rules):
    """Put FrameJobFilter on Snakemake's terminal output (the log file keeps every message)."""
    for handler in logger.handlers:
        if not isinstance(handler, logging.FileHandler):
            handler.addFilter(FrameJobFilter(workflow, rules))


progress = Progress()
