//! How far the session is and how long it has left: jobs done of all, an estimate of the
//! time left, and the moment the work ended (after which the clock a person reads stops).

use std::time::{Duration, Instant};

use super::Model;

/// Where the session stands, for the header and the headless progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Jobs whose last run ended (or that were skipped).
    pub done: usize,
    /// All jobs.
    pub total: usize,
    /// What is left to wait for.
    pub eta: Eta,
}

/// The estimate of the time left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eta {
    /// Some job's length cannot be guessed yet: no history and no run finished so far.
    Unknown,
    /// About this long, with the workers there are now.
    Left(Duration),
    /// Nothing is left to run: the work took this long (time between its end and a
    /// re-run left out).
    Ended(Duration),
    /// Every job still running has run past its expected time, by up to this much, and
    /// nothing else is left: it could end any moment, or not.
    Overdue(Duration),
}

impl Progress {
    /// `61/159 ███▍     ETA 1m12s`, or `159/159 done in 35.2s`: the headless progress line
    /// and the header say the same.
    pub fn text(&self) -> String {
        let count = format!("{}/{}", self.done, self.total);
        match self.eta {
            Eta::Unknown => format!("{count} {} ETA ?", self.gauge()),
            Eta::Left(left) => format!("{count} {} ETA {}", self.gauge(), format_duration(left)),
            Eta::Ended(at) => format!("{count} done in {}", format_duration(at)),
            Eta::Overdue(by) => format!("{count} {} {}", self.gauge(), overdue(by)),
        }
    }

    /// A bar of `GAUGE_WIDTH` cells, filled in eighths: `███▍    `.
    pub fn gauge(&self) -> String {
        const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
        let eighths = (self.done * GAUGE_WIDTH * 8)
            .checked_div(self.total)
            .unwrap_or(0);
        let full = eighths / 8;
        let mut bar = "█".repeat(full.min(GAUGE_WIDTH));
        if full < GAUGE_WIDTH {
            bar.push(EIGHTHS[eighths % 8]);
            bar.push_str(&" ".repeat(GAUGE_WIDTH - full - 1));
        }
        bar
    }
}

/// `ETA overdue 42.0s`: the running jobs are past their expected time by this much.
pub fn overdue(by: Duration) -> String {
    format!("ETA overdue {}", format_duration(by))
}

/// Cells of the progress gauge.
const GAUGE_WIDTH: usize = 8;

/// `0.4s`, `12.3s`, `2m03s`, `1h02m`: short enough for a 7-wide column.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, secs / 60 % 60)
    }
}

/// The estimate of the time left as the model last made it, and the clock reading it was
/// made at: until it is made again, the ETA counts down from it as the clock moves.
///
/// Made once a second of the model's clock (the first message after the second turned:
/// while runs go, an engine event's turn of the loop, about never a key's), not on each
/// frame: the estimate passes over every row twice (100,000 rows: milliseconds), and a
/// frame drawn for a key paid for it. It is the estimate, bit for bit, when made, so the
/// header says what the estimate says once a second, as it did; between two makings it is
/// that figure counted down, not one that follows every run's end (an ETA that moves every
/// second is what it is for). Keeping its sums up to date as rows change instead would not
/// be exact: they are added in row order, and a sum redone in another order rounds
/// otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KeptEstimate {
    made_at: Instant,
    estimate: Option<super::estimate::Estimate>,
}

impl Model {
    /// Jobs done of all, and the time left (see [`super::estimate`]: the history scaled by
    /// this session's pace, or this session's runs; the remaining work spread over the live
    /// worker count, never shorter than the longest chain of stages still to come), as made
    /// at the latest turn of the clock's second and counted down since.
    pub fn progress(&self) -> Progress {
        self.progress_of(&self.counts())
    }

    /// [`Model::progress`], given the model's `counts` (the header has them). A job is done
    /// unless it is queued, running or cancelling.
    pub fn progress_of(&self, counts: &super::Counts) -> Progress {
        let total = self.jobs.len();
        let done = total - counts.queued - counts.running - counts.cancelling;
        let eta = match self.activity.work_ended_at {
            Some(_) => Eta::Ended(self.work_time()),
            None => self.kept_eta(),
        };
        Progress { done, total, eta }
    }

    /// Makes the estimate again if the clock's second turned since it was last made (or the
    /// work began again): `update` asks after every message, the check costs nothing.
    pub(super) fn keep_estimate(&mut self) {
        if self.activity.work_ended_at.is_some() {
            self.kept_estimate = None;
            return;
        }
        let second = |at: Instant| at.saturating_duration_since(self.started_at).as_secs();
        if self
            .kept_estimate
            .is_some_and(|kept| second(kept.made_at) == second(self.now))
        {
            return;
        }
        self.kept_estimate = Some(KeptEstimate {
            made_at: self.now,
            estimate: self.estimate(),
        });
    }

    /// The kept estimate at the model's clock: the time left less the time since it was
    /// made, and a run's overrun more by as much.
    fn kept_eta(&self) -> Eta {
        let Some(KeptEstimate {
            made_at,
            estimate: Some(estimate),
        }) = self.kept_estimate
        else {
            return Eta::Unknown;
        };
        let since = self.now.saturating_duration_since(made_at);
        eta_of(super::estimate::Estimate {
            left: estimate.left.saturating_sub(since),
            overdue: if estimate.overdue.is_zero() {
                Duration::ZERO
            } else {
                estimate.overdue.saturating_add(since)
            },
        })
    }

    /// Whether the work has ended (the progress's ETA is `Ended`), known without the
    /// estimate's pass over every job: the footer asks it each frame.
    pub fn work_has_ended(&self) -> bool {
        self.activity.work_ended_at.is_some()
    }

    /// How long work was going on: from the start to the work's end (or now), without the
    /// time between an end and a later re-run, spent reading the results. The header's
    /// `done in`, the summary's wall time and the speed-up's clock all count this.
    pub fn work_time(&self) -> Duration {
        self.work_elapsed().saturating_sub(self.activity.idle_time)
    }

    /// How long the session has been doing work: up to now, or up to when the last run
    /// ended, so what is drawn against time (the timeline) stops growing once the work is done.
    pub fn work_elapsed(&self) -> Duration {
        self.activity
            .work_ended_at
            .unwrap_or(self.now)
            .saturating_duration_since(self.started_at)
    }
}

/// What the header says of an estimate: the time left, or by how much the runs left are
/// overdue once nothing else is.
pub(super) fn eta_of(estimate: super::estimate::Estimate) -> Eta {
    if estimate.left.is_zero() && !estimate.overdue.is_zero() {
        return Eta::Overdue(estimate.overdue);
    }
    Eta::Left(estimate.left)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::Eta;
    use crate::app::tests::{finish, runs, start};
    use crate::app::{JobNode, Model, Msg, update};

    fn node(name: &str, secs: Option<u64>) -> JobNode {
        JobNode {
            expected: secs.map(Duration::from_secs),
            ..JobNode::from((name.to_string(), crate::jobs::cmake::KIND))
        }
    }

    #[test]
    fn with_history_the_time_left_is_the_work_spread_over_the_workers() {
        let t0 = Instant::now();
        let nodes = vec![node("a", Some(10)), node("b", Some(4)), node("c", Some(6))];
        let mut model = Model::new(nodes, 2, t0);
        let started = runs(&model.start());
        let progress = model.progress();
        assert_eq!((progress.done, progress.total), (0, 3));
        // 20 s of work on 2 workers, but a single job of 10 s: 10 s.
        assert_eq!(progress.eta, Eta::Left(Duration::from_secs(10)));
        start(&mut model, started[0], 0);
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(4)));
        // a has 6 s left, b and c 10 s together: 16 s on 2 workers.
        assert_eq!(model.progress().eta, Eta::Left(Duration::from_secs(8)));
    }

    #[test]
    fn without_history_the_estimate_waits_for_a_finished_run_then_extrapolates() {
        let t0 = Instant::now();
        let nodes = vec![node("a", None), node("b", None), node("c", None)];
        let mut model = Model::new(nodes, 1, t0);
        let started = runs(&model.start());
        assert_eq!(model.progress().eta, Eta::Unknown, "ETA ?");
        start(&mut model, started[0], 0);
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(3)));
        // A run going says only that the jobs take at least this long: not `ETA 0.0s`.
        assert_eq!(model.progress().eta, Eta::Unknown, "still ETA ?");
        finish(&mut model, started[0], Duration::from_secs(3));
        // Made again when the clock's second turns: two jobs of 3 s each left, one worker.
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(4)));
        assert_eq!(model.progress().eta, Eta::Left(Duration::from_secs(6)));
    }

    /// The estimate passes over every row: it is made when the clock's second turns, and
    /// the frames between (a key's among them) show it counted down, whatever ended since.
    #[test]
    fn between_turns_of_the_second_the_eta_counts_down_from_the_one_made() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let nodes = vec![
            node("a", Some(10)),
            node("b", Some(10)),
            node("c", Some(10)),
        ];
        let mut model = Model::new(nodes, 1, t0);
        let started = runs(&model.start());
        start(&mut model, started[0], 0);
        update(&mut model, Msg::Tick(t0 + ms(1000)));
        // 9 s of `a` and 20 s of the others, on one worker.
        assert_eq!(model.progress().eta, Eta::Left(ms(29_000)));
        // `a` ends early: the estimate would say 20 s now, but it was made at 1 s.
        let next = runs(&finish(&mut model, started[0], ms(1200)));
        update(&mut model, Msg::Tick(t0 + ms(1200)));
        assert_eq!(model.progress().eta, Eta::Left(ms(28_800)), "counted down");
        update(&mut model, Msg::Action(crate::app::Action::SelectNext));
        update(&mut model, Msg::Tick(t0 + ms(1900)));
        assert_eq!(
            model.progress().eta,
            Eta::Left(ms(28_100)),
            "a key changes nothing"
        );
        start(&mut model, next[0], 0);
        // The second turns: made again, with `a` ended (the pace its short run set
        // shortens the others) and `b` 0.1 s in.
        update(&mut model, Msg::Tick(t0 + ms(2000)));
        assert_eq!(
            Some(model.progress().eta),
            model.estimate().map(super::eta_of),
            "the estimate itself"
        );
        assert_ne!(model.progress().eta, Eta::Left(ms(28_000)));
    }

    #[test]
    fn a_job_past_its_estimate_makes_the_eta_say_overdue_not_zero() {
        let t0 = Instant::now();
        let mut model = Model::new(vec![node("a", Some(10))], 1, t0);
        let started = runs(&model.start());
        start(&mut model, started[0], 0);
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(60)));
        let progress = model.progress();
        assert_eq!(progress.eta, Eta::Overdue(Duration::from_secs(50)));
        assert!(
            progress.text().ends_with("ETA overdue 50.0s"),
            "{}",
            progress.text()
        );
    }

    /// A superbuild alone (issue 32): its configure ended, its build runs on, and no build
    /// ran before. The build was expected to end whenever asked: `ETA 0.0s` for 85 s.
    #[test]
    fn a_lone_run_of_a_stage_never_seen_to_end_is_overdue_not_ending_now() {
        use crate::jobs::cmake::Step;
        let t0 = Instant::now();
        let secs = Duration::from_secs;
        let stage = |step: Step| JobNode {
            stage: Some(step.stage()),
            deps: if step == Step::Build {
                vec![crate::engine::JobId(0)]
            } else {
                Vec::new()
            },
            ..node("superbuild", None)
        };
        let mut model = Model::new(vec![stage(Step::Configure), stage(Step::Build)], 2, t0);
        let configure = runs(&model.start())[0];
        start(&mut model, configure, 0);
        update(&mut model, Msg::Tick(t0 + secs(1)));
        let build = runs(&finish(&mut model, configure, secs(1)))[0];
        start(&mut model, build, 0);
        let mut seen = Vec::new();
        for at in 3..7 {
            update(&mut model, Msg::Tick(t0 + secs(at)));
            seen.push(model.progress().eta);
        }
        // Late against the mean of all runs, the build's own time so far counted in it.
        let halves = [1, 2, 3, 4].map(|h| Eta::Overdue(Duration::from_millis(500 * h)));
        assert_eq!(seen, halves, "overdue, by more every second");
    }

    #[test]
    fn time_spent_reading_results_before_a_rerun_is_not_counted() {
        let t0 = Instant::now();
        let secs = Duration::from_secs;
        let mut model = Model::new(vec![node("a", None)], 1, t0);
        let first = runs(&model.start())[0];
        start(&mut model, first, 0);
        update(&mut model, Msg::Tick(t0 + secs(5)));
        finish(&mut model, first, secs(5));
        // A minute reading the results, then a re-run of 2 s.
        update(&mut model, Msg::Tick(t0 + secs(65)));
        let rerun = runs(&update(&mut model, Msg::Action(crate::app::Action::Rerun)))[0];
        start(&mut model, rerun, 0);
        update(&mut model, Msg::Tick(t0 + secs(67)));
        finish(&mut model, rerun, secs(2));
        update(&mut model, Msg::Tick(t0 + secs(200)));
        assert_eq!(model.progress().eta, Eta::Ended(secs(7)));
        assert_eq!(model.summary().wall, secs(7), "not 67 s");
    }

    #[test]
    fn when_the_last_job_ends_the_clock_stops_there() {
        let t0 = Instant::now();
        let mut model = Model::new(vec![node("a", None)], 1, t0);
        let started = runs(&model.start());
        start(&mut model, started[0], 0);
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(5)));
        finish(&mut model, started[0], Duration::from_secs(5));
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(65)));
        let progress = model.progress();
        assert_eq!((progress.done, progress.total), (1, 1));
        assert_eq!(progress.eta, Eta::Ended(Duration::from_secs(5)));
        assert_eq!(
            model.summary().wall,
            Duration::from_secs(5),
            "not the minute after"
        );
    }
}
