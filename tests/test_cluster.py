"""The cluster code path, on this machine: a dream rendered through Snakemake's cluster-generic
executor (profiles/cluster-local; its submit.sh stands in for sbatch and runs each job in the
background as its own process, as a SLURM node would) equals the local render byte for byte, and
each chunk job loads the model once. The SLURM profile's jobs ask for what they use."""
import re

import pytest

from conftest import REPO
from test_pipeline import make_project, snakemake

SPEC = """\
size: [80, 56]
fps: 24
seed: 5
defaults: {num_iterations: 1, step_size: 2.0, num_repeats: 1, zoom: 1.02}
segments:
  - {frames: 12, layer: 3}
  - {frames: 12, layer: 6, transition: 4}
"""
K = 8  # 24 frames: 3 chunk jobs


def frame_bytes(root):
    return {p.name: p.read_bytes() for p in sorted((root / "dreams/t/frames").glob("*.png"))}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, model_env):
    """The same dream rendered locally, one job per frame (the plain command), and through the
    cluster path in chunks of K frames."""
    local = make_project(tmp_path_factory.mktemp("local"), SPEC)
    done = snakemake(local, model_env, "dreams/t/video.mp4")
    assert done.returncode == 0, done.stderr[-3000:]
    cluster = make_project(tmp_path_factory.mktemp("cluster"), SPEC)
    done = snakemake(cluster, model_env, "--workflow-profile", str(REPO / "profiles/cluster-local"),
                     "dreams/t/video.mp4", "--config", f"frames_per_job={K}", "--cores", "4", timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return local, cluster, done.stdout + done.stderr


def test_the_cluster_path_renders_the_same_bytes_as_the_local_render(rendered):
    local, cluster, _ = rendered
    expected = frame_bytes(local)
    assert len(expected) == 24
    assert frame_bytes(cluster) == expected
    assert (cluster / "dreams/t/video.mp4").stat().st_size > 0


def test_each_chunk_is_its_own_job_process_that_loads_the_model_once(rendered):
    _, cluster, log = rendered
    logs = sorted((cluster / ".snakemake/cluster_local_logs/dream_chunk").glob("*/*.log"))
    assert [p.parent.name for p in logs] == [f"name=t,kind=frames,chunk={c:06d}" for c in range(3)]
    for path in logs:
        text = path.read_text()
        # what the job asked the scheduler for: the spec's default threads and the measured memory
        assert re.match(r"job \d+: dream_chunk \(2 threads, \d+ MB\)", text), text[:200]
        loads = re.findall(r"dreamvideo: inception_v3 \(float32\) loaded in [\d.]+ s, process (\d+)", text)
        assert len(loads) == 1, text[-2000:]
    # the three chunks loaded the model in three processes, none of them the main Snakemake's
    pids = {re.search(r"process (\d+)", p.read_text())[1] for p in logs}
    assert len(pids) == 3
    assert "loaded in" not in log


def test_the_slurm_profile_asks_for_threads_memory_and_runtime(tmp_path, model_env):
    root = make_project(tmp_path, SPEC.replace("seed: 5", "seed: 5\nthreads: 3"))
    done = snakemake(root, model_env, "-n", "--workflow-profile", str(REPO / "profiles/slurm"), "dreams/t/final.mp4",
                     "--cores", "8")
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout + done.stderr
    assert re.search(r"^dream_chunk\s+1$", out, re.M), out[-2000:]  # 24 frames: one chunk of 30
    chunk = out[out.index("rule dream_chunk:"):]
    chunk = chunk[:chunk.index("\n\n") if "\n\n" in chunk else None]
    assert "threads: 3" in chunk, chunk
    resources = dict(re.findall(r"(\w+)=([^,\s]+)", re.search(r"resources: (.*)", chunk)[1]))
    assert resources["runtime"] == "120" and resources["gpu"] == "0"
    assert int(resources["mem_mb"]) == 1600 + 80 * 56 * 720 // 2**20
