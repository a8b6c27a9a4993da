#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the tests of --slurm and --launcher.
#
#   scripts/slurm-local.sh up     install the packages when missing, start munged, slurmctld
#                                 and slurmd, and wait until the node takes job steps
#   scripts/slurm-local.sh down   stop exactly the daemons `up` started (by their pid files)
#   scripts/slurm-local.sh env    print the SLURM_CONF line for clients (srun, squeue)
#
# Everything lives in one run folder, $JOBDECK_SLURM_DIR (default /tmp/jobdeck-slurm): the
# configuration, munge's key and socket, the controller's state, slurmd's spool, pid files and
# logs. Clients find the cluster with SLURM_CONF=<run folder>/slurm.conf. `up` on a running
# cluster only checks that it answers. Needs root (the daemons run as root, as on a CI box).
# The facts behind the settings are in ../shared/slurm-notes.md of the team's notes.
set -euo pipefail

RUN="${JOBDECK_SLURM_DIR:-/tmp/jobdeck-slurm}"
CONF="$RUN/slurm.conf"
NODE="$(hostname -s)"
# How long `up` waits for the node to be idle.
WAIT_SECONDS="${JOBDECK_SLURM_WAIT:-60}"

say() { echo "slurm-local: $*" >&2; }

# Whether the pid in file $1 is a live process (a zombie counts as dead).
alive() {
    local pid
    [ -s "$1" ] || return 1
    pid="$(cat "$1")"
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
    local state
    state="$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1)"
    [ "$state" != Z ]
}

install_packages() {
    local missing=()
    command -v munged >/dev/null || missing+=(munge)
    command -v slurmctld >/dev/null || missing+=(slurmctld)
    command -v slurmd >/dev/null || missing+=(slurmd)
    command -v srun >/dev/null || missing+=(slurm-client)
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q </dev/null >&2
        # Without recommends: 8 small packages instead of 43.
        apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >&2
    fi
}

write_conf() {
    cat >"$CONF" <<CONF
# Written by scripts/slurm-local.sh: a one-node cluster for jobdeck's tests.
ClusterName=jobdeck
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$RUN/munge/munge.socket
MailProg=/bin/true
MpiDefault=none
# pgid: a task's background children die with its step (linuxproc lets them outlive it).
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# Without it a queued step waits up to about 4 s after a CPU frees.
SchedulerParameters=batch_sched_delay=0
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
InactiveLimit=30
KillWait=5
ReturnToService=2
StateSaveLocation=$RUN/state
SlurmdSpoolDir=$RUN/spool
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$RUN/log/slurmctld.log
SlurmdLogFile=$RUN/log/slurmd.log
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
}

start_munge() {
    alive "$RUN/munge/munged.pid" && return
    mkdir -p "$RUN/munge"
    # Users other than root must reach the socket.
    chmod 755 "$RUN/munge"
    if [ ! -s "$RUN/munge/munge.key" ]; then
        dd if=/dev/urandom of="$RUN/munge/munge.key" bs=1024 count=1 status=none
    fi
    chmod 400 "$RUN/munge/munge.key"
    rm -f "$RUN/munge/munge.socket" "$RUN/munge/munge.socket.lock"
    munged --force \
        --key-file="$RUN/munge/munge.key" \
        --socket="$RUN/munge/munge.socket" \
        --pid-file="$RUN/munge/munged.pid" \
        --log-file="$RUN/log/munged.log" \
        --seed-file="$RUN/munge/munged.seed"
}

up() {
    install_packages
    mkdir -p "$RUN/log"
    export SLURM_CONF="$CONF"
    if alive "$RUN/munge/munged.pid" && alive "$RUN/slurmctld.pid" && alive "$RUN/slurmd.pid"; then
        wait_idle
        return
    fi
    # A half-started cluster is stopped and started afresh.
    down_daemons
    write_conf
    # The controller's state and slurmd's spool go together, or job ids restart at 1 while
    # the spool still lists them as revoked ("Job credential revoked").
    rm -rf "$RUN/state" "$RUN/spool"
    mkdir -p "$RUN/state" "$RUN/spool"
    start_munge
    slurmctld -f "$CONF"
    slurmd -f "$CONF" -N "$NODE"
    wait_idle
}

wait_idle() {
    local deadline=$((SECONDS + WAIT_SECONDS)) state=""
    while [ "$SECONDS" -lt "$deadline" ]; do
        state="$(sinfo -h -o %t 2>/dev/null || true)"
        if [ "$state" = idle ] || [ "$state" = mix ] || [ "$state" = alloc ]; then
            say "cluster up ($NODE, SLURM_CONF=$CONF)"
            return
        fi
        sleep 0.1
    done
    say "the node is not ready after ${WAIT_SECONDS}s (state '${state}'); logs in $RUN/log"
    exit 1
}

# Stops one daemon by its pid file: SIGTERM, up to 10 s, then SIGKILL.
stop_pidfile() {
    local file="$1" pid
    alive "$file" || { rm -f "$file"; return 0; }
    pid="$(cat "$file")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        alive "$file" || break
        sleep 0.1
    done
    if alive "$file"; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -f "$file"
}

down_daemons() {
    stop_pidfile "$RUN/slurmd.pid"
    stop_pidfile "$RUN/slurmctld.pid"
    stop_pidfile "$RUN/munge/munged.pid"
}

case "${1:-}" in
up) up ;;
down)
    down_daemons
    say "cluster down"
    ;;
env) echo "SLURM_CONF=$CONF" ;;
*)
    echo "usage: $0 up|down|env" >&2
    exit 2
    ;;
esac
