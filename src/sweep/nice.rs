//! `--nice` shown: what a niced run gets on a busy CPU.
//!
//! Two threads of real work (pseudoword-style random draws, counted) are pinned to one CPU,
//! one at jobdeck's own niceness and one at `--nice N`, and each one's CPU time is measured
//! over the same window. On a contended CPU the kernel's scheduler (CFS) shares the time by
//! weight, 1.25× per step of niceness (its `sched_prio_to_weight` table), so nice 10 against
//! nice 0 gets about a tenth: the measured shares are shown beside the ones the weights
//! predict.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};

/// The kernel's weights for niceness -20 to 19 (`sched_prio_to_weight` in
/// `kernel/sched/core.c`): a thread's share of a contended CPU is its weight over the sum.
const WEIGHTS: [u32; 40] = [
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
    3906, 3121, 2501, 1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87,
    70, 56, 45, 36, 29, 23, 18, 15,
];

/// How long the two groups compete: long enough for the scheduler's shares to settle (its
/// slices are a few milliseconds).
pub const WINDOW: Duration = Duration::from_secs(2);

/// One group of the contest and what it got.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NiceShare {
    /// Its niceness.
    pub nice: i32,
    /// The CPU time it got in the window.
    pub cpu: Duration,
    /// Its share of the CPU time both groups got.
    pub share: f64,
    /// The share the kernel's weights predict.
    pub expected: f64,
}

/// The outcome of a contest: two groups on one CPU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NiceContest {
    /// The CPU both ran on.
    pub cpu: usize,
    /// How long they competed.
    pub window: Duration,
    /// jobdeck's own niceness first, then `--nice N`.
    pub groups: [NiceShare; 2],
}

/// The share of a CPU that a thread at `nice` gets against one at `other`.
pub fn expected_share(nice: i32, other: i32) -> f64 {
    let weight = |nice: i32| f64::from(WEIGHTS[usize::try_from(nice + 20).unwrap_or(0).min(39)]);
    weight(nice) / (weight(nice) + weight(other))
}

/// Runs the contest for `window`: a thread at jobdeck's niceness against one at `nice`, both
/// pinned to the first CPU jobdeck may use.
pub fn contest(nice: i32, window: Duration) -> Result<NiceContest, String> {
    let own = rustix::process::getpriority_process(None)
        .map_err(|err| format!("cannot read jobdeck's niceness: {err}"))?;
    let allowed = sched_getaffinity(None).map_err(|err| format!("cannot read CPUs: {err}"))?;
    let cpu = (0..CpuSet::MAX_CPU)
        .find(|&cpu| allowed.is_set(cpu))
        .ok_or("no CPU to run on")?;
    let stop = Arc::new(AtomicBool::new(false));
    // Both threads and this one: the window starts once both are pinned and niced.
    let start = Arc::new(Barrier::new(3));
    let spawn = |nice: i32| {
        let stop = Arc::clone(&stop);
        let start = Arc::clone(&start);
        std::thread::Builder::new()
            .name(format!("nice-{nice}"))
            .spawn(move || compete(cpu, nice, &start, &stop))
            .map_err(|err| format!("cannot start a thread: {err}"))
    };
    let threads = [spawn(own)?, spawn(nice)?];
    start.wait();
    // The window is what is measured, not a wait for something to happen.
    std::thread::sleep(window);
    stop.store(true, Ordering::Relaxed);
    let mut cpus = [Duration::ZERO; 2];
    for (cpu_time, thread) in cpus.iter_mut().zip(threads) {
        *cpu_time = thread
            .join()
            .map_err(|_| "a contest thread panicked".to_string())??;
    }
    let total = (cpus[0] + cpus[1]).as_secs_f64().max(f64::MIN_POSITIVE);
    let group = |index: usize, nice: i32, other: i32| NiceShare {
        nice,
        cpu: cpus[index],
        share: cpus[index].as_secs_f64() / total,
        expected: expected_share(nice, other),
    };
    Ok(NiceContest {
        cpu,
        window,
        groups: [group(0, own, nice), group(1, nice, own)],
    })
}

/// One contestant: pinned to `cpu` at `nice`, it draws and counts random words until `stop`,
/// and returns the CPU time it got after the start.
fn compete(cpu: usize, nice: i32, start: &Barrier, stop: &AtomicBool) -> Result<Duration, String> {
    let mut set = CpuSet::new();
    set.set(cpu);
    let pinned = sched_setaffinity(None, &set).map_err(|err| format!("cannot pin: {err}"));
    let tid = rustix::thread::gettid();
    let niced = rustix::process::setpriority_process(Some(tid), nice)
        .map_err(|err| format!("cannot set niceness {nice}: {err}"));
    start.wait();
    pinned?;
    niced?;
    let before = thread_cpu();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ u64::from(nice.unsigned_abs());
    let mut counts = [0u64; 36];
    while !stop.load(Ordering::Relaxed) {
        for _ in 0..4096 {
            // xorshift64: one draw per pseudoword, as the pseudoword tasks do.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            counts[usize::try_from(state % 36).unwrap_or(0)] += 1;
        }
    }
    black_box(&counts);
    Ok(thread_cpu().saturating_sub(before))
}

fn thread_cpu() -> Duration {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::try_from(now).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_predict_the_shares() {
        assert!((expected_share(0, 0) - 0.5).abs() < 1e-12);
        // nice 10 against 0: 110 against 1024.
        assert!((expected_share(10, 0) - 110.0 / 1134.0).abs() < 1e-12);
        assert!((expected_share(0, 10) + expected_share(10, 0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_niced_thread_gets_less_of_a_shared_cpu() {
        let contest = contest(19, Duration::from_millis(400)).expect("a contest");
        let [own, niced] = contest.groups;
        assert!((own.share + niced.share - 1.0).abs() < 1e-9);
        // Expected 1024 to 15 (jobdeck at nice 0) or closer; a ratio with slack, never a time.
        if own.nice < 19 {
            assert!(own.share > niced.share, "{contest:?}");
        }
    }
}
