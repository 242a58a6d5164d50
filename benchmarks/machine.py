"""The machine a run measures: CPU (from dreamvideo.cpu, the one reader of /proc/cpuinfo), the
flags that matter, the nominal fp32 peak, TensorFlow's kernels and oneDNN's version, and the
attainable peak measured here (a GEMM through the same TensorFlow). The machines here change from
session to session, so every report names its own.

    python -m benchmarks.machine      # prints the profile and the float32 GEMM rate
"""

import json
import os
import re
import subprocess
import sys

from dreamvideo import cpu

from .base import median_time

FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16")


def profile():
    """Model, family/model numbers, flags that matter, cores, nominal clock, nominal fp32 peak, and
    whether the CPU has bfloat16 instructions (AVX512_BF16 or AMX)."""
    info = cpu.info()
    flags = info["flags"]
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    nominal = info["cores"] * info["mhz"] / 1000 * lanes * 2 * 2  # x2 FMA, x2 FMA units
    # The instructions, whichever kernels this process runs (cpu.native_bfloat16 also asks that
    # oneDNN is on): a worker with TensorFlow's own kernels still times its bfloat16 GEMM.
    return dict(
        name=info["name"],
        family=info["family"],
        model=info["model"],
        flags=[f for f in FLAGS if f in flags],
        cores=info["cores"],
        ghz=info["mhz"] / 1000,
        nominal=nominal,
        bf16=bool(flags & {"avx512_bf16", "amx_bf16"}),
    )


def flag_list(machine):
    return ", ".join(machine["flags"]) or "none of " + ", ".join(FLAGS)


def onednn_default():
    """Whether TensorFlow runs oneDNN's kernels in this process (networks.onednn)."""
    from dreamvideo.network import networks

    return networks.onednn()


def onednn_version():
    """oneDNN's version as it reports itself (ONEDNN_VERBOSE) when TensorFlow turns it on."""
    code = "import tensorflow as tf; tf.matmul(tf.ones([64, 64]), tf.ones([64, 64])).numpy()"
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "1", "ONEDNN_VERBOSE": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    found = re.search(r"oneDNN v([\d.]+)", done.stdout + done.stderr)
    return found.group(1) if found else "unknown"


def gemm_rate(dtype_name, n=4096, runs=5):
    """GFLOP/s of an n x n x n matmul through TensorFlow, as this process is set up."""
    import tensorflow as tf

    dtype = getattr(tf, dtype_name)
    a = tf.cast(tf.random.stateless_normal([n, n], seed=[1, 2]), dtype)
    b = tf.cast(tf.random.stateless_normal([n, n], seed=[3, 4]), dtype)
    product = tf.function(lambda: tf.matmul(a, b)[0, 0])  # one element back: no 64 MB copy
    return 2 * n**3 / median_time(lambda: product().numpy(), runs) / 1e9


def main():
    from .base import start_tensorflow

    machine = profile()
    start_tensorflow()
    machine.update(onednn=onednn_version(), onednn_default=onednn_default(), gemm=gemm_rate("float32"))
    print(json.dumps(machine, indent=1))


if __name__ == "__main__":
    main()
