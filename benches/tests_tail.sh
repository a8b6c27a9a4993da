#!/usr/bin/env bash
# benches/tests_tail.sh [RUNS=5]
#
# Issue 30's tail: one project with 16 tests of 0.5 s (big) and three projects with one test
# of 0.5 s each (one-a, one-b, one-c), configured and built beforehand, at two workers. It
# times the test stage three ways with hyperfine:
#   - tests as rows: `jobdeck --test -j2` on the built workspace (its configures and builds
#     are cached re-runs, counted in its time; the JSON gives the test stages' own span too);
#   - before tests as rows (emulated): `ctest` with no -j per project, one project per
#     worker, longest first: big on one worker, the three others one after another on the
#     second. That is the schedule `jobdeck --test -j2` had before;
#   - the ctest loop: `for p in …; do ctest --test-dir $p -j2; done`.
# Then the test stages' own span (first test stage started to last ended) in RUNS `--json`
# runs of jobdeck, taking turns with BEFORE's.
# Then the per-test overhead of one ctest per group: 40 tests of `true` as one `ctest` and
# as 40 `ctest -R '^(tN)$'`, and the `ctest --show-only=json-v1` listing.
#
# env: JOBDECK (default: target/release/jobdeck, built first), CTEST (default: ctest),
# BEFORE: a jobdeck built from before tests as rows (e.g. main's, built elsewhere), timed the
# same way on a build root of its own.
set -euo pipefail

runs=${1:-5}
repo=$(cd "$(dirname "$0")/.." && pwd)
jobdeck=${JOBDECK:-$repo/target/release/jobdeck}
ctest=${CTEST:-ctest}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ws=$tmp/ws build=$tmp/build

command -v cmake >/dev/null || { echo "cmake not found" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 2; }
if [[ -z ${JOBDECK:-} ]]; then
    (cd "$repo" && cargo build --release >&2)
fi

project() { # NAME TESTS
    mkdir -p "$ws/$1"
    {
        printf 'cmake_minimum_required(VERSION 3.21)\nproject(%s NONE)\nenable_testing()\n' "$1"
        for ((i = 1; i <= $2; i++)); do
            printf 'add_test(NAME t%02d COMMAND sleep 0.5)\n' "$i"
        done
    } > "$ws/$1/CMakeLists.txt"
}
project big 16
for p in one-a one-b one-c; do project "$p" 1; done
# Built once by jobdeck itself, so its own runs find cached build folders (and a history).
"$jobdeck" --headless --test -j2 "$ws" -B "$build" > /dev/null
before=()
if [[ -n ${BEFORE:-} ]]; then
    "$BEFORE" --headless --test -j2 "$ws" -B "$tmp/build-before" > /dev/null || true
    before=(-n "jobdeck --test -j2 before tests as rows ($BEFORE)"
        "$BEFORE --headless --test -j2 $ws -B $tmp/build-before")
fi
echo "$($ctest --version | head -n1), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"

hyperfine --warmup 1 --runs "$runs" \
    -n "jobdeck --test -j2 (tests as rows)" \
    "$jobdeck --headless --test -j2 $ws -B $build" \
    "${before[@]}" \
    -n "ctest, no -j, one project per worker (before)" \
    "sh -c '$ctest --test-dir $build/big >/dev/null & for p in one-a one-b one-c; do $ctest --test-dir $build/\$p >/dev/null; done; wait'" \
    -n "for p in ...; do ctest -j2; done" \
    "sh -c 'for p in big one-a one-b one-c; do $ctest --test-dir $build/\$p -j2 >/dev/null; done'"

# The test stages' own span, first test stage started to last ended, in RUNS more --json
# runs of jobdeck (and of BEFORE, taking turns with it, so both see the same load).
span() {
    python3 -c '
import json, sys
events = [json.loads(line) for line in sys.stdin]
stages = [e for e in events if e.get("stage") == "test" and "test" not in e]
start = min(e["ts_ms"] for e in stages if e["event"] == "started")
end = max(e["ts_ms"] for e in stages if e["event"] == "finished")
print(end - start)'
}
spans=() before_spans=()
for ((i = 0; i < runs; i++)); do
    spans+=("$("$jobdeck" --headless --json --test -j2 "$ws" -B "$build" | span)")
    if [[ -n ${BEFORE:-} ]]; then
        before_spans+=("$("$BEFORE" --headless --json --test -j2 "$ws" -B "$tmp/build-before" | span)")
    fi
done
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%d", s / NR }'; }
echo "jobdeck test stages: $(mean "${spans[@]}") ms from the first start to the last end (mean of: ${spans[*]})"
if [[ -n ${BEFORE:-} ]]; then
    echo "before: test stages: $(mean "${before_spans[@]}") ms (mean of: ${before_spans[*]})"
fi

# Per-test overhead: one ctest per test against one ctest for all.
mkdir -p "$tmp/many"
{
    printf 'cmake_minimum_required(VERSION 3.21)\nproject(many NONE)\nenable_testing()\n'
    for ((i = 1; i <= 40; i++)); do printf 'add_test(NAME t%d COMMAND true)\n' "$i"; done
} > "$tmp/many/CMakeLists.txt"
cmake -S "$tmp/many" -B "$tmp/many/b" > /dev/null
hyperfine --warmup 1 --runs "$runs" -N \
    -n "ctest, 40 tests" "$ctest --test-dir $tmp/many/b" \
    -n "ctest -R one test" "$ctest --test-dir $tmp/many/b -R ^(t7)$" \
    -n "ctest --show-only=json-v1" "$ctest --test-dir $tmp/many/b --show-only=json-v1"
mkdir -p "$tmp/many-ws" && cp -r "$tmp/many" "$tmp/many-ws/many" && rm -rf "$tmp/many-ws/many/b"
"$jobdeck" --headless --test -j1 "$tmp/many-ws" -B "$tmp/many-build" > /dev/null
hyperfine --warmup 1 --runs "$runs" \
    -n "jobdeck --test -j1, 40 tests" "$jobdeck --headless --test -j1 $tmp/many-ws -B $tmp/many-build" \
    -n "jobdeck --build -j1 (the same without tests)" "$jobdeck --headless --build -j1 $tmp/many-ws -B $tmp/many-build"
