#!/usr/bin/env bash
# benches/longest_first.sh [PAIRS=3]
#
# Does the run history pay off? 12 quick projects (q01..q12) and one 3-second one (zz-slow),
# which sorts last, so a first run with no history starts it last and waits ~3 s for it at the
# end. Run 2 keeps only BUILD_ROOT/.jobdeck (history.jsonl) and removes every build folder, so
# the configures are just as fresh and the only thing that differs is the history: longest
# first should start zz-slow at once and run the quick ones beside it on the other worker.
# Goal: run 2 at most 0.85x run 1, and zz-slow the first job started in run 2.
# The quick ones are real small C projects (a fresh configure detects the compiler, a few
# hundred ms each, as for a small real project): with project(NONE) ones of ~30 ms the quick
# work is too small for any order to matter (the best ratio there is ~3.0/3.2).
#
# env: JOBDECK (default: target/release/jobdeck, built first)
set -euo pipefail

pairs=${1:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
jobdeck=${JOBDECK:-$repo/target/release/jobdeck}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ws=$tmp/ws

command -v cmake >/dev/null || { echo "cmake not found" >&2; exit 2; }
if [[ -z ${JOBDECK:-} ]]; then
    (cd "$repo" && cargo build --release >&2)
fi
help=$("$jobdeck" --help)
[[ $help == *--order* ]] || echo "note: this jobdeck has no --order option" >&2

for ((i = 1; i <= 12; i++)); do
    printf -v p 'q%02d' "$i"
    mkdir -p "$ws/$p"
    printf 'cmake_minimum_required(VERSION 3.10)\nproject(%s C)\n' "$p" \
        > "$ws/$p/CMakeLists.txt"
done
mkdir "$ws/zz-slow"
printf '%s\n' 'cmake_minimum_required(VERSION 3.10)' 'project(slow NONE)' \
    'execute_process(COMMAND sleep 3)' > "$ws/zz-slow/CMakeLists.txt"

# Wall time in ms of one headless run; its JSON goes to $1.
run() {
    local t0=${EPOCHREALTIME/[.,]/}
    "$jobdeck" --headless --json -j2 "$ws" -B "$ws/build" > "$1"
    echo $(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

sum1=0 sum2=0
for ((k = 1; k <= pairs; k++)); do
    rm -rf "$ws/build"
    t1=$(run "$tmp/run1.json")
    find "$ws/build" -mindepth 1 -maxdepth 1 ! -name .jobdeck -exec rm -rf {} +
    t2=$(run "$tmp/run2.json")
    first=$(grep -m1 '"event":"started"' "$tmp/run2.json" | sed 's/.*"job":"\([^"]*\)".*/\1/')
    printf 'pair %d: run 1 %5d ms  run 2 %5d ms  ratio %s  run 2 started first: %s\n' \
        "$k" "$t1" "$t2" "$(ratio "$t2" "$t1")" "$first"
    sum1=$((sum1 + t1)) sum2=$((sum2 + t2))
done
printf 'mean:   run 1 %5d ms  run 2 %5d ms  ratio %s (goal <= 0.85)\n' \
    $((sum1 / pairs)) $((sum2 / pairs)) "$(ratio "$sum2" "$sum1")"
cat /proc/loadavg
