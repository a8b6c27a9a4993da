//! The sweep's screen: measured speed-up per worker count against the ideal line and the
//! Amdahl fit, drawn with ratatui's `Chart`, and the figures of each point below it. Like
//! every view it draws from data alone: the finished [`Sweep`].

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};

use crate::sweep::{Point, Sweep, fit};
use crate::ui::theme::Theme;

/// Rows the figures below the chart take at most: one per point, the fit, the contest.
const MAX_FIGURE_ROWS: usize = 8;

/// Draws the sweep on the whole frame.
pub fn render(sweep: &Sweep, theme: Theme, frame: &mut Frame) {
    let figures = figure_lines(sweep, theme);
    let rows = u16::try_from(figures.len().min(MAX_FIGURE_ROWS)).unwrap_or(0);
    let [header, chart, below, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(rows),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(
        Paragraph::new(" jobdeck sweep: speed-up against workers").style(theme.brand()),
        header,
    );
    render_chart(sweep, theme, frame, chart);
    frame.render_widget(Paragraph::new(figures), below);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" q", theme.key()),
            Span::styled(" quit (the figures are printed again)", theme.hint()),
        ])),
        footer,
    );
}

#[expect(
    clippy::cast_precision_loss,
    reason = "worker counts are far below 2^52"
)]
fn render_chart(sweep: &Sweep, theme: Theme, frame: &mut Frame, area: Rect) {
    let most = sweep
        .points
        .iter()
        .map(|p| p.workers)
        .max()
        .unwrap_or(1)
        .max(2) as f64;
    // A point whose jobs failed is drawn apart, in its own glyph and colour: its speed-up
    // is not the work's.
    let (failed, measured): (Vec<&Point>, Vec<&Point>) = sweep
        .points
        .iter()
        .partition(|point| point.unsuccessful > 0);
    let xy = |points: Vec<&Point>| -> Vec<(f64, f64)> {
        points
            .iter()
            .map(|point| (point.workers as f64, point.speedup))
            .collect()
    };
    let (failed, measured) = (xy(failed), xy(measured));
    let top = measured
        .iter()
        .chain(&failed)
        .map(|&(_, speedup)| speedup)
        .fold(most, f64::max)
        .ceil();
    let ideal = [(1.0, 1.0), (most, most)];
    // The fit as a curve: enough samples for a smooth line in braille at any width.
    let fitted: Vec<(f64, f64)> = sweep
        .serial_fraction
        .map(|serial| {
            (0..=60)
                .map(|step| 1.0 + (most - 1.0) * f64::from(step) / 60.0)
                .map(|workers| (workers, fit::amdahl(serial, workers)))
                .collect()
        })
        .unwrap_or_default();
    let fit_name = sweep.serial_fraction.map_or_else(
        || format!("Amdahl fit: needs {}+ points", fit::MIN_FIT_POINTS),
        |serial| format!("Amdahl, serial {serial:.3}"),
    );
    let mut datasets = vec![
        Dataset::default()
            .name("ideal")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.ideal())
            .data(&ideal),
        Dataset::default()
            .name(fit_name)
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.fitted())
            .data(&fitted),
        Dataset::default()
            .name("measured")
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(theme.measured())
            .data(&measured),
    ];
    if !failed.is_empty() {
        datasets.push(
            Dataset::default()
                .name("jobs failed")
                .marker(Marker::Block)
                .graph_type(GraphType::Scatter)
                .style(theme.error_text())
                .data(&failed),
        );
    }
    let label = |value: f64| Span::raw(format!("{value:.0}"));
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .title("workers")
                .bounds([0.0, most])
                .labels([label(0.0), label(most / 2.0), label(most)]),
        )
        .y_axis(
            Axis::default()
                .title("speed-up")
                .bounds([0.0, top])
                .labels([label(0.0), label(top / 2.0), label(top)]),
        )
        .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)));
    frame.render_widget(chart, area);
}

/// The figures under the chart, each within 80 columns.
fn figure_lines(sweep: &Sweep, theme: Theme) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = sweep
        .points
        .iter()
        .map(|point| point_line(point, theme))
        .collect();
    if let (Some(serial), Some((workers, speedup))) = (sweep.serial_fraction, sweep.claim()) {
        lines.push(Line::from(format!(
            " serial fraction {serial:.3}: {speedup:.1}x at -j{workers}, the most it tells \
             ({} cores)",
            sweep.cores
        )));
    }
    if let Some(why) = &sweep.stopped {
        lines.push(Line::from(format!(" stopped early: {why}")));
    }
    match &sweep.nice {
        Some(Ok(contest)) => {
            let [own, niced] = contest.groups;
            lines.push(Line::from(format!(
                " on CPU {}: nice {} got {:.0}% (weights: {:.0}%), nice {} got {:.0}% ({:.0}%)",
                contest.cpu,
                own.nice,
                own.share * 100.0,
                own.expected * 100.0,
                niced.nice,
                niced.share * 100.0,
                niced.expected * 100.0
            )));
        }
        Some(Err(err)) => lines.push(Line::from(format!(" nice: {err}"))),
        None => {}
    }
    if lines.len() > MAX_FIGURE_ROWS {
        // The fit and the contest matter more than the middle points.
        let cut = lines.len() - MAX_FIGURE_ROWS;
        lines.drain(1..=cut);
    }
    lines
}

/// A point's figures; a point whose jobs did not all succeed says so after them (its
/// speed-up is not the work's), in the error colour and in words.
fn point_line(point: &Point, theme: Theme) -> Line<'static> {
    let cores = |cores: Option<f64>| cores.map_or_else(|| "-".to_string(), |c| format!("{c:.2}"));
    let load = crate::sweep::lines::load(point.load);
    let figures = format!(
        " -j{:<3} {:>7.2}s  {:.2}x  eff {:>3.0}%  ",
        point.workers,
        point.wall.as_secs_f64(),
        point.speedup,
        point.efficiency * 100.0,
    );
    if point.unsuccessful == 0 {
        return Line::from(format!(
            "{figures}cores: threads {} processes {}  load {load}",
            cores(point.thread_cores),
            cores(point.process_cores),
        ));
    }
    // The cores make way for the failure: the line keeps within 80 columns.
    Line::from(vec![
        Span::raw(format!("{figures}load {load}  ")),
        Span::styled(
            format!("{} of {} jobs failed", point.unsuccessful, point.jobs),
            theme.error_text(),
        ),
    ])
}
