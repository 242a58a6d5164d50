"""The cluster code path, on this machine: a dream rendered through Snakemake's cluster-generic
executor (profiles/cluster-local; its submit.sh stands in for sbatch and runs each job in the
background as its own process, as a SLURM node would) equals the local render byte for byte, and
each chunk job loads the model once. The SLURM profile's jobs ask for what they use."""

import re

import pytest

from dreamvideo.frame import render
from helpers import CLUSTER_SPEC, REPO, make_project, render_in_process, snakemake

SPEC = CLUSTER_SPEC
K = 12  # 24 frames: 2 chunk jobs


def frame_bytes(root):
    return {p.name: p.read_bytes() for p in sorted((root / "dreams/t/frames").glob("*.png"))}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, model_env):
    """The same dream made locally, every frame in this process by the frame jobs' function, and
    through the cluster path in chunks of K frames."""
    local = make_project(tmp_path_factory.mktemp("local"), SPEC)
    render_in_process(local, local / "dreams/t/frames")
    cluster = make_project(tmp_path_factory.mktemp("cluster"), SPEC)
    # --cores 4 lifts the helper's --cores 1, which would cap the threads a job asks for (SLURM runs have no cap)
    done = snakemake(
        cluster,
        model_env,
        "--workflow-profile",
        str(REPO / "profiles/cluster-local"),
        "dreams/t/video.mp4",
        "--config",
        f"frames_per_job={K}",
        "--cores",
        "4",
        timeout=900,
    )
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
    assert [p.parent.name for p in logs] == [f"name=t,folder=frames,chunk={c:06d}" for c in range(2)]
    for path in logs:
        text = path.read_text()
        # what the job asked the scheduler for: the spec's default threads and the measured memory
        assert re.match(r"job \d+: dream_chunk \(2 threads, \d+ MB\)", text), text[:200]
        loads = re.findall(r"dreamvideo: inception_v3 \((?:float32|bfloat16)\) loaded in [\d.]+ s, process (\d+)", text)
        assert len(loads) == 1, text[-2000:]
    # the two chunks loaded the model in two processes, none of them the main Snakemake's
    pids = {re.search(r"process (\d+)", p.read_text())[1] for p in logs}
    assert len(pids) == 2
    assert "loaded in" not in log


def test_the_slurm_profile_asks_for_threads_memory_and_runtime(tmp_path, model_env):
    """Through the real slurm plugin, a dry run: what the chunk job would ask sbatch for. A dry run
    caps threads at --cores (1 when not given), a real cluster run does not: hence --cores 8."""
    root = make_project(tmp_path, SPEC.replace("seed: 5", "seed: 5\nthreads: 3"))
    done = snakemake(
        root, model_env, "-n", "--workflow-profile", str(REPO / "profiles/slurm"), "dreams/t/final.mp4", "--cores", "8"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout + done.stderr
    assert re.search(r"^dream_chunk\s+1$", out, re.M), out[-2000:]  # 24 frames: one chunk of 30
    chunk = out[out.index("rule dream_chunk:") :]
    chunk = chunk[: chunk.index("\n\n") if "\n\n" in chunk else None]
    assert "threads: 3" in chunk, chunk
    resources = dict(re.findall(r"(\w+)=([^,\s]+)", re.search(r"resources: (.*)", chunk)[1]))
    assert resources["runtime"] == "120" and resources["gpu"] == "0"
    assert int(resources["mem_mb"]) == render.memory_mb((80, 56)) > 1600


def running_together(log_text, rule="dream_chunk"):
    """From a Snakemake log: for each job of `rule` (by dream name), the dreams whose jobs of that
    rule were running when it started."""
    jobs, running, seen = {}, set(), {}
    blocks = re.findall(
        r"^(?:(?:local)?rule (\w+):\n(?:    .*\n)*?    jobid: (\d+)\n(?:    .*\n)*?    wildcards: name=(\w+)"
        r"|Finished jobid: (\d+))",
        log_text,
        re.M,
    )
    for rule_name, jobid, name, finished in blocks:
        if finished:
            running.discard(jobs.get(finished))
        elif rule_name == rule:
            jobs[jobid] = name
            seen[name] = set(running)
            running.add(name)
    return seen


def test_many_dreams_at_once_share_the_cores_as_their_threads_say(tmp_path, model_env):
    """profiles/parallel at --cores 2: dreams a and b (1 thread each) render at the same time, in
    their own processes; c (2 threads) has the two cores to itself."""
    root = make_project(tmp_path, SPEC)
    for name, threads in (("a", 1), ("b", 1), ("c", 2)):
        (root / f"config/dreams/{name}.yaml").write_text(
            f"seed_image: dreams/t/img_0.jpg\nsize: [64, 48]\nthreads: {threads}\n"
            "defaults: {num_iterations: 1, num_repeats: 0}\nsegments:\n  - {frames: 4, layer: 3}\n"
        )
    # the chunk markers (one chunk each): the frames, without a video job process per dream
    targets = [f"dreams/{name}/frames/chunks/000000.done" for name in "abc"]
    done = snakemake(root, model_env, "--workflow-profile", str(REPO / "profiles/parallel"), *targets, "--cores", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    log = next((root / ".snakemake/log").glob("*.snakemake.log")).read_text()
    together = running_together(log)
    assert set(together) == {"a", "b", "c"}, log[-3000:]
    assert together["a"] == {"b"} or together["b"] == {"a"}, together
    assert together["c"] == set() and all("c" not in others for others in together.values()), together
    assert all(len(list((root / f"dreams/{name}/frames").glob("*.png"))) == 4 for name in "abc")


def test_dreams_of_different_threads_in_one_process_are_refused_before_rendering(tmp_path, model_env):
    """The plain command dreams every frame in the Snakemake process, whose one TensorFlow pool has
    one size: dreams that ask for different `threads` fail in one line, before any frame, and
    render with profiles/parallel (each job its own process)."""
    root = make_project(tmp_path, SPEC)
    (root / "config/dreams/u.yaml").write_text(
        SPEC.replace("seed: 5", "seed: 5\nthreads: 1") + "seed_image: dreams/t/img_0.jpg\n"
    )
    done = snakemake(root, model_env, "dreams/t/final.mp4", "dreams/u/final.mp4")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "error: these dreams render in this one Snakemake process, which has one TensorFlow thread pool, but "
        "their `threads` differ: t (2), u (1). Give them the same `threads`, render them in separate runs, or all "
        "at once with --workflow-profile profiles/parallel (docs/scaling.md: Many dreams at once)"
    )
    assert not (root / "dreams/t/frames").exists()
    # a dry run, profiles/parallel, and one dream alone are fine
    done = snakemake(root, model_env, "-n", "dreams/t/final.mp4", "dreams/u/final.mp4")
    assert done.returncode == 0, done.stderr[-2000:]
    done = snakemake(
        root,
        model_env,
        "-n",
        "--workflow-profile",
        str(REPO / "profiles/parallel"),
        "dreams/t/final.mp4",
        "dreams/u/final.mp4",
    )
    assert done.returncode == 0, done.stderr[-2000:]
