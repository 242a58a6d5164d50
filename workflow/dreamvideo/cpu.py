"""The CPU this process runs on, read once from /proc/cpuinfo: its name, its flags and the cores
this process may use. The one reader of /proc/cpuinfo (precision `auto`, the benchmarks' machine
profile)."""

import functools
import os
import platform
import re
from pathlib import Path

CPUINFO = "/proc/cpuinfo"


def info(cpuinfo=CPUINFO):
    """{name, family, model, mhz, flags (a set), cores}; on a system without /proc/cpuinfo the
    name is the platform's and there are no flags. This machine's is read once per process."""
    return _this_machine() if cpuinfo == CPUINFO else _read(cpuinfo)


@functools.cache
def _this_machine():
    return _read(CPUINFO)


def _read(cpuinfo):
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        text = ""

    def field(key):
        found = re.search(rf"^{key}\s*:\s*(.*)$", text, re.M)
        return found.group(1).strip() if found else ""

    return dict(
        name=field("model name") or platform.processor(),
        family=field("cpu family"),
        model=field("model"),
        mhz=float(field("cpu MHz") or 0.0),
        flags=frozenset(field("flags").split()),
        cores=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
    )


def flags(cpuinfo=CPUINFO):
    return info(cpuinfo)["flags"]


def native_bfloat16(cpuinfo=CPUINFO):
    """True where the CPU computes bfloat16 natively (AVX512_BF16 or AMX) and TensorFlow's oneDNN
    kernels, which use it, are not turned off: elsewhere bfloat16 is emulated and slower."""
    return bool(flags(cpuinfo) & {"avx512_bf16", "amx_bf16"}) and os.environ.get("TF_ENABLE_ONEDNN_OPTS") != "0"


def describe():
    """`<model name>, <N> cores`: the line every benchmark report names its CPU by."""
    return f"{info()['name']}, {info()['cores']} cores"
