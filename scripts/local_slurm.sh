#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, to rehearse `--workflow-profile profiles/slurm` before a
# real cluster (docs/scaling.md: "Rehearse on a local SLURM"; tests/test_slurm.py runs on it).
#   sudo scripts/local_slurm.sh start    # installs (Debian, apt-get) where needed, starts it all
#   sudo scripts/local_slurm.sh status   # what runs; exits 1 if the node cannot take jobs
#   sudo scripts/local_slurm.sh stop
# Everything it writes is in one folder, $LOCAL_SLURM_DIR (default: $TMPDIR or /tmp, dreamvideo-slurm):
# the configuration, a MariaDB data folder, state, logs, pid files. Outside it: a link to its slurm.conf
# at /etc/slurm/slurm.conf, where SLURM's commands look (the jobstep plugin drops SLURM_CONF before the
# srun in each job), made only where there is none and removed by stop; and Debian's munged (its key,
# /etc/munge), started unless one runs. Not beside a real SLURM: the ports and that file clash.
# Besides munged, slurmctld and slurmd, it runs slurmdbd on MariaDB: the slurm executor plugin
# asks sacct for its jobs' states (its default), sacctmgr for the account it is given, and sacct
# for the reason a job failed (TIMEOUT, CANCELLED); without accounting all three fail.
set -euo pipefail

DIR=${LOCAL_SLURM_DIR:-${TMPDIR:-/tmp}/dreamvideo-slurm}
CLUSTER=dreamvideo
ACCOUNT=rehearsal # what profiles/slurm's slurm_account is for this cluster
PARTITION=local   # and its slurm_partition
DB_PORT=${LOCAL_SLURM_DB_PORT:-3307} # MariaDB on 127.0.0.1, beside any MariaDB on 3306
PACKAGES=(slurmctld slurmd slurm-client slurmdbd munge mariadb-server)
export SLURM_CONF=$DIR/slurm.conf # for the daemons: slurmdbd finds slurmdbd.conf beside it
LINK=/etc/slurm/slurm.conf

say() { echo "local_slurm: $*" >&2; }
fail() {
    say "$*"
    exit 1
}

running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install() {
    local missing=()
    for tool in slurmctld slurmd slurmdbd sbatch munged mariadbd; do
        command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [ ${#missing[@]} = 0 ] && return
    command -v apt-get >/dev/null || fail "missing ${missing[*]}, and no apt-get to install ${PACKAGES[*]}"
    say "installing ${PACKAGES[*]} (apt-get)"
    # the daemons are started below, from this folder: keep Debian's services off
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
}

configure() {
    mkdir -p "$DIR"/{log,run,state,spool,mysql}
    local node host
    host=$(hostname -s)
    # this machine as slurmd sees it: CPUs, sockets, cores, threads, memory (MB)
    node=$(slurmd -C | head -1 | sed "s/^NodeName=[^ ]*//")
    cat >"$DIR/slurm.conf" <<EOF
# Written by scripts/local_slurm.sh: one node, this machine, for rehearsals.
ClusterName=$CLUSTER
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# no cgroups (containers rarely allow them): processes tracked by parent, memory counted, not fenced
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStorageEnforce=associations
# the plugin names each job's rule and wildcards in --comment: keep it in sacct
AccountingStoreFlags=job_comment
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
# SIGTERM to SIGKILL after a time limit or scancel: SLURM's default is 30 s
KillWait=10
NodeName=$host NodeAddr=127.0.0.1$node State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    cat >"$DIR/slurmdbd.conf" <<EOF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
SlurmUser=root
LogFile=$DIR/log/slurmdbd.log
PidFile=$DIR/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=root
StorageLoc=slurm_acct_db
EOF
    chmod 600 "$DIR/slurmdbd.conf"
}

wait_for() { # seconds, what, command...
    local seconds=$1 what=$2
    shift 2
    local until=$((SECONDS + seconds))
    while [ $SECONDS -lt $until ]; do
        "$@" >/dev/null 2>&1 && return
        sleep 0.2
    done
    fail "$what did not come up in $seconds s (logs: $DIR/log)"
}

start_munge() { # Debian's: its key (made by the package), its socket, as its user
    if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
        mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge
        runuser -u munge -- munged
        wait_for 10 munged bash -c "munge -n </dev/null | unmunge"
        cp /run/munge/munged.pid "$DIR/run/munged.pid" # started here: stop ends it
    fi
}

start_mariadb() {
    running "$DIR/run/mariadb.pid" && return
    # root without a password, on 127.0.0.1 only: the accounting store of a rehearsal
    [ -d "$DIR/mysql/mysql" ] || mariadb-install-db --no-defaults --user=root --datadir="$DIR/mysql" \
        --auth-root-authentication-method=normal --skip-test-db >"$DIR/log/mariadb-install.log" 2>&1
    mariadbd --no-defaults --user=root --datadir="$DIR/mysql" --socket="$DIR/run/mariadb.sock" \
        --bind-address=127.0.0.1 --port="$DB_PORT" --pid-file="$DIR/run/mariadb.pid" \
        --log-error="$DIR/log/mariadb.log" --innodb-buffer-pool-size=64M >/dev/null 2>&1 &
    wait_for 60 MariaDB mariadb-admin --no-defaults --socket="$DIR/run/mariadb.sock" ping
}

register() { # the cluster, its account, and root and the user who ran sudo in it
    local users=(root)
    [ -n "${SUDO_USER:-}" ] && users+=("$SUDO_USER")
    sacctmgr -i show cluster -n format=cluster | grep -qw "$CLUSTER" || sacctmgr -i add cluster "$CLUSTER" >/dev/null
    sacctmgr -i show account -n format=account | grep -qw "$ACCOUNT" ||
        sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" description=rehearsals organization=dreamvideo >/dev/null
    for user in "${users[@]}"; do
        sacctmgr -i add user "$user" account="$ACCOUNT" cluster="$CLUSTER" >/dev/null || true
    done
}

start() {
    [ "$(id -u)" = 0 ] || fail "run it as root (sudo $0 start): slurmd starts jobs as their users"
    install
    export PATH=$PATH:/usr/sbin
    configure
    if [ "$(readlink "$LINK" 2>/dev/null)" != "$SLURM_CONF" ]; then
        [ -e "$LINK" ] && fail "$LINK exists: a SLURM is configured on this machine already"
        mkdir -p /etc/slurm && ln -s "$SLURM_CONF" "$LINK"
    fi
    start_munge
    start_mariadb
    running "$DIR/run/slurmdbd.pid" || slurmdbd
    wait_for 30 slurmdbd sacctmgr -n show cluster
    register
    running "$DIR/run/slurmctld.pid" || slurmctld
    running "$DIR/run/slurmd.pid" || slurmd
    wait_for 30 "node $(hostname -s)" bash -c "sinfo -h -N -o %t | grep -qE '^(idle|mix|alloc)'"
    say "up: account $ACCOUNT, partition $PARTITION ($(sinfo -h -N -o '%c CPUs, %m MB'))"
}

stop() {
    export PATH=$PATH:/usr/sbin
    for daemon in slurmd slurmctld slurmdbd mariadb munged; do
        if running "$DIR/run/$daemon.pid"; then
            local pid
            pid=$(cat "$DIR/run/$daemon.pid")
            kill "$pid"
            rm -f "$DIR/run/$daemon.pid"
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        fi
    done
    [ "$(readlink "$LINK" 2>/dev/null)" = "$SLURM_CONF" ] && rm "$LINK"
    say "stopped (its folder stays: $DIR)"
}

status() {
    for daemon in mariadb slurmdbd slurmctld slurmd; do
        running "$DIR/run/$daemon.pid" && echo "$daemon: running" || echo "$daemon: stopped"
    done
    [ -s "$SLURM_CONF" ] && sinfo -h -N -o "%N %t %c CPUs %m MB" && sinfo -h -N -o %t | grep -qE '^(idle|mix|alloc)'
}

case "${1:-}" in
start | stop | status) "$1" ;;
*) fail "usage: $0 start|stop|status" ;;
esac
