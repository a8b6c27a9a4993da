"""ETA / time really left in logs of benches/eta_corpus.sh: for each session, its length, its
1-minute load (min..max, mean, read every second), and the ratio before a tenth of the work
was done (from the second second) and from then to the last tenth of the session."""
import re
import sys

ETA = re.compile(r'(\d+)/(\d+).*ETA (?:(\d+)m)?([\d.]+)s')


def ranges(points):
    ratios = [p[3] for p in points]
    if not ratios:
        return '-'
    inside = sum(1 for r in ratios if 0.5 <= r <= 2)
    return f'{min(ratios):.2f} to {max(ratios):.2f} ({inside} of {len(ratios)} within x2)'


for log in sys.argv[1:]:
    rows = [line.rstrip('\n').split(' ', 1) for line in open(log)]
    rows = [(float(t), rest) for t, rest in rows]
    end = next(t for t, rest in rows if rest.startswith('END'))
    start = rows[0][0]
    span = end - start
    uptimes = re.sub(r'eta(\d)\.log$', r'uptimes\1.txt', log)
    loads = [float(re.search(r'load average: ([\d.]+)', line)[1]) for line in open(uptimes)]
    early, late = [], []
    for t, rest in rows:
        m = ETA.search(rest)
        left = end - t
        if not m or t - start < 2 or left <= span / 10:
            continue
        done, total = int(m[1]), int(m[2])
        eta = int(m[3] or 0) * 60 + float(m[4])
        (late if done >= total / 10 else early).append((t - start, eta, left, eta / left))
    print(f'{log}: {span:.0f} s, load {min(loads):.1f} to {max(loads):.1f} '
          f'(mean {sum(loads) / len(loads):.1f})')
    print(f'  before a tenth of the work: {ranges(early)}')
    print(f'  from a tenth of the work to the last tenth: {ranges(late)}')
    for t, eta, left, ratio in (early[::max(1, len(early) // 4)] + late[::max(1, len(late) // 4)]):
        print(f'    at {t:4.0f} s: ETA {eta:6.1f} s, {left:6.1f} s left (x{ratio:.2f})')
