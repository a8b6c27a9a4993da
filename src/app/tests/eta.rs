//! The ETA measured against the truth: generated workloads whose every run's length is known
//! are played through the model on a simulated clock (a pool of workers taking the runs the
//! model starts, a tick every second), the header's estimate is logged every second, and
//! each is compared with the real end. Issue 32 item 4: from a tenth of the work on, within a
//! factor of two of the time really left; changing every second while anything runs; saying
//! overdue, never a frozen figure, when the runs left are past their expected time. After
//! every message the simulations also check the estimate, bit for bit, against its first
//! version (`estimate_reference.rs`): the faster one must not move the ETA by a rounding.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::estimate_reference::{
    assert_estimate_is_the_reference, assert_shown_eta_is_the_reference,
};
use super::{act, runs, send};
use crate::app::{Action, Effect, Eta, JobNode, Model, Msg, update};
use crate::engine::{EventKind, Finished, JobId, Outcome, RunId, WorkerId};
use crate::jobs::cmake::Step;

/// One run of a job: how long it takes and whether it succeeds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Run {
    pub(super) ms: u64,
    pub(super) ok: bool,
    /// Lines of output it writes, each at so many milliseconds from its start.
    pub(super) says: &'static [(u64, &'static str)],
    /// Whether it says, as it ends, that the jobs after it will wait on something outside
    /// (a configure that left a download to come: `EventKind::DependantsWaitOutside`).
    pub(super) fetches: bool,
}

/// A job of the workload: its node and its runs, one per attempt (the last repeats).
pub(super) struct Job {
    pub(super) node: JobNode,
    pub(super) runs: Vec<Run>,
}

/// The header's estimate at one whole second of the simulated clock.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sample {
    pub(super) at_ms: u64,
    pub(super) eta: Eta,
    /// Seconds since the header's text last changed.
    pub(super) same_for: u32,
    /// Whether the estimate differs from the second before.
    pub(super) moved: bool,
}

/// A pool of `workers` slots playing the model's runs on a clock in milliseconds.
pub(super) struct Sim {
    pub(super) model: Model,
    pub(super) t0: Instant,
    pub(super) now_ms: u64,
    pub(super) jobs: Vec<Vec<Run>>,
    pub(super) attempts: Vec<usize>,
    pub(super) deck: VecDeque<(JobId, RunId)>,
    /// `(end, slot, run, its length, success)`.
    pub(super) running: Vec<(u64, usize, (JobId, RunId), Run)>,
    pub(super) free: Vec<usize>,
    pub(super) samples: Vec<Sample>,
    pub(super) last_text: String,
    /// When each job's first run ended.
    pub(super) ended: Vec<Option<u64>>,
    /// The pool size the model asked for last (`Effect::SetWorkers`), and the workers still
    /// to leave once their runs end (a smaller pool lets its busy workers finish, as the
    /// engine's does).
    pub(super) target: usize,
    pub(super) retiring: usize,
    /// The most workers that ever ran at once.
    pub(super) most_busy: usize,
    /// Output lines still to come: `(when, run, line)`.
    pub(super) lines: Vec<(u64, (JobId, RunId), &'static str)>,
    /// The lines written so far, with when.
    pub(super) heard: Vec<(u64, &'static str)>,
}

impl Sim {
    pub(super) fn new(jobs: Vec<Job>, workers: usize) -> Self {
        let t0 = Instant::now();
        let (nodes, runs): (Vec<_>, Vec<_>) = jobs.into_iter().map(|j| (j.node, j.runs)).unzip();
        let model = Model::new(nodes, workers, t0);
        Self {
            model,
            t0,
            now_ms: 0,
            attempts: vec![0; runs.len()],
            jobs: runs,
            deck: VecDeque::new(),
            running: Vec::new(),
            free: (0..workers).rev().collect(),
            target: workers,
            retiring: 0,
            most_busy: 0,
            samples: Vec::new(),
            last_text: String::new(),
            ended: Vec::new(),
            lines: Vec::new(),
            heard: Vec::new(),
        }
    }

    /// Resizes the pool as the engine does: growing at once, shrinking as workers come free.
    fn resize(&mut self, size: usize) {
        if size > self.target {
            let mut grow = size - self.target;
            let kept = grow.min(self.retiring);
            (self.retiring, grow) = (self.retiring - kept, grow - kept);
            for _ in 0..grow {
                let in_use = |slot: &usize| {
                    self.free.contains(slot) || self.running.iter().any(|r| r.1 == *slot)
                };
                let slot = (0..usize::MAX).find(|slot| !in_use(slot)).expect("a slot");
                self.free.push(slot);
            }
        } else {
            self.retiring += self.target - size;
        }
        self.target = size;
        while self.retiring > 0 && self.free.pop().is_some() {
            self.retiring -= 1;
        }
    }

    fn take(&mut self, effects: &[Effect]) {
        for effect in effects {
            if let Effect::SetWorkers(size) = effect {
                self.resize(*size);
            }
        }
        self.deck.extend(runs(effects));
        while let (Some(_), false) = (self.free.last(), self.deck.is_empty()) {
            let run = self.deck.pop_front().expect("a run on deck");
            if !self.model.scheduler.is_current(run.0, run.1) {
                continue;
            }
            let slot = self.free.pop().expect("a free slot");
            let job = run.0.0 as usize;
            let plan = &self.jobs[job];
            let this = plan[self.attempts[job].min(plan.len() - 1)];
            self.attempts[job] += 1;
            self.running.push((self.now_ms + this.ms, slot, run, this));
            self.most_busy = self.most_busy.max(self.running.len());
            let lines = this
                .says
                .iter()
                .map(|&(at, line)| (self.now_ms + at, run, line));
            self.lines.extend(lines);
            send(
                &mut self.model,
                run,
                EventKind::Started {
                    worker: WorkerId(slot),
                },
            );
            assert_estimate_is_the_reference(&self.model);
        }
    }

    fn clock(&mut self, ms: u64) {
        self.now_ms = ms;
        let effects = update(
            &mut self.model,
            Msg::Tick(self.t0 + Duration::from_millis(ms)),
        );
        assert_estimate_is_the_reference(&self.model);
        self.take(&effects);
    }

    /// Plays the runs the model starts until nothing is left to run; returns when it ended.
    pub(super) fn play(&mut self, effects: &[Effect]) -> u64 {
        self.take(effects);
        loop {
            let next_end = self.running.iter().map(|r| r.0).min();
            let Some(next_end) = next_end else {
                return self.now_ms;
            };
            let next_second = (self.now_ms / 1000 + 1) * 1000;
            let next_line = self.lines.iter().map(|l| l.0).min();
            if let Some(at) = next_line.filter(|&at| at < next_second && at <= next_end) {
                self.clock(at);
                let index = self.lines.iter().position(|l| l.0 == at).expect("a line");
                let (_, run, line) = self.lines.swap_remove(index);
                self.heard.push((at, line));
                let lines = vec![line.to_string()];
                let effects = send(
                    &mut self.model,
                    run,
                    EventKind::Output { lines, skipped: 0 },
                );
                assert_estimate_is_the_reference(&self.model);
                self.take(&effects);
                continue;
            }
            if next_second < next_end {
                self.clock(next_second);
                // The header's ETA at each second is the estimate made as the second
                // turned: the first version's, exactly.
                assert_shown_eta_is_the_reference(&self.model);
                let eta = self.model.progress().eta;
                let moved = self.samples.last().is_none_or(|s| s.eta != eta);
                let text = self.model.progress().text();
                self.samples.push(Sample {
                    at_ms: next_second,
                    eta,
                    moved,
                    same_for: if text == self.last_text {
                        self.samples.last().map_or(0, |s| s.same_for) + 1
                    } else {
                        0
                    },
                });
                self.last_text = text;
                continue;
            }
            self.clock(next_end);
            let index = self
                .running
                .iter()
                .position(|r| r.0 == next_end)
                .expect("the run that ends");
            let (_, slot, run, this) = self.running.swap_remove(index);
            let job = run.0.0 as usize;
            if self.ended.len() <= job {
                self.ended.resize(job + 1, None);
            }
            self.ended[job].get_or_insert(next_end);
            if self.retiring > 0 {
                self.retiring -= 1;
            } else {
                self.free.push(slot);
            }
            let outcome = if this.ok {
                Outcome::Succeeded
            } else {
                Outcome::Failed {
                    code: Some(1),
                    signal: None,
                }
            };
            let finished = Finished {
                outcome,
                elapsed: Duration::from_millis(this.ms),
                cpu: None,
                error: None,
                log: None,
                diagnosis: None,
                output: None,
            };
            if this.fetches {
                send(&mut self.model, run, EventKind::DependantsWaitOutside);
            }
            let effects = send(&mut self.model, run, EventKind::Finished(finished));
            assert_estimate_is_the_reference(&self.model);
            self.take(&effects);
        }
    }

    /// Checks every sample from `from` (when this pass began) to `end`: once a tenth of the
    /// pass's time went by, the estimate is within a factor of two of the time really left
    /// (until its last tenth); the estimate moves every second.
    pub(super) fn check(&self, name: &str, from: u64, end: u64) {
        self.check_informed(name, from, from, end);
    }

    /// As [`Sim::check`], but the estimate may be short until `informed` (until a run of
    /// each kind of job left has ended, nothing says how long they take): it is never more
    /// than twice the truth, and within a factor of two once informed.
    pub(super) fn check_informed(&self, name: &str, from: u64, informed: u64, end: u64) {
        let mut worst: f64 = 1.0;
        let mut held = 0;
        let mut log = String::new();
        for sample in self
            .samples
            .iter()
            .filter(|s| s.at_ms > from && s.at_ms < end)
        {
            let truth = end - sample.at_ms;
            held = held.max(sample.same_for);
            let _ = writeln!(
                log,
                "{:>4}s {:?} truth {:.1}s",
                sample.at_ms / 1000,
                sample.eta,
                ms_secs(truth)
            );
            // The estimate moves every second. Shown to the second past a minute, while a late
            // run pushes the end back about as fast as time passes, the text can hold a few
            // seconds (the corpus saw 20 to 70).
            assert!(sample.moved, "{name}: frozen\n{}", tail(&log));
            assert!(sample.same_for < 10, "{name}: held\n{}", tail(&log));
            // From a tenth of the pass on, until its last tenth (a few seconds, where being
            // off by one run is more than twice what is left).
            if (sample.at_ms - from) * 10 < end - from || truth * 10 < end - from {
                continue;
            }
            let Eta::Left(left) = sample.eta else {
                panic!(
                    "{name}: no figure at {}s\n{}",
                    sample.at_ms / 1000,
                    tail(&log)
                );
            };
            let ratio = left.as_secs_f64() / ms_secs(truth);
            if sample.at_ms >= informed {
                worst = worst.max(ratio).max(1.0 / ratio);
            }
            let floor = if sample.at_ms >= informed { 0.5 } else { 0.0 };
            assert!(
                (floor..=2.0).contains(&ratio),
                "{name}: ETA {left:?} at {}s, {:.1}s really left (x{ratio:.2})\n{}",
                sample.at_ms / 1000,
                ms_secs(truth),
                tail(&log)
            );
        }
        eprintln!("{name}: off by at most x{worst:.2}; the text held at most {held}s");
    }
}

/// The last lines of a log, enough to see how the estimate got there.
pub(super) fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

#[expect(
    clippy::cast_precision_loss,
    reason = "milliseconds of a test far below 2^52"
)]
pub(super) fn ms_secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// A deterministic mix: `n` numbers from 0 to 99.
pub(super) fn mix(n: usize, seed: u64) -> Vec<u64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % 100
        })
        .collect()
}

pub(super) fn job(name: String, expected_ms: Option<u64>, runs: Vec<Run>) -> Job {
    Job {
        node: JobNode {
            expected: expected_ms.map(Duration::from_millis),
            ..JobNode::from((name, crate::jobs::command::KIND))
        },
        runs,
    }
}

pub(super) fn ok(ms: u64) -> Run {
    Run {
        ms,
        ok: true,
        says: &[],
        fetches: false,
    }
}

pub(super) fn fail(ms: u64) -> Run {
    Run {
        ms,
        ok: false,
        says: &[],
        fetches: false,
    }
}

/// 120 jobs: a third fail at once (0.3 s), the others take 3 to 15 s, in a mixed order.
fn corpus_like(history: impl Fn(u64) -> Option<u64>) -> Vec<Job> {
    mix(120, 7)
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let run = if r < 33 {
                fail(300)
            } else {
                ok(3000 + r * 120)
            };
            job(format!("job{i:03}"), history(run.ms), vec![run])
        })
        .collect()
}

#[test]
fn without_history_the_eta_is_within_twice_the_truth_from_a_tenth_of_the_work() {
    let mut sim = Sim::new(corpus_like(|_| None), 2);
    let effects = sim.model.start();
    let end = sim.play(&effects);
    sim.check("no history", 0, end);
}

#[test]
fn a_history_five_times_too_long_is_corrected_by_the_sessions_pace() {
    // The corpus: `24m09s` for a run that took 4m59s.
    let mut sim = Sim::new(corpus_like(|ms| Some(ms * 5)), 2);
    let effects = sim.model.start();
    let end = sim.play(&effects);
    sim.check("history x5", 0, end);
}

#[test]
fn a_history_from_a_quieter_machine_is_corrected_too() {
    // The runs take three times what the history says: a loaded machine.
    let mut sim = Sim::new(corpus_like(|ms| Some(ms / 3)), 2);
    let effects = sim.model.start();
    let end = sim.play(&effects);
    sim.check("history /3", 0, end);
}

/// The corpus's `R`: the failures re-run, and the ones that failed in 2 s now download for
/// 85 s. The ETA must not sit at `2.2s`: it grows with the overrun, and says overdue once
/// only the late runs are left.
#[test]
fn a_rerun_past_its_expected_time_moves_every_second_and_says_overdue() {
    let jobs = (0..6)
        .map(|i| {
            let runs = if i < 3 {
                vec![fail(2200), ok(85_000)]
            } else {
                vec![ok(4000)]
            };
            job(format!("job{i}"), Some(runs[0].ms), runs)
        })
        .collect();
    let mut sim = Sim::new(jobs, 2);
    let effects = sim.model.start();
    let first = sim.play(&effects);
    sim.clock(first + 30_000);
    let mut effects = act(&mut sim.model, Action::RerunFailed);
    if runs(&effects).is_empty() {
        effects = act(&mut sim.model, Action::Confirm);
    }
    assert_eq!(runs(&effects).len(), 3, "the three failures re-run");
    let from = sim.now_ms;
    let end = sim.play(&effects);
    let pass: Vec<Sample> = sim
        .samples
        .iter()
        .filter(|s| s.at_ms > from)
        .copied()
        .collect();
    let mut log = String::new();
    for sample in &pass {
        let _ = writeln!(log, "{:>4}s {:?}", (sample.at_ms - from) / 1000, sample.eta);
        assert!(sample.moved && sample.same_for < 10, "frozen:\n{log}");
    }
    // The last run alone, late: it is said.
    let last = pass.last().expect("samples");
    assert!(matches!(last.eta, Eta::Overdue(_)), "{log}");
    assert!(end > from);
}

/// `--rerun-failed` on pipelines: the history knows only the configures (their failed runs),
/// never the builds and tests after them, and most configures fail again, so most builds and
/// tests are skipped. The corpus showed `ETA ?` for 80 s, then `58m07s` for 2m51s.
#[test]
fn rerun_failed_pipelines_get_a_figure_at_once_and_never_an_absurd_one() {
    let stage = |step: Step| Some(step.stage());
    let mut jobs = Vec::new();
    for (project, r) in mix(60, 11).into_iter().enumerate() {
        let passes = r < 30;
        let configure = if passes {
            ok(4000)
        } else {
            fail(1500 + r * 20)
        };
        let base = u32::try_from(jobs.len()).expect("few jobs");
        let name = format!("p{project:02}");
        let node = |stage, deps: Vec<JobId>, expected: Option<u64>| JobNode {
            name: name.clone(),
            kind: crate::jobs::cmake::KIND,
            stage,
            deps,
            after: Vec::new(),
            expected: expected.map(Duration::from_millis),
        };
        jobs.push(Job {
            node: node(stage(Step::Configure), vec![], Some(1500 + r * 20)),
            runs: vec![configure],
        });
        jobs.push(Job {
            node: node(stage(Step::Build), vec![JobId(base)], None),
            runs: vec![ok(6000)],
        });
        jobs.push(Job {
            node: node(stage(Step::Test), vec![JobId(base + 1)], None),
            runs: vec![ok(1500)],
        });
    }
    let mut sim = Sim::new(jobs, 2);
    let effects = sim.model.start();
    assert!(
        matches!(sim.model.progress().eta, Eta::Left(_)),
        "a figure from the start, not `ETA ?`: {:?}",
        sim.model.progress().eta
    );
    let end = sim.play(&effects);
    let first_end = |stage: Step| {
        (0..sim.ended.len())
            .filter(|&job| sim.model.jobs[job].stage == Some(stage.stage()))
            .filter_map(|job| sim.ended[job])
            .min()
            .expect("a run of the stage ended")
    };
    let informed = first_end(Step::Build).max(first_end(Step::Test));
    sim.check_informed("rerun-failed pipelines", 0, informed, end);
}
