//! The arithmetic of a sweep, pure: speed-up and efficiency of each point against the
//! smallest worker count, and Amdahl's law fitted to them by least squares.
//!
//! Amdahl's law says that with a serial fraction `s` of the work, `N` workers finish in
//! `T(N) = T(1) · (s + (1 − s) / N)`, so the speed-up is `1 / (s + (1 − s) / N)` and can
//! never pass `1 / s`. Written as `1/S − 1/N = s · (1 − 1/N)` it is a line through the
//! origin in `x = 1 − 1/N`, whose least-squares slope is `Σxy / Σx²`: a closed form, exact
//! for exact data, with no search and no starting guess.

use std::time::Duration;

/// One measured point of a sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Workers the point ran with.
    pub workers: usize,
    /// Its wall time.
    pub wall: Duration,
}

/// Speed-up of each point: `base · T(base) / T(N)`, where `base` is the point with the fewest
/// workers (1 in a default sweep; a list without 1 assumes the smallest count scaled
/// perfectly, which is the most any fit can assume without a serial point). `None` for a
/// point whose wall time is zero.
pub fn speedups(points: &[Measured]) -> Vec<Option<f64>> {
    let Some(base) = points.iter().min_by_key(|point| point.workers) else {
        return Vec::new();
    };
    let base_time = base.wall.as_secs_f64() * count(base.workers);
    points
        .iter()
        .map(|point| {
            let wall = point.wall.as_secs_f64();
            (wall > 0.0).then(|| base_time / wall)
        })
        .collect()
}

/// Efficiency: speed-up per worker, capped at 100 %. A speed-up above the worker count was
/// not made by the workers but measured against a base point that ran slower (a busier
/// machine then): more than all of them busy is not a figure to print.
pub fn efficiency(speedup: f64, workers: usize) -> f64 {
    (speedup / count(workers.max(1))).min(1.0)
}

/// The fewest points Amdahl's law is fitted to: two points fit any one-parameter curve
/// through the base, so they say nothing of its shape.
pub const MIN_FIT_POINTS: usize = 3;

/// The serial fraction `s` of Amdahl's law that fits `(workers, speedup)` best, in least
/// squares on `1/S − 1/N = s · (1 − 1/N)`, kept within 0 to 1 (a machine that does better
/// than linear, from caches or noise, has a serial fraction of 0, never less). `None` with
/// fewer than [`MIN_FIT_POINTS`] points, or with a speed-up that is not a positive number.
pub fn serial_fraction(points: &[(usize, f64)]) -> Option<f64> {
    if points.len() < MIN_FIT_POINTS {
        return None;
    }
    let mut xy = 0.0;
    let mut xx = 0.0;
    for &(workers, speedup) in points {
        if !(speedup.is_finite() && speedup > 0.0) || workers == 0 {
            return None;
        }
        let x = 1.0 - 1.0 / count(workers);
        let y = 1.0 / speedup - 1.0 / count(workers);
        xy += x * y;
        xx += x * x;
    }
    (xx > 0.0).then(|| (xy / xx).clamp(0.0, 1.0))
}

/// One run of a point: when it started and ended (since the session started) and the CPU
/// time it used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// When it started.
    pub start: Duration,
    /// When it ended.
    pub end: Duration,
    /// Its CPU time.
    pub cpu: Duration,
}

/// Cores a kind of run kept busy while it ran: the runs' CPU time over the time at least one
/// of them was in flight (the union of their spans). Two CPU-bound runs side by side give
/// about 2; a run that sleeps gives about 0. `None` without runs, or with no time in flight.
pub fn cores(runs: &[Run]) -> Option<f64> {
    let mut spans: Vec<(Duration, Duration)> =
        runs.iter().map(|run| (run.start, run.end)).collect();
    spans.sort_unstable();
    let mut in_flight = Duration::ZERO;
    let mut current: Option<(Duration, Duration)> = None;
    for (start, end) in spans {
        current = match current {
            Some((from, to)) if start <= to => Some((from, to.max(end))),
            Some((from, to)) => {
                in_flight += to.saturating_sub(from);
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((from, to)) = current {
        in_flight += to.saturating_sub(from);
    }
    let cpu: Duration = runs.iter().map(|run| run.cpu).sum();
    (in_flight > Duration::ZERO).then(|| cpu.as_secs_f64() / in_flight.as_secs_f64())
}

/// The most workers a fit speaks for: the most measured, and never more than the machine's
/// cores (`0`: unknown), past which more workers only share the same cores. Nothing is
/// claimed beyond.
pub fn claim_limit(most_measured: usize, cores: usize) -> usize {
    if cores == 0 {
        most_measured
    } else {
        most_measured.min(cores)
    }
}

/// The speed-up Amdahl's law gives `workers` with serial fraction `serial`.
pub fn amdahl(serial: f64, workers: f64) -> f64 {
    1.0 / (serial + (1.0 - serial) / workers)
}

#[expect(
    clippy::cast_precision_loss,
    reason = "worker counts are far below 2^52"
)]
fn count(workers: usize) -> f64 {
    workers as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(serial: f64, counts: &[usize]) -> Vec<(usize, f64)> {
        counts
            .iter()
            .map(|&n| (n, amdahl(serial, count(n))))
            .collect()
    }

    #[test]
    fn exact_data_gives_its_serial_fraction_back() {
        for serial in [0.0, 0.05, 0.1, 0.37, 1.0] {
            let fitted = serial_fraction(&exact(serial, &[1, 2, 4, 8])).expect("a fit");
            assert!((fitted - serial).abs() < 1e-12, "{serial} gave {fitted}");
        }
        let fitted =
            serial_fraction(&exact(0.2, &[2, 3, 4])).expect("a fit without a serial point");
        assert!((fitted - 0.2).abs() < 1e-12);
    }

    #[test]
    fn noisy_data_fits_between_its_points() {
        // Measured on a loaded 2-core machine: a little below Amdahl with s = 0.1.
        let points = [(1, 1.0), (2, 1.75), (4, 1.9)];
        let fitted = serial_fraction(&points).expect("a fit");
        assert!(fitted > 0.1 && fitted < 0.8, "{fitted}");
    }

    #[test]
    fn better_than_linear_is_no_serial_part_never_a_negative_one() {
        assert_eq!(serial_fraction(&[(1, 1.0), (2, 2.3), (3, 3.4)]), Some(0.0));
        assert_eq!(serial_fraction(&[(1, 1.0), (2, 0.0), (3, 1.0)]), None);
    }

    /// Issue 32 item 5: `--sweep 1,2` fitted two points and claimed `at most 15.4x with any
    /// number of workers` on 2 cores; it printed `eff 109%`.
    #[test]
    fn two_points_fit_nothing_and_nothing_is_claimed_past_the_points_or_the_cores() {
        assert_eq!(serial_fraction(&[(1, 1.0), (2, 1.88)]), None);
        assert_eq!(serial_fraction(&[(1, 1.0)]), None);
        assert_eq!(serial_fraction(&[]), None);
        assert_eq!(claim_limit(4, 2), 2, "4 workers on 2 cores");
        assert_eq!(claim_limit(3, 8), 3, "only what was measured");
        assert_eq!(claim_limit(3, 0), 3);
        assert!((efficiency(2.18, 2) - 1.0).abs() < 1e-12, "not 109 %");
    }

    #[test]
    fn cores_count_cpu_over_the_union_of_spans() {
        let s = Duration::from_secs;
        let run = |start, end, cpu| Run {
            start: s(start),
            end: s(end),
            cpu: s(cpu),
        };
        // Two busy runs side by side, then one alone: 6 s of CPU in 4 s.
        let busy = [run(0, 2, 2), run(0, 2, 2), run(2, 4, 2)];
        assert!((cores(&busy).expect("cores") - 1.5).abs() < 1e-12);
        // A gap between runs is not time in flight.
        let apart = [run(0, 1, 1), run(5, 6, 1)];
        assert!((cores(&apart).expect("cores") - 1.0).abs() < 1e-12);
        assert_eq!(cores(&[run(0, 3, 0)]), Some(0.0));
        assert_eq!(cores(&[]), None);
    }

    #[test]
    fn speedups_are_against_the_fewest_workers() {
        let at = |workers, ms| Measured {
            workers,
            wall: Duration::from_millis(ms),
        };
        assert_eq!(
            speedups(&[at(1, 1000), at(2, 500), at(4, 400)]),
            [Some(1.0), Some(2.0), Some(2.5)]
        );
        // Without a serial point the smallest count is taken as scaling perfectly.
        assert_eq!(
            speedups(&[at(4, 1000), at(2, 2000)]),
            [Some(4.0), Some(2.0)]
        );
        assert_eq!(speedups(&[at(1, 0)]), [None]);
        assert!((efficiency(2.5, 4) - 0.625).abs() < 1e-12);
    }
}
