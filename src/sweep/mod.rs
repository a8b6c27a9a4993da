//! `--sweep`: the same work at several worker counts, one session per count, and the speed-up
//! curve they make.
//!
//! A sweep is a sequence of ordinary sessions: the same [`PlanRequest`] planned again with
//! another worker count, run by the same runner and front end as any session (the caller
//! says how, see [`Sweeper::run`]), with one more reporter that keeps what the point needs.
//! Every point starts from the same state: a fresh build root of its own (removed before it
//! runs and after it), and the same pseudoword seed. A sweep under `-B` holds that folder's
//! build-root lock from start to end, so a second jobdeck there is refused as on any locked
//! root. The arithmetic is in [`fit`], pure.

pub mod fit;
pub mod lines;
pub mod nice;

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use crate::app::Model;
use crate::plan::PlanRequest;
use crate::records::lock::lock_build_root;
use crate::session::{End, Event, Problem, Reporter};

/// The most worker counts one sweep runs.
pub const MAX_POINTS: usize = 32;

/// Checks a `--sweep` list: worker counts from 1 to 1024, separated by commas, e.g. `1,2,4,8`;
/// returned sorted, each once.
pub fn parse_counts(text: &str) -> Result<Vec<usize>, String> {
    let mut counts = text
        .split(',')
        .map(|count| {
            count
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|count| (1..=1024).contains(count))
                .ok_or_else(|| {
                    format!(
                        "expected worker counts from 1 to 1024 separated by commas (e.g. \
                         1,2,4,8), got `{text}`"
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    counts.sort_unstable();
    counts.dedup();
    if counts.len() > MAX_POINTS {
        return Err(format!(
            "at most {MAX_POINTS} worker counts, got {}",
            counts.len()
        ));
    }
    Ok(counts)
}

/// `--sweep` without a list: 1, 2, … up to `cpus`; past 8 CPUs, the powers of two and `cpus`.
pub fn default_counts(cpus: usize) -> Vec<usize> {
    let cpus = cpus.max(1);
    if cpus <= 8 {
        return (1..=cpus).collect();
    }
    let mut counts: Vec<usize> = std::iter::successors(Some(1_usize), |n| n.checked_mul(2))
        .take_while(|&n| n < cpus)
        .collect();
    counts.push(cpus);
    counts
}

/// What one point of a sweep measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Its worker count.
    pub workers: usize,
    /// Wall time of the session's work.
    pub wall: Duration,
    /// CPU time of every run (threads and process trees).
    pub cpu: Duration,
    /// Speed-up against the point with the fewest workers (see [`fit::speedups`]).
    pub speedup: f64,
    /// Speed-up per worker.
    pub efficiency: f64,
    /// Cores the pseudoword tasks (threads of jobdeck) kept busy while they ran: their CPU
    /// time over the time any of them was in flight. `None` without such a task.
    pub thread_cores: Option<f64>,
    /// The same for the CMake jobs (processes).
    pub process_cores: Option<f64>,
    /// The machine's load average over the last minute when the point ended (its own jobs
    /// included: up to its worker count of it), so a busy machine shows beside its figures.
    /// `None` where it cannot be read.
    pub load: Option<f64>,
    /// How its session ended.
    pub end: End,
    /// Its session's jobs.
    pub jobs: usize,
    /// Those that did not succeed (failed, timed out, skipped): its figures are then not
    /// those of the whole work, and every line that prints them says so.
    pub unsuccessful: usize,
}

/// The outcome of a sweep.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sweep {
    /// The points measured, fewest workers first.
    pub points: Vec<Point>,
    /// Amdahl's serial fraction fitted to the points (with [`fit::MIN_FIT_POINTS`] or more).
    pub serial_fraction: Option<f64>,
    /// The machine's CPUs: no fit is read past them (0: unknown).
    pub cores: usize,
    /// The `--nice` contest, when asked for: its outcome or why it could not run.
    pub nice: Option<Result<nice::NiceContest, String>>,
    /// Why the sweep stopped before its last point, if it did.
    pub stopped: Option<String>,
    /// How the session of the point that stopped it ended (left out of `points`).
    pub cut_short: Option<End>,
}

impl Sweep {
    /// How the sweep ends, for the exit status: the first point that stopped it (a signal,
    /// output gone), else whether every job of every point succeeded.
    pub fn end(&self) -> End {
        let ends = self
            .points
            .iter()
            .map(|point| point.end)
            .chain(self.cut_short);
        let mut end = End::AllSucceeded;
        for point_end in ends {
            match point_end {
                End::Interrupted | End::OutputClosed => return point_end,
                End::SomeUnsuccessful => end = End::SomeUnsuccessful,
                End::AllSucceeded => {}
            }
        }
        end
    }

    fn add(&mut self, point: Point) {
        self.points.push(point);
        let fitted: Vec<(usize, f64)> = self
            .points
            .iter()
            .map(|point| (point.workers, point.speedup))
            .collect();
        self.serial_fraction = fit::serial_fraction(&fitted);
    }

    /// The worker counts of the points whose jobs did not all succeed.
    pub fn unsuccessful_points(&self) -> Vec<usize> {
        self.points
            .iter()
            .filter(|point| point.unsuccessful > 0)
            .map(|point| point.workers)
            .collect()
    }

    /// What the fit claims: the speed-up it gives at the most workers it speaks for (see
    /// [`fit::claim_limit`]), with that worker count. `None` without a fit.
    pub fn claim(&self) -> Option<(usize, f64)> {
        let serial = self.serial_fraction?;
        let most = self.points.iter().map(|point| point.workers).max()?;
        let workers = fit::claim_limit(most, self.cores);
        #[expect(
            clippy::cast_precision_loss,
            reason = "worker counts are far below 2^52"
        )]
        let speedup = fit::amdahl(serial, workers as f64);
        Some((workers, speedup))
    }
}

/// Which point is running, for the front end to say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointLabel {
    /// Its number, from 1.
    pub number: usize,
    /// Of how many.
    pub of: usize,
    /// Its worker count.
    pub workers: usize,
}

impl std::fmt::Display for PointLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sweep {}/{}: -j{}", self.number, self.of, self.workers)
    }
}

/// Runs the points of a sweep, one session each.
#[derive(Debug)]
pub struct Sweeper {
    request: PlanRequest,
    counts: Vec<usize>,
    /// The folder each point's build root goes into.
    root: PathBuf,
    /// Whether `root` is the sweep's own temporary folder, removed at the end.
    is_temporary: bool,
    /// `--nice N`: run the contest after the points.
    nice: Option<i32>,
}

impl Sweeper {
    /// A sweep of `request` over `counts` (sorted, each once). Its points go under `-B` when
    /// given (`<build-root>/sweep-j<N>`), else under a temporary folder of this process. The
    /// seed is fixed here, so every point makes the same words.
    pub fn new(mut request: PlanRequest, counts: Vec<usize>) -> Self {
        request.seed = Some(request.seed.unwrap_or_else(rand::random));
        let (root, is_temporary) = match request.build_root.clone() {
            Some(root) => (root, false),
            None => (
                std::env::temp_dir().join(format!("jobdeck-sweep-{}", std::process::id())),
                true,
            ),
        };
        let nice = request.nice;
        Self {
            request,
            counts,
            root,
            is_temporary,
            nice,
        }
    }

    /// The request of the point with `workers` workers.
    pub fn request_for(&self, workers: usize) -> PlanRequest {
        let mut request = self.request.clone();
        request.workers = Some(workers);
        request.build_root = Some(self.point_root(workers));
        request
    }

    fn point_root(&self, workers: usize) -> PathBuf {
        self.root.join(format!("sweep-j{workers}"))
    }

    /// Runs every point with `run_point`, which plans the request, starts its session and
    /// runs it with the front end's reporters plus the one it is given; `on_point` hears of
    /// each point as it is measured. Stops early when a point was interrupted or cancelled.
    /// An error from `run_point` is a start-up error: the sweep stops with it.
    pub fn run(
        self,
        mut run_point: impl FnMut(PlanRequest, PointLabel, Box<dyn Reporter>) -> Result<End, String>,
        mut on_point: impl FnMut(&Point),
    ) -> Result<Sweep, String> {
        let _cleanup = self.is_temporary.then(|| RemoveOnDrop(self.root.clone()));
        // Held for the whole sweep, before anything is removed: a second sweep (or session)
        // on the same `-B` would otherwise remove the running point's build root, lock and
        // all, and remake it while this one runs on in the deleted folder.
        let _lock = if self.is_temporary {
            None
        } else {
            Some(lock_build_root(&self.root.join(".jobdeck"))?)
        };
        let mut sweep = Sweep {
            cores: num_cpus::get(),
            ..Sweep::default()
        };
        let mut base: Option<fit::Measured> = None;
        for (index, &workers) in self.counts.iter().enumerate() {
            let folder = self.point_root(workers);
            let jobdeck_dir = folder.join(".jobdeck");
            // A session started on the point's folder itself (`-B <root>/sweep-j2`) holds
            // its lock: its folder is not ours to remove.
            if std::fs::symlink_metadata(&jobdeck_dir).is_ok() {
                drop(lock_build_root(&jobdeck_dir)?);
            }
            let _ = std::fs::remove_dir_all(&folder);
            let captured = Rc::new(RefCell::new(Captured::default()));
            let label = PointLabel {
                number: index + 1,
                of: self.counts.len(),
                workers,
            };
            let end = run_point(
                self.request_for(workers),
                label,
                Box::new(Capture(Rc::clone(&captured))),
            );
            if self.request.build_root.is_none() {
                let _ = std::fs::remove_dir_all(&folder);
            }
            let end = end?;
            let captured = captured.take();
            // A point cut short measured less than the work: it is not a point of the curve.
            if matches!(end, End::Interrupted | End::OutputClosed) {
                sweep.stopped = Some(format!("interrupted at -j{workers}"));
                sweep.cut_short = Some(end);
                return Ok(sweep);
            }
            if captured.cancelled > 0 {
                sweep.stopped = Some(format!(
                    "jobs were cancelled at -j{workers}: that point is left out, and the ones \
                     after it were not run"
                ));
                sweep.cut_short = Some(end);
                return Ok(sweep);
            }
            let measured = fit::Measured {
                workers,
                wall: captured.wall,
            };
            let base = *base.get_or_insert(measured);
            let speedup = fit::speedups(&[base, measured])[1].unwrap_or(0.0);
            let point = Point {
                workers,
                wall: captured.wall,
                cpu: captured.cpu,
                speedup,
                efficiency: fit::efficiency(speedup, workers),
                thread_cores: fit::cores(&captured.threads),
                process_cores: fit::cores(&captured.processes),
                load: load_average(),
                end,
                jobs: captured.jobs,
                unsuccessful: captured.unsuccessful,
            };
            on_point(&point);
            sweep.add(point);
        }
        if let Some(nice) = self.nice {
            sweep.nice = Some(nice::contest(nice, nice::WINDOW));
        }
        Ok(sweep)
    }
}

/// What a point's session left, kept by its [`Capture`] reporter.
#[derive(Debug, Default)]
struct Captured {
    wall: Duration,
    cpu: Duration,
    cancelled: usize,
    jobs: usize,
    unsuccessful: usize,
    threads: Vec<fit::Run>,
    processes: Vec<fit::Run>,
}

/// The reporter a sweep adds to each point's session.
struct Capture(Rc<RefCell<Captured>>);

impl Reporter for Capture {
    fn report(&mut self, event: &Event<'_>, _: &Model) -> Result<(), Problem> {
        let mut captured = self.0.borrow_mut();
        match event {
            Event::RunFinished(record) => {
                let (Some(elapsed), Some(cpu)) = (record.elapsed, record.cpu) else {
                    return Ok(());
                };
                let run = fit::Run {
                    start: record.at.saturating_sub(elapsed),
                    end: record.at,
                    cpu,
                };
                if record.kind.is_process() {
                    captured.processes.push(run);
                } else {
                    captured.threads.push(run);
                }
            }
            Event::Ended(ending) => {
                captured.wall = ending.summary.wall;
                captured.cpu = ending.summary.cpu_time;
                let counts = &ending.summary.counts;
                captured.cancelled = counts.cancelled;
                captured.jobs = counts.total();
                captured.unsuccessful = counts.unsuccessful();
            }
            _ => {}
        }
        Ok(())
    }
}

/// The load average over the last minute, from `/proc/loadavg`.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Removes the sweep's temporary folder when the sweep ends, however it ends.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_parsed_sorted_and_checked() {
        assert_eq!(parse_counts("4,1,2,2"), Ok(vec![1, 2, 4]));
        assert!(parse_counts("0,2").is_err());
        assert!(parse_counts("two").is_err());
        assert!(parse_counts(".").is_err());
        assert_eq!(default_counts(2), [1, 2]);
        assert_eq!(default_counts(1), [1]);
        assert_eq!(default_counts(12), [1, 2, 4, 8, 12]);
    }
}
