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
# for its jobserver pipe (a pipe, a turn of the broker) shows as the difference.
#
# BEFORE=<binary>: another jobdeck (the build before a change) timed in the same hyperfine,
# side by side, so a cost that grew or shrank does not hide in the machine's noise.
#
# GNU parallel is slow enough that it gets PARALLEL_RUNS runs (default 3) in a hyperfine of
# its own; jobdeck and xargs get RUNS (default 10). The machine's load average is printed
# before and after: the figures mean little without it.
#
# JOBDECK=<binary>: time that jobdeck instead of building target/release/jobdeck first.
#
# Needs hyperfine, xargs, GNU parallel and python3. Printed at the end: hyperfine's tables,
# then per count each command's mean wall time and CPU time (user + system) per job, and its
# ratio to xargs.
set -euo pipefail

COUNTS=${1:-"1000 10000"}
RUNS=${2:-10}
PARALLEL_RUNS=${3:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHM=${SHM:-/dev/shm}

if [[ -z ${JOBDECK:-} ]]; then
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
    JOBDECK="$ROOT/target/release/jobdeck"
fi
WORK=$(mktemp -d "$SHM/jobdeck-bench-commands.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export TMPDIR="$WORK" HOME="$WORK"
cd "$WORK"

echo "machine: $(nproc) CPUs, $(uname -sr); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $COUNTS; do
    seq "$n" > "inputs.$n"
    before=()
    if [[ -n ${BEFORE:-} ]]; then
        before=(-n "before: jobdeck run -j2 ($n)"
            "'$BEFORE' run --headless -j2 -B '$WORK/b' -- true ::: \$(cat inputs.$n)")
    fi
    hyperfine --warmup 1 --runs "$RUNS" \
        --prepare "rm -rf '$WORK/b'" \
        --export-markdown "$WORK/commands-$n.md" --export-json "$WORK/commands-$n.json" \
        -n "jobdeck run -j2 ($n)" \
        "'$JOBDECK' run --headless -j2 -B '$WORK/b' -- true ::: \$(cat inputs.$n)" \
        -n "jobdeck run -j2 --build-jobs 1, no jobserver ($n)" \
        "'$JOBDECK' run --headless -j2 --build-jobs 1 -B '$WORK/b' -- true ::: \$(cat inputs.$n)" \
        "${before[@]}" \
        -n "xargs -P2 ($n)" \
        "xargs -P2 -n1 true < inputs.$n"
    hyperfine --warmup 1 --runs "$PARALLEL_RUNS" \
        --export-markdown "$WORK/parallel-$n.md" --export-json "$WORK/parallel-$n.json" \
        -n "parallel -j2 ($n)" \
        "parallel --will-cite -j2 true < inputs.$n"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$WORK"/commands-*.md "$WORK"/parallel-*.md
python3 - "$WORK" $COUNTS <<'EOF'
import json, sys
work, counts = sys.argv[1], sys.argv[2:]
for n in counts:
    results = []
    for name in (f"commands-{n}", f"parallel-{n}"):
        results += json.load(open(f"{work}/{name}.json"))["results"]
    xargs = next(r for r in results if r["command"].startswith("xargs"))
    xcpu = xargs["user"] + xargs["system"]
    print(f"\n{n} jobs: mean wall, CPU per job (user+sys), ratio to xargs (wall, CPU)")
    for r in results:
        cpu = r["user"] + r["system"]
        print(f"  {r['command']:<55} {r['mean']:7.3f} s ± {r['stddev']:.3f}  "
              f"{cpu / int(n) * 1000:6.3f} ms/job  "
              f"{r['mean'] / xargs['mean']:5.2f}x  {cpu / xcpu:5.2f}x")
EOF
