"""Fresh processes for what depends on how a process is set up: TensorFlow reads
TF_ENABLE_ONEDNN_OPTS once, at its import, so each kernel set is its own process, and bytes
compared run to run must come from separate processes.

- `probe`: the bytes of the dream that showed the nondeterminism (321x181, layer 6,
  `dream-image`'s defaults) and, with `--timing`, the speeds that oneDNN changes; prints one
  JSON line.
- `serve`: one kernel set of `--quick`: prints its GEMM rates as a JSON line, then answers each
  `layer precision` line on stdin with the seconds of one frame (a JSON line), so the parent can
  alternate between kernel sets and the machine's drift cancels.

`run_probe` and `Worker` are the parent's side. `--tiny` makes every size small (a check that it
runs).

    python -m benchmarks.worker probe [--timing] [--tiny]
    python -m benchmarks.worker serve [--tiny]
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np

from dreamvideo.frame import pictures, render
from dreamvideo.network import models

from . import machine
from .base import REPO, SIZES, chained, default_precision, frame_time, picture, record, start_tensorflow


@dataclass(frozen=True)
class Mode:
    quick_size: tuple  # --quick's frame
    quick_gemm: int  # --quick's GEMM side
    probe_size: tuple  # the probe dream's
    probe_iterations: int
    layers: tuple  # --quick's layers: each is one more trace per kernel set and precision


FULL = Mode(SIZES[0], 4096, (321, 181), 10, (3, 6))
TINY = Mode((160, 96), 256, (97, 83), 1, (3,))


def mode(tiny):
    return TINY if tiny else FULL


def probe(timing, m):
    """Print the probe dream's hash (and, with `timing`, GEMM, step and frame speeds) as JSON."""
    from dreamvideo.network import dream

    from .frame import step_time

    start_tensorflow()
    image = np.asarray(pictures.Image.fromarray(picture((642, 362))).resize(m.probe_size))
    dreamer = dream.dreamer(models.DEFAULT_MODEL, 6, default_precision())
    out = dreamer(image, num_iterations=m.probe_iterations, step_size=3.0, num_repeats=4, seed=3)
    result = dict(hash=hashlib.sha256(pictures.to_uint8(out).tobytes()).hexdigest())
    if timing:
        bf16 = machine.profile()["bf16"]
        result.update(
            gemm=machine.gemm_rate("float32"),
            gemm_bf16=machine.gemm_rate("bfloat16") if bf16 else None,
            step=step_time(3, SIZES[0], 5)[0],
            frame=frame_time(record(3, SIZES[0]), SIZES[0], 5),
            frame_bf16=frame_time(record(3, SIZES[0], precision="bfloat16"), SIZES[0], 5),
        )
    print(json.dumps(result))


def serve(m):
    """Print this kernel set's GEMM rates, then time a frame for each `layer precision` line on stdin."""
    start_tensorflow()
    bf16 = machine.profile()["bf16"]
    hello = dict(
        onednn=machine.onednn_default(),
        gemm=machine.gemm_rate("float32", m.quick_gemm, 3),
        gemm_bf16=machine.gemm_rate("bfloat16", m.quick_gemm, 3) if bf16 else None,
    )
    print(json.dumps(hello), flush=True)
    with chained(m.quick_size) as (prev, out):
        for line in sys.stdin:  # "layer precision": one frame, timed
            layer, precision = line.split()
            rec = record(int(layer), m.quick_size, precision=precision)
            start = time.perf_counter()
            render.make_frame(1, rec, out, prev)
            print(json.dumps(time.perf_counter() - start), flush=True)


def _command(what, tiny, *extra):
    return [sys.executable, "-m", "benchmarks.worker", what, *extra, *(["--tiny"] if tiny else [])]


def run_probe(env=None, timing=False, tiny=False):
    """The probe's answer from a fresh process in `env` (default: this one's)."""
    done = subprocess.run(
        _command("probe", tiny, *(["--timing"] if timing else [])), cwd=REPO, capture_output=True, text=True, env=env
    )
    if done.returncode:
        raise SystemExit(f"probe failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def kernels_env(value):
    """This environment with TF_ENABLE_ONEDNN_OPTS set to `value`, or left out for None (the default kernels)."""
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    return {**env, "TF_ENABLE_ONEDNN_OPTS": value} if value is not None else env


class Worker:
    """A `serve` process: `hello` holds its GEMM rates, `ask` times one frame."""

    def __init__(self, label, env, tiny):
        self.label = label
        self.process = subprocess.Popen(
            _command("serve", tiny), cwd=REPO, env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.hello = json.loads(self.process.stdout.readline())

    def ask(self, layer, precision):
        self.process.stdin.write(f"{layer} {precision}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit(f"the {self.label} worker died")
        return json.loads(answer)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["probe", "serve"])
    p.add_argument("--timing", action="store_true", help="probe: also the speeds that oneDNN changes")
    p.add_argument("--tiny", action="store_true", help="small sizes")
    args = p.parse_args()
    if args.what == "probe":
        probe(args.timing, mode(args.tiny))
    else:
        serve(mode(args.tiny))


if __name__ == "__main__":
    main()
