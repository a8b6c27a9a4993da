#!/usr/bin/env bash
# benches/memory.sh [COUNTS]
#
# The peak memory of a headless session of N command jobs: `jobdeck run --headless -j2 -- true
# :::: FILE` on a file of N inputs (`seq N`), for each N in COUNTS (default "1000 100000"),
# measured by `/usr/bin/time -v` (its "Maximum resident set size": the peak RSS, in kB).
# Issue 29's goal: under 100 MB at 100,000. The live table's peak is printed by
# `benches/tui_keys.sh N` (VmHWM, read just before it quits).
#
# Everything runs in RAM: the inputs and jobdeck's build root (-B: its logs and history) are
# on /dev/shm (tmpfs), each run starting from an empty one, as a first session does.
# Memory figures do not depend on the machine's load (wall times do, and are printed only as
# a note: compare times with benches/side_by_side.py).
#
# JOBDECK=<binary>: measure that jobdeck instead of building target/release/jobdeck first.
# BEFORE=<binary>: another jobdeck (the build before a change), measured after it on each N.
set -euo pipefail

COUNTS=${1:-"1000 100000"}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHM=${SHM:-/dev/shm}

if [[ -z ${JOBDECK:-} ]]; then
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
    JOBDECK="$ROOT/target/release/jobdeck"
fi
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time (GNU time) not found" >&2; exit 2; }
WORK=$(mktemp -d "$SHM/jobdeck-bench-memory.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# peak NAME BINARY N: one session; prints its peak RSS, bytes a job and wall time.
peak() {
    local name=$1 binary=$2 n=$3
    rm -rf "$WORK/b"
    /usr/bin/time -v "$binary" run --headless -j2 -B "$WORK/b" -- true :::: "$WORK/inputs.$n" \
        >/dev/null 2>"$WORK/time" || { tail -5 "$WORK/time" >&2; exit 1; }
    awk -v name="$name" -v n="$n" '
        /Maximum resident set size/ { kb = $NF }
        /Elapsed \(wall clock\)/ { wall = $NF }
        END { printf "%-8s %7d jobs: peak RSS %6.1f MB (%5.0f bytes a job, the base included), wall %s\n",
                     name, n, kb / 1000, kb * 1024 / n, wall }' "$WORK/time"
}

echo "machine: $(nproc) CPUs, $(uname -sr); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $COUNTS; do
    seq "$n" > "$WORK/inputs.$n"
    peak jobdeck "$JOBDECK" "$n"
    if [[ -n ${BEFORE:-} ]]; then
        peak before "$BEFORE" "$n"
    fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
