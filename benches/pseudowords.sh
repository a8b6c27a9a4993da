#!/usr/bin/env bash
# Pseudoword benchmark (issue 4): 32 files x 1,000,000 words, written by
#   - jobdeck, headless, on 2 workers,
#   - the tight Rust loop from ../shared/bench (built with rustc -O into a temp folder), 2 threads,
#   - the seed's Python multiprocessing version (`procs`: one process per file).
# Both Rust programs run in one hyperfine invocation so their ratio is fair on a noisy machine;
# Python is far slower, so it gets its own invocation with fewer runs.
#
# usage: benches/pseudowords.sh [RUNS=10] [PY_RUNS=3]
# env:   BENCH_DIR (default ../shared/bench), JOBDECK (default target/release/jobdeck)
set -euo pipefail

runs=${1:-10}
py_runs=${2:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
bench_dir=${BENCH_DIR:-$repo/../shared/bench}
jobdeck=${JOBDECK:-$repo/target/release/jobdeck}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 2; }
if [[ -z ${JOBDECK:-} ]]; then
    cargo build --release --manifest-path "$repo/Cargo.toml" >&2
fi
rustc -O "$bench_dir/tight_pseudowords.rs" -o "$tmp/tight_pseudowords"

hyperfine --warmup 2 --runs "$runs" --export-json "$tmp/rust.json" \
    --prepare "rm -rf $tmp/jd $tmp/tight" \
    -n jobdeck "$jobdeck --headless --no-cmake --words 32 -j2 --words-out $tmp/jd" \
    -n tight "$tmp/tight_pseudowords $tmp/tight 32 1000000 2"

hyperfine --runs "$py_runs" --export-json "$tmp/python.json" \
    --prepare "rm -rf $tmp/py $tmp/jd" \
    -n python "python3 $bench_dir/seed_pseudowords.py procs -n 32 -w 1000000 -o $tmp/py" \
    -n jobdeck "$jobdeck --headless --no-cmake --words 32 -j2 --words-out $tmp/jd"

python3 - "$tmp/rust.json" "$tmp/python.json" <<'EOF'
import json, sys
rust = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
py = {r["command"]: r for r in json.load(open(sys.argv[2]))["results"]}
for name, r in [("jobdeck", rust["jobdeck"]), ("tight", rust["tight"]), ("python", py["python"])]:
    print(f"{name:8} median {r['median']:.3f} s  mean {r['mean']:.3f} s  min {r['min']:.3f} s")
print(f"jobdeck / tight  = {rust['jobdeck']['median'] / rust['tight']['median']:.2f}x (goal <= 1.5)")
print(f"python / jobdeck = {py['python']['median'] / py['jobdeck']['median']:.0f}x (goal >= 100)")
EOF
