//! What a frame of 100,000 rows costs, printed, not asserted (timings are noisy): the figures
//! docs/performance.md gives for the live table's frame, and for the frames with the causes
//! panel or the timeline open, by `cargo test --release --lib frame_cost -- --ignored
//! --nocapture`.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render;
use crate::app::tests::{finish, runs, send, start};
use crate::app::{Action, CauseAction, JobRow, Model, Msg, UiAction, update};
use crate::engine::{EventKind, Finished, Outcome};

#[test]
#[ignore = "a measurement, run by hand"]
fn frame_cost_of_100_000_rows() {
    let names: Vec<(String, crate::jobs::JobKind)> = (0..100_000)
        .map(|i| (format!("true {i}"), crate::jobs::pseudowords::KIND))
        .collect();
    let mut model = Model::new(names, 2, Instant::now());
    // 1,000 runs ended (the estimate has a mean to spread) and two running.
    let mut pending = runs(&model.start());
    for _ in 0..1000 {
        let run = pending.remove(0);
        start(&mut model, run, 0);
        pending.extend(runs(&finish(&mut model, run, Duration::from_millis(50))));
    }
    for run in pending {
        start(&mut model, run, 0);
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let counts = took(&mut || {
        std::hint::black_box(model.recount());
    });
    let progress = took(&mut || {
        std::hint::black_box(model.progress());
    });
    // What the model does once a second of its clock (not a frame's work any more).
    let estimate = took(&mut || {
        std::hint::black_box(model.estimate());
    });
    // The first version of the estimate, in the same binary, for a figure side by side.
    let first_estimate = took(&mut || {
        std::hint::black_box(crate::app::tests::estimate_reference::estimate(&model));
    });
    let frame = took(&mut || {
        terminal.draw(|f| render(&model, f)).unwrap();
    });
    // The frame a key of the bench draws: the help over the table (the first of these
    // draws fills the whole screen; the others only compare it).
    update(&mut model, Msg::Action(Action::Ui(UiAction::ToggleHelp)));
    let help_frame = took(&mut || {
        terminal.draw(|f| render(&model, f)).unwrap();
    });
    eprintln!(
        "row {} bytes; medians of 21, wall (on the CPU): a recount of the rows {counts}, \
         the progress as kept {progress}, the estimate made once a second {estimate}, the \
         first version's estimate {first_estimate}, whole frame {frame}, with the help \
         {help_frame}",
        std::mem::size_of::<JobRow>()
    );
}

/// 100,000 command jobs run on two workers, a millisecond each by the model's clock (so the
/// timeline holds 100,000 runs in its window), every third one failed, and two running: the
/// frame with the causes panel open, and with the timeline open.
#[test]
#[ignore = "a measurement, run by hand"]
fn frame_cost_of_panels_over_100_000_rows() {
    let names: Vec<(String, crate::jobs::JobKind)> = (0..100_000)
        .map(|i| {
            (
                format!("test $(({i} % 3)) -ne 0"),
                crate::jobs::command::KIND,
            )
        })
        .collect();
    let t0 = Instant::now();
    let mut model = Model::new(names, 2, t0);
    let mut pending = runs(&model.start());
    let mut clock = Duration::ZERO;
    while pending.len() > 2 {
        let run = pending.remove(0);
        start(&mut model, run, usize::from(run.0.0 % 2 == 1));
        clock += Duration::from_millis(1);
        update(&mut model, Msg::Tick(t0 + clock));
        let failed = run.0.0.is_multiple_of(3);
        let finished = Finished {
            outcome: if failed {
                Outcome::Failed {
                    code: Some(1),
                    signal: None,
                }
            } else {
                Outcome::Succeeded
            },
            elapsed: Duration::from_millis(1),
            cpu: None,
            error: failed.then(|| "the command exited with status 1".to_string()),
            log: None,
            diagnosis: None,
            output: None,
        };
        pending.extend(runs(&send(&mut model, run, EventKind::Finished(finished))));
    }
    for (slot, run) in pending.into_iter().enumerate() {
        start(&mut model, run, slot);
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let frame = took(&mut || {
        terminal.draw(|f| render(&model, f)).unwrap();
    });
    let causes = took(&mut || {
        std::hint::black_box(model.causes());
    });
    update(&mut model, Msg::Action(Action::Cause(CauseAction::Toggle)));
    assert_eq!(model.ui.overlay, crate::app::Overlay::Causes);
    let causes_frame = took(&mut || {
        terminal.draw(|f| render(&model, f)).unwrap();
    });
    // The key that opens and closes the panel: its update and the frame after it.
    let causes_key = took(&mut || {
        update(&mut model, Msg::Action(Action::Cause(CauseAction::Toggle)));
        terminal.draw(|f| render(&model, f)).unwrap();
    });
    update(
        &mut model,
        Msg::Action(Action::Ui(UiAction::ToggleTimeline)),
    );
    assert!(model.ui.show_timeline);
    // The regions drawn, as the loop reports them after a layout change.
    let area = ratatui::layout::Rect::new(0, 0, 120, 40);
    let regions = crate::ui::view::viewport(&crate::ui::view::layout(area, &model));
    update(&mut model, Msg::Viewport(regions));
    let timeline_frame = took(&mut || {
        terminal.draw(|f| render(&model, f)).unwrap();
    });
    eprintln!(
        "{} runs ended, {} failed; medians of 21, wall (on the CPU): the table's frame \
         {frame}, the causes with their jobs (`causes()`) {causes}, the frame with the causes panel {causes_frame}, \
         `x` and its frame {causes_key}, the frame with the timeline {timeline_frame}",
        model.activity.spans.len(),
        model.counts().failed
    );
}

/// The thread's CPU time, beside the wall clock's: on a machine shared with other work, a few
/// milliseconds of computing are often stretched by the scheduler to many more, and the wall
/// figure then says more of the load than of the frame.
fn cpu() -> Duration {
    Duration::try_from(rustix::time::clock_gettime(
        rustix::time::ClockId::ThreadCPUTime,
    ))
    .expect("a CPU time is never negative")
}

/// The median of 21 runs of `what`, on the wall clock and on the thread's CPU clock.
fn took(what: &mut dyn FnMut()) -> Figure {
    let (mut wall, mut on_cpu): (Vec<Duration>, Vec<Duration>) = (0..21)
        .map(|_| {
            let (at, cpu_at) = (Instant::now(), cpu());
            what();
            (at.elapsed(), cpu().saturating_sub(cpu_at))
        })
        .unzip();
    wall.sort();
    on_cpu.sort();
    Figure(wall[wall.len() / 2], on_cpu[on_cpu.len() / 2])
}

/// A median time on the wall clock and on the thread's CPU clock.
struct Figure(Duration, Duration);

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} ({:?})", self.0, self.1)
    }
}
