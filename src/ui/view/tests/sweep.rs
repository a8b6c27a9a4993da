//! The sweep's chart at 80×24: the curve, its legend, the axes and every figure fit.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::screen;
use crate::session::End;
use crate::sweep::nice::{NiceContest, NiceShare};
use crate::sweep::{Point, Sweep, fit};
use crate::ui::theme::Theme;
use crate::ui::view::sweep::render;

fn point(workers: usize, wall_ms: u64, serial: f64) -> Point {
    #[expect(clippy::cast_precision_loss, reason = "small counts")]
    let speedup = fit::amdahl(serial, workers as f64);
    Point {
        workers,
        wall: Duration::from_millis(wall_ms),
        cpu: Duration::from_secs(24),
        speedup,
        efficiency: fit::efficiency(speedup, workers),
        thread_cores: Some(0.97 * speedup),
        process_cores: Some(0.9 * speedup),
        load: Some(9.1),
        end: End::AllSucceeded,
        jobs: 8,
        unsuccessful: 0,
    }
}

fn sweep() -> Sweep {
    let points = vec![
        point(1, 24_000, 0.1),
        point(2, 13_200, 0.1),
        point(4, 8_400, 0.1),
    ];
    let share = |nice, share, expected| NiceShare {
        nice,
        cpu: Duration::from_secs(2),
        share,
        expected,
    };
    Sweep {
        serial_fraction: Some(0.1),
        cores: 2,
        points,
        nice: Some(Ok(NiceContest {
            cpu: 0,
            window: Duration::from_secs(2),
            groups: [share(0, 0.9, 0.903), share(10, 0.1, 0.097)],
        })),
        stopped: None,
        cut_short: None,
    }
}

#[test]
fn the_chart_and_its_figures_fit_80_by_24() {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test backend");
    let sweep = sweep();
    terminal
        .draw(|frame| render(&sweep, Theme::new(true), frame))
        .expect("draw");
    let lines = screen(&terminal);
    let text = lines.join("\n");
    assert!(
        lines[0].starts_with(" jobdeck sweep: speed-up against workers"),
        "{text}"
    );
    for expected in [
        "ideal",
        "Amdahl, serial 0.100",
        "measured",
        "workers",
        "speed-up",
        // The machine's load beside each point (issue 32 item 5).
        " -j1     24.00s  1.00x  eff 100%  cores: threads 0.97 processes 0.90  load 9.10",
        " -j4      8.40s  3.08x  eff  77%  cores: threads 2.98 processes 2.77  load 9.10",
        // No limit claimed past the cores (2 here) or the points: not `at most 10.0x with
        // any number of workers`.
        " serial fraction 0.100: 1.8x at -j2, the most it tells (2 cores)",
        " on CPU 0: nice 0 got 90% (weights: 90%), nice 10 got 10% (10%)",
        " q quit",
    ] {
        assert!(text.contains(expected), "missing `{expected}`:\n{text}");
    }
    // The curve itself: braille dots of the lines and the measured points inside the chart.
    let plotted = lines[1..17]
        .iter()
        .flat_map(|line| line.chars())
        .filter(|&c| ('\u{2801}'..='\u{28ff}').contains(&c) || c == '•')
        .count();
    assert!(plotted > 20, "{text}");
}

#[test]
fn a_sweep_of_one_point_and_tiny_screens_draw_without_panicking() {
    let mut one = sweep();
    one.points.truncate(1);
    one.serial_fraction = None;
    one.nice = Some(Err("cannot pin: Operation not permitted".to_string()));
    for (width, height) in [(80, 24), (20, 5), (1, 1)] {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("backend");
        terminal
            .draw(|frame| render(&one, Theme::new(false), frame))
            .expect("draw");
    }
}

/// `--sweep` printed a failed point's speed-up as any other's: its figures now say that jobs
/// failed, within 80 columns, and the chart draws it apart.
#[test]
fn a_point_whose_jobs_failed_says_so_beside_its_figures_and_in_the_chart() {
    let mut sweep = sweep();
    sweep.points[1].end = End::SomeUnsuccessful;
    sweep.points[1].unsuccessful = 3;
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test backend");
    terminal
        .draw(|frame| render(&sweep, Theme::new(true), frame))
        .expect("draw");
    let text = screen(&terminal).join("\n");
    for expected in [
        " -j2     13.20s  1.82x  eff  91%  load 9.10  3 of 8 jobs failed",
        " -j4      8.40s  3.08x  eff  77%  cores: threads 2.98 processes 2.77  load 9.10",
    ] {
        assert!(text.contains(expected), "missing `{expected}`:\n{text}");
    }
    // Drawn apart: its own entry in the legend and its own glyph, not the measured `•`.
    assert!(text.contains("│jobs failed"), "{text}");
    assert_eq!(text.matches('█').count(), 1, "{text}");
}
