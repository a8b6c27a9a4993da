//! Proof that the job-kind traits are enough: a kind defined here, in the test, runs through
//! the real planner's session, runner, model and reporters, with nothing changed outside
//! this file. If this test needs an edit in `src/` to add a kind, the boundary leaks.

mod common;

use std::any::Any;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use clap::Parser;
use common::TempDir;
use jobdeck::app::{JobState, Model, RunRecord};
use jobdeck::engine::{Report, RunCtx};
use jobdeck::jobs::{Job, JobKind, JobSpec, Kind, Tone, Work};
use jobdeck::session::{End, Event, Problem, Reporter, Session, Unattended};

/// A kind whose jobs add numbers on jobdeck's own threads; a sum that overflows fails.
struct Adding;

const ADDING: JobKind = JobKind::of(&Adding);

impl Kind for Adding {
    fn word(&self) -> &'static str {
        "adding"
    }

    fn runs_processes(&self) -> bool {
        false
    }

    fn cause_family(&self, message: &str) -> Option<String> {
        message.contains("overflow").then(|| "overflow".to_string())
    }

    fn tone(&self, line: &str) -> Tone {
        if line.starts_with("overflow") {
            Tone::Error
        } else {
            Tone::Plain
        }
    }
}

/// A helper kind whose failure fails nothing, as the toolchain probe's.
struct Helping;

const HELPING: JobKind = JobKind::of(&Helping);

impl Kind for Helping {
    fn word(&self) -> &'static str {
        "helping"
    }

    fn runs_processes(&self) -> bool {
        false
    }

    fn failure_fails_session(&self) -> bool {
        false
    }
}

#[derive(Debug)]
struct Sum {
    kind: JobKind,
    numbers: Vec<u8>,
    log: PathBuf,
}

impl Work for Sum {
    fn kind(&self) -> JobKind {
        self.kind
    }

    fn log(&self) -> &Path {
        &self.log
    }

    fn run(&self, ctx: &mut RunCtx) -> Report {
        let sum = self
            .numbers
            .iter()
            .try_fold(0_u8, |sum, &n| sum.checked_add(n));
        match sum {
            Some(sum) => {
                ctx.detail(format!("sum {sum}"));
                Report::new(jobdeck::engine::Outcome::Succeeded)
            }
            None => Report::failure(format!("overflow adding {:?}", self.numbers)),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Keeps every finished run's record.
struct Keep(Rc<RefCell<Vec<RunRecord>>>);

impl Reporter for Keep {
    fn report(&mut self, event: &Event<'_>, _: &Model) -> Result<(), Problem> {
        if let Event::RunFinished(record) = event {
            self.0.borrow_mut().push((*record).clone());
        }
        Ok(())
    }
}

#[test]
fn a_kind_defined_in_a_test_runs_through_the_real_session() {
    let tmp = TempDir::new("kind-plugin");
    let root = tmp.path().to_str().expect("UTF-8");
    let args =
        jobdeck::plan::cli::Args::parse_from(["jobdeck", "--demo", "--no-cmake", "-B", root]);
    let mut plan = jobdeck::plan::plan(&args.request(Vec::new())).expect("a plan");
    let job = |name: &str, kind, numbers: Vec<u8>| Job {
        name: name.to_string(),
        spec: JobSpec::new(Sum {
            kind,
            numbers,
            log: tmp.join(format!("{name}.log")),
        }),
        deps: Vec::new(),
        after: Vec::new(),
    };
    plan.jobs = vec![
        job("small", ADDING, vec![1, 2, 3]),
        job("big", ADDING, vec![200, 100]),
        job("bigger", ADDING, vec![250, 250]),
        job("helper", HELPING, vec![255, 1]),
    ];
    plan.expected = vec![None; plan.jobs.len()];
    plan.words_folders.clear();
    let session = Session::start(plan).expect("a session");
    let kept = Rc::new(RefCell::new(Vec::new()));
    let (_signals_tx, signals) = crossbeam_channel::unbounded();
    let end = session
        .run(Unattended, vec![Box::new(Keep(Rc::clone(&kept)))], &signals)
        .expect("the session runs");

    let records = kept.borrow();
    let state = |name: &str| {
        records
            .iter()
            .find(|record| record.name == name)
            .map(|record| (record.kind.as_str(), record.state))
    };
    assert_eq!(state("small"), Some(("adding", JobState::Ok)));
    assert_eq!(state("big"), Some(("adding", JobState::Failed)));
    assert_eq!(state("helper"), Some(("helping", JobState::Failed)));
    let small = records.iter().find(|r| r.name == "small").expect("small");
    let json = small.event_json("finished");
    assert_eq!(json["kind"], "adding");
    assert_eq!(json["detail"], "sum 6");
    assert_eq!(
        json["seeded"],
        serde_json::Value::Null,
        "the kind seeds nothing"
    );
    let big = records.iter().find(|r| r.name == "big").expect("big");
    assert_eq!(big.cause.as_deref(), Some("overflow"), "the kind's family");
    // Two of the kind's own jobs failed: the session did; the helper's failure alone would
    // not have.
    assert_eq!(end, End::SomeUnsuccessful);
    assert_eq!(ADDING.tone("overflow adding"), Tone::Error);
    assert!(
        JobKind::from_word("adding").is_none(),
        "not registered, still runs"
    );
}
