#!/usr/bin/env bash
# The submit command of profiles/cluster-local: stands in for `sbatch` on this machine. Snakemake's
# cluster-generic executor calls it with a job script; it starts the script in the background and
# prints a job id (the process id), as sbatch does. Each job's output goes to
#   .snakemake/cluster_local_logs/<rule>/<wildcards>/<job id>.log
# as the SLURM plugin's go to .snakemake/slurm_logs/rule_<rule>/<wildcards>/<job id>.log, headed by
# what the job asked for (what SLURM would give it: threads as --cpus-per-task, memory as --mem).
set -euo pipefail
jobscript=$1
# The job script's `# properties = {...}` line: the job's rule, wildcards, threads and resources.
read -r rule wildcards threads mem_mb < <(python3 - "$jobscript" <<'PY'
import json, sys
line = next(l for l in open(sys.argv[1]) if l.startswith("# properties = "))
job = json.loads(line.split("=", 1)[1])
wildcards = ",".join(f"{k}={v}" for k, v in job.get("wildcards", {}).items()) or "none"
print(job["rule"], wildcards, job.get("threads", 1), job.get("resources", {}).get("mem_mb", "?"))
PY
)
dir=".snakemake/cluster_local_logs/$rule/$wildcards"
mkdir -p "$dir"
# `$$` in the new shell is the id printed below.
nohup bash -c 'exec >"$0/$$.log" 2>&1; echo "job $$: $1 ($2 threads, $3 MB)"; exec bash "$4"' \
    "$dir" "$rule" "$threads" "$mem_mb" "$jobscript" >/dev/null 2>&1 &
echo $!
