#!/usr/bin/env bash
# benches/launcher_overhead.sh [N=40] [RUNS=5]
#
# What a launcher adds per job: N trivial projects "configured" by /bin/true (`--cmake
# /bin/true`), run one at a time (-j1) locally and through the launcher; the difference of the
# two means divided by N is the launcher's cost per job (for srun: a job step's start, its
# allocation and its end).
#
# env: LAUNCHER  unset: --slurm (start the local cluster first: scripts/slurm-local.sh up, and
#                export its SLURM_CONF as `scripts/slurm-local.sh env` prints it); else a
#                --launcher value, e.g. LAUNCHER="nice -n5"
#      JOBDECK   (default: target/release/jobdeck, built first)
set -euo pipefail

n=${1:-40}
runs=${2:-5}
repo=$(cd "$(dirname "$0")/.." && pwd)
jobdeck=${JOBDECK:-$repo/target/release/jobdeck}
command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 2; }
if [[ -z ${JOBDECK:-} ]]; then
    (cd "$repo" && cargo build --release >&2)
fi
if [[ -z ${LAUNCHER:-} ]]; then
    through=(--slurm)
    name="through srun (--slurm)"
else
    through=(--launcher "$LAUNCHER")
    name="through $LAUNCHER"
fi
# hyperfine -N splits its command like a shell, so the launcher's words are quoted for it.
printf -v through_words '%q ' "${through[@]}"

# The build folders must be visible to the node that runs the step: on the local cluster any
# folder is; /tmp rather than /dev/shm, as a shared build root would be on disk.
tmp=$(mktemp -d -p "${TMPDIR:-/tmp}")
trap 'rm -rf "$tmp"' EXIT
ws=$tmp/ws
mkdir "$ws"
for ((i = 1; i <= n; i++)); do
    printf -v p 'p%04d' "$i"
    mkdir "$ws/$p"
    echo 'project(x NONE)' > "$ws/$p/CMakeLists.txt"
done

hyperfine -N --warmup 1 --runs "$runs" --export-json "$tmp/result.json" \
    --prepare "rm -rf $ws/build" \
    -n "local" \
    "$jobdeck --headless -j1 --cmake /bin/true $ws -B $ws/build" \
    -n "$name" \
    "$jobdeck --headless -j1 ${through_words}--cmake /bin/true $ws -B $ws/build"

python3 - "$tmp/result.json" "$n" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
local, launched = results[0], results[1]
print(f"per job, -j1: local {local['mean'] / n * 1000:.1f} ms, "
      f"{launched['command']} {launched['mean'] / n * 1000:.1f} ms; "
      f"the launcher adds {(launched['mean'] - local['mean']) / n * 1000:.1f} ms a job")
PY
cat /proc/loadavg
