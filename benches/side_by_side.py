#!/usr/bin/env python3
"""benches/side_by_side.py RUNS PREPARE NAME=COMMAND NAME=COMMAND

Times two commands run by run, alternating (A B, then B A, ...), and prints each one's median
wall time and CPU time and their ratios. hyperfine runs all of one command's runs before the
next's, and on a shared machine whichever runs second is often faster (1.5x seen with the
same binary twice): a change's cost hides in that order. Alternating puts both under the same
load. PREPARE (a shell command, "" for none) runs before every run, untimed; COMMANDs run
through `sh -c`, output discarded. CPU is the command's and its children's (getrusage).
"""
import resource
import statistics
import subprocess
import sys
import time


def main():
    runs, prepare = int(sys.argv[1]), sys.argv[2]
    named = [arg.split("=", 1) for arg in sys.argv[3:5]]
    wall = {name: [] for name, _ in named}
    cpu = {name: [] for name, _ in named}
    for i in range(runs):
        for name, command in named if i % 2 == 0 else named[::-1]:
            if prepare:
                subprocess.run(["sh", "-c", prepare], check=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(["sh", "-c", command], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            wall[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime + after.ru_stime
                             - before.ru_utime - before.ru_stime)
    for name, _ in named:
        print(f"{name}: wall median {statistics.median(wall[name]) * 1000:.0f} ms "
              f"(min {min(wall[name]) * 1000:.0f}), cpu median "
              f"{statistics.median(cpu[name]) * 1000:.0f} ms, {runs} runs")
    (a, _), (b, _) = named
    print(f"{a} / {b}: wall {statistics.median(wall[a]) / statistics.median(wall[b]):.2f}x, "
          f"cpu {statistics.median(cpu[a]) / statistics.median(cpu[b]):.2f}x (medians, "
          f"alternating runs; load {' '.join(open('/proc/loadavg').read().split()[:3])})")


if __name__ == "__main__":
    main()
