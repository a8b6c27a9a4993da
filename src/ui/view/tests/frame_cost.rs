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
    let took = |what: &mut dyn FnMut()| {
        let mut times: Vec<Duration> = (0..21)
            .map(|_| {
                let at = Instant::now();
                what();
                at.elapsed()
            })
            .collect();
        times.sort();
        times[times.len() / 2]
    };
    let counts = took(&mut || {
        std::hint::black_box(model.counts());
    });
    let progress = took(&mut || {
        std::hint::black_box(model.progress());
    });
    let frame = took(&mut || {
        terminal.draw(|f| render(&model, f)).unwrap();
    });
    eprintln!(
        "row {} bytes; medians of 21: counts {counts:?}, progress (counts + estimate) \
         {progress:?}, whole frame {frame:?}",
        std::mem::size_of::<JobRow>()
    );
}
