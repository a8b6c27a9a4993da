#!/usr/bin/env bash
# benches/overhead.sh [N=400] [RUNS=10]
#
# jobdeck's own cost per job: N trivial projects, each "configured" by /bin/true instead of
# cmake, so all that is left to time is discovery, spawning, waiting, logs and history.
# The yardstick is xargs -P2 spawning the same N commands with the same arguments.
# Goal: jobdeck at most 1.2x xargs.
#
# env: JOBDECK (default: target/release/jobdeck, built first)
set -euo pipefail

n=${1:-400}
runs=${2:-10}
repo=$(cd "$(dirname "$0")/.." && pwd)
jobdeck=${JOBDECK:-$repo/target/release/jobdeck}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ws=$tmp/ws

command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 2; }
if [[ -z ${JOBDECK:-} ]]; then
    (cd "$repo" && cargo build --release >&2)
fi

# jobdeck discovers projects by their CMakeLists.txt; xargs gets the same names from a list.
mkdir "$ws"
for ((i = 1; i <= n; i++)); do
    printf -v p 'p%04d' "$i"
    mkdir "$ws/$p"
    echo 'project(x NONE)' > "$ws/$p/CMakeLists.txt"
    echo "$p"
done > "$tmp/projects"

# -N: no shell in between, so neither side pays for one; the build root goes before each run
# because jobdeck writes logs and history under it.
hyperfine -N -i --warmup 2 --runs "$runs" --export-json "$tmp/result.json" \
    --prepare "rm -rf $ws/build" \
    -n "jobdeck -j2" \
    "$jobdeck --headless -j2 --cmake /bin/true $ws -B $ws/build" \
    -n "xargs -P2" \
    "xargs -a $tmp/projects -P2 -I{} /bin/true -S $ws/{} -B $ws/build/{} -DCMAKE_BUILD_TYPE=Debug"

python3 - "$tmp/result.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
jd, xa = r["jobdeck -j2"], r["xargs -P2"]
print(f"jobdeck / xargs = {jd['mean'] / xa['mean']:.2f}x by mean, "
      f"{jd['median'] / xa['median']:.2f}x by median (goal <= 1.2)")
EOF
cat /proc/loadavg
