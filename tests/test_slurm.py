"""profiles/slurm against a real SLURM: a one-node cluster on this machine (scripts/local_slurm.sh:
munge, slurmctld, slurmd, slurmdbd on MariaDB), through the slurm executor plugin, its sbatch, its
status checks (squeue) and the jobstep plugin on the node. Skips, saying why, where that cluster cannot
run (not root, or not Debian's packages); CI (.ci/run) installs and starts it."""

import os
import re
import signal
import subprocess
import time

import pytest
import yaml

from dreamvideo.frame import render
from helpers import CLUSTER_SPEC, REPO, make_project, make_video_project, render_in_process, snakemake, temporaries

SCRIPT = REPO / "scripts/local_slurm.sh"
SPEC = CLUSTER_SPEC.replace("size: [80, 56]", "size: [64, 36]")
K = 12  # 24 frames: 2 chunk jobs, one after the other
# A hook for the jobs' Python processes (PYTHONPATH): a frame named by a file `hold-<frame>` in the
# hook's folder is held, before its rename, in a job's first attempt (Snakemake's --attempt 1), for
# good; the job id goes to `held-<frame>`; the retry writes the frame. Product code has no hook. (Not
# SLURM_ in its variable's name: the jobstep plugin drops those before its srun.)
HOOK = """\
import os, sys
FOLDER = os.environ.get("DREAMVIDEO_TEST_HOLD")
FIRST = "--attempt" in sys.argv and sys.argv[sys.argv.index("--attempt") + 1] == "1"
if FOLDER and FIRST and os.environ.get("SLURM_JOB_ID"):
    import time
    from pathlib import Path
    from dreamvideo import files
    _commit = files.commit
    def _commit_held(tmp, path):
        name = Path(path).name
        if Path(path).parent.name == "frames" and (Path(FOLDER) / ("hold-" + name)).exists():
            (Path(FOLDER) / ("held-" + name)).write_text(os.environ["SLURM_JOB_ID"])
            sys.stderr.write(f"dreamvideo: holding {tmp}\\n")
            sys.stderr.flush()
            while True:
                time.sleep(60)
        _commit(tmp, path)
    files.commit = _commit_held
"""


def sh(*args, env=None):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def slurm():
    """A running local cluster: started here if this test can (root, the packages installed) and
    stopped after, else left as it was found."""
    status, started = sh(SCRIPT, "status"), False
    if status.returncode:
        if os.geteuid() != 0 or not os.path.exists("/usr/sbin/slurmctld"):
            pytest.skip("needs a local SLURM: sudo scripts/local_slurm.sh start (Debian, as root; CI does)")
        start = sh(SCRIPT, "start")
        if start.returncode:
            pytest.skip(f"the local SLURM did not start: {(start.stderr.strip().splitlines() or ['?'])[-1]}")
        started = True
    yield dict(os.environ)
    if started:
        sh(SCRIPT, "stop")


def profile(folder, **changes):
    """profiles/slurm with this cluster's account and partition (its commented lines), a status check
    every 2 s (a test's chunks take seconds, a cluster's minutes: the profile's interval is measured in
    benchmarks/scale.md), and `changes` (set-resources of a rule: {rule: {resource: value}})."""
    config = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())
    config["default-resources"].update(slurm_account="rehearsal", slurm_partition="local")
    config["slurm-init-seconds-before-status-checks"] = 2
    # the video job's 4 threads on a node of fewer CPUs: sbatch would refuse it
    config["set-threads"]["video"] = min(4, os.cpu_count())
    for rule, resources in changes.items():
        config["set-resources"].setdefault(rule, {}).update(resources)
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return str(folder)


def submitted(log):
    """The SLURM job ids of a Snakemake run, from its log."""
    return re.findall(r"Job \d+ has been submitted with SLURM jobid (\d+)", log)


def accounted(slurm, ids):
    """sacct's record of each job: {id: {field: value}}."""
    fields = "JobID,State,ReqCPUS,ReqMem,Timelimit,Comment"
    done = sh("sacct", "-X", "-P", "-n", "-j", ",".join(ids), "-o", fields, env=slurm)
    assert done.returncode == 0, done.stderr
    return {row.split("|")[0]: dict(zip(fields.split(","), row.split("|"))) for row in done.stdout.splitlines()}


def frame_bytes(root):
    return {p.name: p.read_bytes() for p in sorted((root / "dreams/t/frames").glob("*.png"))}


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("local"), SPEC)
    return render_in_process(root, root / "dreams/t/frames")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, model_env, slurm):
    """One render of two chunks through profiles/slurm, each stopped once by SLURM (one render: each
    job costs tens of seconds here): chunk 0 held at its first frame and cancelled with scancel,
    chunk 1 held at its first frame until its time limit (1 minute, SLURM's least; 10 for the
    others) ends it. The profile's `retries: 1` runs each again. Returns the project, the log, the
    cancelled and the timed-out job's ids."""
    root = make_project(tmp_path_factory.mktemp("slurm"), SPEC)
    hook = tmp_path_factory.mktemp("hook")
    (hook / "sitecustomize.py").write_text(HOOK)
    for frame in (0, K):
        (hook / f"hold-{frame:06d}.png").touch()
    env = {**model_env, **slurm, "PYTHONPATH": str(hook), "DREAMVIDEO_TEST_HOLD": str(hook)}
    runtime = "1 if wildcards.chunk == '000001' and attempt == 1 else 10"
    folder = profile(tmp_path_factory.mktemp("profile"), dream_chunk={"runtime": runtime})
    args = ["--workflow-profile", folder, "dreams/t/frames/chunks/000001.done", "--config", f"frames_per_job={K}"]
    cmd = [str(REPO / ".venv/bin/snakemake"), "-s", str(REPO / "Snakefile"), *args]
    out = hook / "snakemake.log"
    with out.open("w") as sink:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=sink, stderr=subprocess.STDOUT)
        held, cancelled = hook / "held-000000.png", None
        deadline = time.monotonic() + 540
        while proc.poll() is None and time.monotonic() < deadline:
            if cancelled is None and held.exists() and held.read_text():
                cancelled = held.read_text()
                assert sh("scancel", cancelled, env=slurm).returncode == 0
            time.sleep(0.5)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # Snakemake cancels its SLURM jobs
        proc.wait(timeout=120)
    log = out.read_text()
    assert proc.returncode == 0 and cancelled, log[-4000:]
    # chunk 1's first attempt ended by its limit: at the held frame, or before it on a loaded machine
    states = accounted(slurm, submitted(log))
    return root, log, cancelled, next(i for i, record in states.items() if record["State"] == "TIMEOUT")


def test_a_dream_rendered_through_slurm_has_the_bytes_of_the_local_render(rendered, local):
    root, *_ = rendered
    assert len(local) == 24
    assert frame_bytes(root) == local
    assert temporaries(root) == []


def test_sacct_shows_each_job_with_the_cpus_memory_and_time_its_rule_asked_for(rendered, slurm):
    root, log, cancelled, timed_out = rendered
    jobs = submitted(log)
    assert len(jobs) == 4, log[-3000:]  # 2 chunks, each twice
    # the spec's threads, the memory measured for its frame size (twice that on a retry: frames.smk),
    # the runtime this test's profile gives
    memory = render.memory_mb((64, 36))
    for slurm_id, record in accounted(slurm, jobs).items():
        first = slurm_id in (cancelled, timed_out)
        asked = ("2", f"{memory * (1 if first else 2)}M", "00:01:00" if slurm_id == timed_out else "00:10:00")
        assert (record["ReqCPUS"], record["ReqMem"], record["Timelimit"]) == asked, record
        assert record["Comment"].startswith("rule_dream_chunk_wildcards_t_frames_00000"), record
    # each chunk job that finished loaded the model once, in its own process on the node (the
    # profile keeps the logs; a killed job's log may end before its buffered lines)
    logs = sorted((root / ".snakemake/slurm_logs/rule_dream_chunk").glob("*/*.log"), key=lambda p: int(p.stem))
    assert [p.stem for p in logs] == sorted(jobs, key=int)
    for path in (p for p in logs if p.stem not in (cancelled, timed_out)):
        assert len(re.findall(r"dreamvideo: inception_v3 \(\w+\) loaded in", path.read_text())) == 1


def test_a_chunk_cancelled_mid_render_is_run_again_to_the_same_bytes(rendered, local, slurm):
    root, log, cancelled, _ = rendered
    assert accounted(slurm, [cancelled])[cancelled]["State"].startswith("CANCELLED")
    assert f"SLURM-job '{cancelled}' failed, SLURM status is: 'CANCELLED'" in log
    assert "Trying to restart job" in log
    assert frame_bytes(root) == local and temporaries(root) == []


def test_a_chunk_past_its_time_limit_is_ended_by_slurm_and_the_rerun_finishes(rendered, local, slurm):
    root, log, _, timed_out = rendered
    assert accounted(slurm, [timed_out])[timed_out]["State"] == "TIMEOUT"
    # what the user reads: the job, SLURM's word for it, and the log that says more
    assert f"SLURM-job '{timed_out}' failed, SLURM status is: 'TIMEOUT'" in log
    slurm_log = next((root / ".snakemake/slurm_logs/rule_dream_chunk").glob(f"*/{timed_out}.log"))
    assert "DUE TO TIME LIMIT" in slurm_log.read_text()
    assert frame_bytes(root) == local and temporaries(root) == []


PIECES = """\
video: dreams/t/clip.mp4
seed: 1
threads: 1
parallel: {pieces: 2, warmup: 2, crossfade: 2}
defaults: {layer: 3, num_iterations: 1, step_size: 2.0}
segments:
  - {seconds: 1, layer: 3}
"""


def test_the_pieces_of_a_dream_are_in_the_queue_together(tmp_path, model_env, slurm):
    """A video dream in 2 pieces (1 thread each): squeue shows jobs of both pieces at once. Then
    Ctrl-C: Snakemake finishes its running jobs and stops, leaving none of them in the queue."""
    root = make_video_project(tmp_path / "root", spec_text=PIECES)
    # the footage and its flow here, first: two SLURM jobs fewer to wait for
    done = snakemake(root, model_env, "dreams/t/video.mp4", "--until", "flow")
    assert done.returncode == 0, done.stderr[-3000:]
    folder = profile(tmp_path)
    cmd = [str(REPO / ".venv/bin/snakemake"), "-s", str(REPO / "Snakefile"), "--workflow-profile", folder]
    proc = subprocess.Popen(
        [*cmd, "dreams/t/video.mp4"],
        cwd=root,
        env={**model_env, **slurm},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    together, deadline = [], time.monotonic() + 300
    try:
        while len(together) < 2 and proc.poll() is None and time.monotonic() < deadline:
            queue = sh("squeue", "-h", "-o", "%i|%T|%k|%Z", env=slurm).stdout.split()
            mine = [row.split("|") for row in queue if row.endswith(f"|{root}")]
            together = [row for row in mine if row[2].startswith("rule_dream_")]
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=480)  # the running jobs end first: a minute or two each on a loaded machine
    assert len(together) >= 2, together
    assert len({row[2] for row in together}) == len(together)  # different frames: of both pieces
    queue = sh("squeue", "-h", "-o", "%Z", env=slurm).stdout.split()
    assert str(root) not in queue
