#!/usr/bin/env bash
# benches/commands.sh [COUNTS] [RUNS] [PARALLEL_RUNS]
#
# The per-job overhead of command jobs: `jobdeck run --headless -j2 -- true ::: $(seq N)`
# against `xargs -P2 -n1 true` and `parallel -j2 true` on the same N inputs, for each N in
# COUNTS (default "1000 10000"). Everything runs in RAM: the work folder, jobdeck's build
# root (-B: its logs and history) and parallel's temporary files are on /dev/shm (tmpfs).
# jobdeck starts each run from an empty build root (hyperfine --prepare), so every run
# makes its N log folders, as a first session does.
#
# A third jobdeck line turns the pool's jobserver off (--build-jobs): what each job pays
# for it (a fork instead of a vfork, see docs/commands.md) shows as the difference.
#
# GNU parallel is slow enough that it gets PARALLEL_RUNS runs (default 3) in a hyperfine of
# its own; jobdeck and xargs get RUNS (default 10). The machine's load average is printed
# before and after: the figures mean little without it.
#
# Needs hyperfine, xargs and GNU parallel. Results: $WORK/commands-N.md, printed at the end.
set -euo pipefail

COUNTS=${1:-"1000 10000"}
RUNS=${2:-10}
PARALLEL_RUNS=${3:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHM=${SHM:-/dev/shm}

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
JOBDECK="$ROOT/target/release/jobdeck"
WORK=$(mktemp -d "$SHM/jobdeck-bench-commands.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export TMPDIR="$WORK" HOME="$WORK"
cd "$WORK"

echo "machine: $(nproc) CPUs, $(uname -sr); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $COUNTS; do
    seq "$n" > "inputs.$n"
    hyperfine --warmup 1 --runs "$RUNS" \
        --prepare "rm -rf '$WORK/b'" \
        --export-markdown "$WORK/commands-$n.md" \
        -n "jobdeck run -j2 ($n)" \
        "'$JOBDECK' run --headless -j2 -B '$WORK/b' -- true ::: \$(cat inputs.$n)" \
        -n "jobdeck run -j2 --build-jobs 1, no jobserver ($n)" \
        "'$JOBDECK' run --headless -j2 --build-jobs 1 -B '$WORK/b' -- true ::: \$(cat inputs.$n)" \
        -n "xargs -P2 ($n)" \
        "xargs -P2 -n1 true < inputs.$n"
    hyperfine --warmup 1 --runs "$PARALLEL_RUNS" \
        --export-markdown "$WORK/parallel-$n.md" \
        -n "parallel -j2 ($n)" \
        "parallel --will-cite -j2 true < inputs.$n"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$WORK"/commands-*.md "$WORK"/parallel-*.md
