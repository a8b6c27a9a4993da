//! The record of a run as scripts see it: the one builder behind both the `--json` events and
//! the lines of `history.jsonl`, so the two can never disagree about a field.

use std::ops::Deref;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use super::{FailedAttempt, JobRow, JobState, RunResult};
use crate::engine::Detail;
use crate::engine::{JobId, RunId, WorkerId};
use crate::jobs::{JobKind, Stage};

/// A snapshot of a job's row, taken by the model the moment something happened to the run,
/// so later changes to the row (a re-run queued in the same turn) cannot leak into it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The job.
    pub job: JobId,
    /// Its name (for CMake, the project's path relative to DIR).
    pub name: String,
    /// `cmake` or `words`.
    pub kind: JobKind,
    /// The pipeline stage of a CMake job.
    pub stage: Option<Stage>,
    /// The run.
    pub run: RunId,
    /// Its state when the snapshot was taken.
    pub state: JobState,
    /// The worker it ran on.
    pub worker: Option<WorkerId>,
    /// What the run left (its fields read through the record: `record.error`).
    pub result: RunResult,
    /// The project's own `-D` options the run had (`VAR=VALUE`).
    pub options: Vec<String>,
    /// The cause of a failed or timed-out run: its error with what differs between projects
    /// taken out (`causes.rs`).
    pub cause: Option<String>,
    /// The run's full log.
    pub log: Option<PathBuf>,
    /// Job-specific note (`fresh`, `cached`, `no tests`, …).
    pub detail: Option<Detail>,
    /// Which run of the job in this session: 1 for the first, then 2, 3, …
    pub attempt: u32,
    /// The failed attempts that were retried before this run, oldest first.
    pub failed_attempts: Vec<FailedAttempt>,
    /// When the snapshot was taken, since the session started.
    pub at: Duration,
    /// The situation the run started in (see `crate::jobs::Work::situation`), known for a
    /// job's first run of the session: the one its situation was decided for.
    pub situation: Option<&'static str>,
}

impl Deref for RunRecord {
    type Target = RunResult;

    /// The run's result fields read as the record's own (`record.error`, `record.elapsed`):
    /// they are declared once, in `RunResult`.
    fn deref(&self) -> &RunResult {
        &self.result
    }
}

/// Something the front ends report: a run started, or a job's run ended (or was skipped).
#[derive(Debug, Clone, PartialEq)]
pub enum News {
    /// A worker picked the run up.
    Started(RunRecord),
    /// The run ended, or the job was cancelled or skipped before it ran.
    Finished(RunRecord),
    /// The run failed or timed out and the job runs again (`--retries`): the failed
    /// attempt's record. Its job's `Finished` comes later, with the last attempt's.
    Retried(RunRecord),
    /// A part of the run (a test) ended.
    PartFinished(RunRecord, super::PartRow),
}

impl RunRecord {
    /// The snapshot of `row` (job `job`) as it is `at` into the session.
    pub fn of(job: JobId, row: &JobRow, at: Duration) -> Self {
        Self {
            job,
            name: row.name.clone(),
            kind: row.kind,
            stage: row.stage,
            run: row.run,
            state: row.state,
            worker: row.worker,
            result: row.result.clone(),
            cause: super::causes::cause_of(row),
            options: row.extra().options.clone(),
            // Before its run ends a row has no reported log yet, but its log's path is known:
            // a `started` event carries it, so a script can follow the log.
            // (Only while it runs: a job cancelled in the queue never wrote one.)
            log: row
                .log
                .as_deref()
                .or_else(|| {
                    row.state
                        .is_active()
                        .then_some(row.log_path.as_deref())
                        .flatten()
                })
                .map(std::path::Path::to_path_buf),
            detail: row.extra().detail.clone(),
            attempt: row.runs,
            failed_attempts: row.failed_attempts().to_vec(),
            at,
            situation: row.extra().situation.filter(|_| row.runs == 1),
        }
    }

    /// The record of `row`'s last failed attempt (run `run`, on `worker`), once the row has
    /// kept it and queued the next attempt.
    pub fn of_retried(
        job: JobId,
        row: &JobRow,
        run: RunId,
        worker: Option<WorkerId>,
        at: Duration,
    ) -> Option<Self> {
        let (attempt, before) = row.failed_attempts().split_last()?;
        let mut record = Self::of(job, row, at);
        record.run = run;
        record.worker = worker;
        record.state = attempt
            .result
            .outcome
            .as_ref()
            .map_or(JobState::Failed, JobState::from_outcome);
        record.result = attempt.result.clone();
        // The failed attempt's log, where the next attempt's start moves it (`….log.1`): the
        // file to open to see why it failed. `row.log` is about to hold the next attempt's.
        record.log = row
            .log
            .as_deref()
            .map(|log| crate::jobs::log_files::earlier_log(log, 1));
        record.attempt = attempt.attempt;
        record.situation = row.extra().situation.filter(|_| attempt.attempt == 1);
        record.failed_attempts = before.to_vec();
        record.cause = None;
        Some(record)
    }

    /// Whether the run counts as failed for the session (see [`super::fails_session`]).
    pub fn fails_session(&self) -> bool {
        super::fails_session(self.kind, self.state)
    }

    /// Whether the run did not succeed but only warns (see [`super::only_warns`]).
    pub fn only_warns(&self) -> bool {
        super::only_warns(self.kind, self.state)
    }

    /// The name with the stage, as the plain lines show it: `01-basic/A [build]`.
    pub fn label(&self) -> String {
        super::job_row::label(&self.name, self.stage)
    }

    /// A `--json` job event (`queued`, `started` or `finished`).
    pub fn event_json(&self, event: &str) -> Value {
        // Whether the configure's build folder was seeded from the toolchain probe: known
        // once it finished, and only for configures.
        let seeded = (event == "finished" && self.kind.reports_seeding(self.stage))
            .then(|| self.detail.as_ref().is_some_and(Detail::is_seeded));
        json!({
            "event": event,
            "ts_ms": millis(self.at),
            "job": self.name,
            "stage": self.stage.map(Stage::as_str),
            "id": self.job.0,
            "run": self.run.0,
            "attempt": self.attempt,
            "kind": self.kind.as_str(),
            "worker": self.worker.map(|w| w.0 + 1),
            "status": self.state.word(),
            "duration_ms": self.elapsed.map(millis),
            "cpu_ms": self.cpu.map(millis),
            "exit_code": self.exit_code(),
            "error": self.error,
            "error_file": self.error_file(),
            "error_line": self.error_line(),
            "log": self.log_text(),
            "detail": self.detail.as_ref().map(ToString::to_string),
            "seeded": seeded,
        })
    }

    /// The `--json` event of the end of `part`, a part of this run: a `finished` event with
    /// the part's name under `test` and its own status, time, attempt and error.
    pub fn part_json(&self, part: &super::PartRow) -> Value {
        json!({
            "event": "finished",
            "ts_ms": millis(self.at),
            "job": self.name,
            "stage": self.stage.map(Stage::as_str),
            "test": part.name,
            "id": self.job.0,
            "run": self.run.0,
            "attempt": part.attempt,
            "kind": self.kind.as_str(),
            "status": part.state.word(),
            "duration_ms": part.elapsed.map(millis),
            "error": part.error,
        })
    }

    fn log_text(&self) -> Option<String> {
        self.log.as_deref().map(crate::sys::text::path_text)
    }
}

/// Whole milliseconds, saturating.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::app::tests::{finish, runs, send, start};
    use crate::app::{JobNode, Model};
    use crate::engine::{EventKind, JobId};
    use crate::jobs::cmake::{Folder, Preparation};

    /// A seeded configure of a project with options of its own reads `seeded -DX=1` in its
    /// detail: the JSON still calls it seeded (it said false when `seeded` was read from the
    /// detail's text).
    #[test]
    fn a_seeded_configure_with_options_is_seeded_in_json() {
        for (folder, options, detail, seeded) in [
            (Folder::Seeded, vec![], "seeded", true),
            (
                Folder::Seeded,
                vec!["X=1".to_string()],
                "seeded -DX=1",
                true,
            ),
            (Folder::Fresh, vec!["X=1".to_string()], "fresh -DX=1", false),
            (Folder::Cached, vec![], "cached", false),
        ] {
            let node = JobNode {
                stage: Some(crate::jobs::cmake::Step::Configure.stage()),
                ..JobNode::from(("p".to_string(), crate::jobs::cmake::KIND))
            };
            let mut model = Model::new(vec![node], 1, Instant::now());
            let run = runs(&model.start())[0];
            start(&mut model, run, 0);
            let prepared = Preparation {
                folder,
                options,
                not_seeded: None,
            }
            .detail();
            send(&mut model, run, EventKind::Detail(prepared));
            finish(&mut model, run, Duration::from_millis(5));
            let json = model.record(JobId(0)).event_json("finished");
            assert_eq!(json["seeded"], seeded, "{detail}");
            assert_eq!(json["detail"], detail);
        }
    }
}
