//! What a frame of 100,000 rows costs, printed, not asserted (timings are noisy): the figure
//! docs/performance.md gives for the live table's frame, by
//! `cargo test --release --lib frame_cost -- --ignored --nocapture`.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render;
use crate::app::tests::{finish, runs, start};
use crate::app::{JobRow, Model};

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
    // The thread's CPU time, beside the wall clock's: on a machine shared with other
    // work, a few milliseconds of computing are often stretched by the scheduler to many
    // more, and the wall figure then says more of the load than of the frame.
    let cpu = || {
        Duration::try_from(rustix::time::clock_gettime(
            rustix::time::ClockId::ThreadCPUTime,
        ))
        .expect("a CPU time is never negative")
    };
    let took = |what: &mut dyn FnMut()| {
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
    };
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
    let help = crate::app::Msg::Action(crate::app::Action::Ui(crate::app::UiAction::ToggleHelp));
    crate::app::update(&mut model, help);
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

/// A median time on the wall clock and on the thread's CPU clock.
struct Figure(Duration, Duration);

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} ({:?})", self.0, self.1)
    }
}
