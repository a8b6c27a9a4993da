#!/usr/bin/env bash
# benches/overhead.sh [N=400] [RUNS=10]
#
# jobdeck's own cost per job: N trivial projects, each "configured" by /bin/true instead of
# cmake, so all that is left to time is discovery, spawning, waiting, logs and history.
# The yardstick is xargs -P2 spawning the same N commands with the same arguments.
# Goal: jobdeck at most 1.2x xargs.
#
# env: JOBDECK (default: target/release/jobdeck, built first)
#      BEFORE: another jobdeck binary (the build before a change) timed in the same run,
#              side by side, so a per-job cost that grew does not hide in the noise; then
#              both again with their runs alternating (benches/side_by_side.py), as
#              hyperfine's second command is often faster on a shared machine
#      PREPARE=move (default: the build root is moved aside between runs) or remove
#      WORKDIR=/dev/shm (default) or a folder on disk
set -euo pipefail

n=${1:-400}
runs=${2:-10}
repo=$(cd "$(dirname "$0")/.." && pwd)
jobdeck=${JOBDECK:-$repo/target/release/jobdeck}
# The workspace lives in RAM by default (WORKDIR=/dev/shm), so the figure is jobdeck's own
# cost, not the disk's: see the note on the build root below. WORKDIR=/tmp times the disk too.
workdir=${WORKDIR:-/dev/shm}
[[ -d $workdir && -w $workdir ]] || workdir=${TMPDIR:-/tmp}
tmp=$(mktemp -d -p "$workdir")
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

# Before each run the build root (jobdeck's logs and history) is moved aside, not deleted.
# jobdeck creates a folder and a log per job, xargs nothing, and on an ext4 without a journal
# (as on the CI machines) the kernel skips every inode freed in the last 35 s (5 minutes while
# its block is dirty) when it allocates a new one: after a `rm -rf` of a few thousand files,
# each file created costs a scan past all of them, and the bench would time that. PREPARE=remove
# deletes instead.
mkdir "$tmp/aside"
if [[ ${PREPARE:-move} == remove ]]; then
    prepare="rm -rf $ws/build"
else
    prepare="bash -c 'test ! -e $ws/build || mv $ws/build $tmp/aside/\$(date +%s%N)'"
fi

before=()
if [[ -n ${BEFORE:-} ]]; then
    before=(-n "before -j2" "$BEFORE --headless -j2 --cmake /bin/true $ws -B $ws/build")
fi
# -N: no shell in between, so neither side pays for one.
hyperfine -N -i --warmup 2 --runs "$runs" --export-json "$tmp/result.json" \
    --prepare "$prepare" \
    -n "jobdeck -j2" \
    "$jobdeck --headless -j2 --cmake /bin/true $ws -B $ws/build" \
    "${before[@]}" \
    -n "xargs -P2" \
    "xargs -a $tmp/projects -P2 -I{} /bin/true -S $ws/{} -B $ws/build/{} -DCMAKE_BUILD_TYPE=Debug"

python3 - "$tmp/result.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
jd, xa = r["jobdeck -j2"], r["xargs -P2"]
print(f"jobdeck / xargs = {jd['mean'] / xa['mean']:.2f}x by mean, "
      f"{jd['median'] / xa['median']:.2f}x by median (goal <= 1.2)")
if "before -j2" in r:
    b = r["before -j2"]
    print(f"jobdeck / before = {jd['mean'] / b['mean']:.2f}x by mean, "
          f"{jd['median'] / b['median']:.2f}x by median; user+sys "
          f"{jd['user'] + jd['system']:.3f}s vs {b['user'] + b['system']:.3f}s")
EOF
if [[ -n ${BEFORE:-} ]]; then
    python3 "$repo/benches/side_by_side.py" "$runs" "${prepare//\\/}" \
        "jobdeck=$jobdeck --headless -j2 --cmake /bin/true $ws -B $ws/build" \
        "before=$BEFORE --headless -j2 --cmake /bin/true $ws -B $ws/build"
fi
cat /proc/loadavg
