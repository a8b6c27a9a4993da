//! The two drawn parts of the HTML report: the per-worker timeline as SVG (one lane per
//! worker, one bar per run, coloured by outcome as the TUI's timeline is), and the table of
//! every job, whose cells carry the values the script sorts by.

use std::fmt::Write as _;
use std::time::Duration;

use super::{JobReport, escape_attribute, escape_markup as esc};
use crate::app::{JobState, Model};

/// The drawing's width in SVG units (it scales to the page).
const WIDTH: f64 = 1000.0;
/// Room for the lane names at the left.
const LABELS: f64 = 90.0;
/// One lane's height, and the gap inside it.
const LANE: f64 = 24.0;
const GAP: f64 = 4.0;
/// Room for the time axis at the bottom.
const AXIS: f64 = 22.0;

/// The timeline of every finished run, as an inline SVG element.
pub fn timeline_svg(model: &Model) -> String {
    let spans = &model.activity.spans;
    if spans.is_empty() {
        return "<p class=\"none\">No run started.</p>\n".to_string();
    }
    let mut lanes: Vec<usize> = spans.iter().map(|s| s.worker.0).collect();
    lanes.sort_unstable();
    lanes.dedup();
    let end = spans
        .iter()
        .map(|s| s.end)
        .max()
        .unwrap_or_default()
        .max(Duration::from_millis(1));
    let total = end.as_secs_f64();
    let scale = (WIDTH - LABELS - 10.0) / total;
    #[expect(clippy::cast_precision_loss, reason = "a lane count is far below 2^52")]
    let height = lanes.len() as f64 * LANE + AXIS;
    let mut svg = format!(
        "<svg class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-label=\"runs per worker over time\" xmlns=\"http://www.w3.org/2000/svg\">\n"
    );
    for (row, lane) in lanes.iter().enumerate() {
        #[expect(clippy::cast_precision_loss, reason = "a lane index is small")]
        let y = row as f64 * LANE;
        let _ = writeln!(
            svg,
            "<rect class=\"lane\" x=\"{LABELS}\" y=\"{y}\" width=\"{:.1}\" height=\"{LANE}\"/>\
             <text class=\"lane-name\" x=\"4\" y=\"{:.1}\">worker {}</text>",
            WIDTH - LABELS - 10.0,
            y + LANE / 2.0 + 4.0,
            lane + 1
        );
    }
    // The grid first, so the runs are drawn over it.
    #[expect(clippy::cast_precision_loss, reason = "a lane count is small")]
    let axis_y = lanes.len() as f64 * LANE + 15.0;
    let step = tick_step(total);
    let mut tick = 0.0;
    while tick <= total + 1e-9 {
        let x = LABELS + tick * scale;
        let _ = writeln!(
            svg,
            "<line class=\"tick\" x1=\"{x:.2}\" x2=\"{x:.2}\" y1=\"0\" y2=\"{:.1}\"/>\
             <text class=\"tick-label\" x=\"{x:.2}\" y=\"{axis_y:.1}\">{}</text>",
            axis_y - 12.0,
            tick_label(tick, step)
        );
        tick += step;
    }
    for span in spans {
        let Some(row) = lanes.iter().position(|&l| l == span.worker.0) else {
            continue;
        };
        #[expect(clippy::cast_precision_loss, reason = "a lane index is small")]
        let y = row as f64 * LANE + GAP / 2.0;
        let x = LABELS + span.start.as_secs_f64() * scale;
        let width = (span.end.saturating_sub(span.start).as_secs_f64() * scale).max(1.0);
        let row_of_job = model.job(span.job);
        let state = span.state.word();
        let _ = writeln!(
            svg,
            "<rect class=\"run {state}\" x=\"{x:.2}\" y=\"{y:.1}\" width=\"{width:.2}\" \
             height=\"{:.1}\"><title>{} · {state} · {:.2} s</title></rect>",
            LANE - GAP,
            esc(&row_of_job.label()),
            span.end.saturating_sub(span.start).as_secs_f64()
        );
    }
    svg.push_str("</svg>\n");
    svg.push_str(
        "<p class=\"legend\"><span class=\"key ok\"></span>ok <span class=\"key failed\">\
         </span>failed <span class=\"key timeout\"></span>timeout <span class=\"key \
         cancelled\"></span>cancelled</p>\n",
    );
    svg
}

/// A round step between axis ticks giving about eight ticks over `total` seconds.
fn tick_step(total: f64) -> f64 {
    let rough = total / 8.0;
    [
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0,
    ]
    .into_iter()
    .chain([60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0])
    .find(|&step| step >= rough)
    .unwrap_or_else(|| (rough / 3600.0).ceil() * 3600.0)
}

fn tick_label(seconds: f64, step: f64) -> String {
    if step < 0.01 {
        format!("{seconds:.3}s")
    } else if step < 0.1 {
        format!("{seconds:.2}s")
    } else if step < 1.0 {
        format!("{seconds:.1}s")
    } else if step < 60.0 {
        format!("{seconds:.0}s")
    } else {
        format!("{:.0}m", seconds / 60.0)
    }
}

/// Where a state sorts in the table: the ones that need attention first.
fn state_rank(state: JobState) -> usize {
    match state {
        JobState::Failed => 0,
        JobState::Timeout => 1,
        JobState::Cancelled => 2,
        JobState::Skipped => 3,
        JobState::Flaky => 5,
        JobState::Ok => 6,
        _ => 4,
    }
}

/// The table of every job. Each sortable cell has `data-v`, the value the script sorts by
/// (numbers as numbers), so what is shown can be formatted freely.
pub fn job_table(jobs: &[JobReport]) -> String {
    let mut html = String::from(
        "<table id=\"job-table\" class=\"jobs\">\n<thead><tr>\
         <th data-type=\"num\" title=\"sort\">#</th>\
         <th data-type=\"text\" title=\"sort\">job</th>\
         <th data-type=\"num\" title=\"sort\">stage</th>\
         <th data-type=\"num\" title=\"sort\">status</th>\
         <th data-type=\"num\" title=\"sort\">worker</th>\
         <th data-type=\"num\" title=\"sort\">time</th>\
         <th data-type=\"num\" title=\"sort\">cpu</th>\
         <th data-type=\"num\" title=\"sort\">run</th>\
         <th data-type=\"text\" title=\"sort\">detail or error</th>\
         </tr></thead>\n<tbody>\n",
    );
    for (index, job) in jobs.iter().enumerate() {
        let record = &job.record;
        let stage_word = record.stage.map_or("", crate::jobs::Stage::as_str);
        let stage_rank = record.stage.map_or(0, |s| usize::from(s.index()) + 1);
        let state = record.state.word();
        // A run that only warns keeps its word, in the warning's colour, not a failure's.
        let badge = if record.only_warns() { "warned" } else { state };
        let worker = record.worker.map(|w| w.0 + 1);
        let seconds = record.elapsed.map(|d| d.as_secs_f64());
        let cpu = record.cpu.map(|d| d.as_secs_f64());
        let note = match (&record.error, &record.detail) {
            (Some(error), _) => error.clone(),
            (None, Some(detail)) => detail.to_string(),
            (None, None) => String::new(),
        };
        let number = |value: Option<f64>, shown: String| match value {
            Some(v) => format!("<td class=\"num\" data-v=\"{v}\">{shown}</td>"),
            None => "<td class=\"num\" data-v=\"-1\"></td>".to_string(),
        };
        let _ = writeln!(
            html,
            "<tr><td class=\"num\" data-v=\"{index}\">{}</td><td data-v=\"{}\">{}</td>\
             <td data-v=\"{stage_rank}\">{stage_word}</td>\
             <td data-v=\"{}\"><span class=\"status {badge}\">{state}</span></td>{}{}{}\
             <td class=\"num\" data-v=\"{}\">{}</td><td class=\"note\">{}</td></tr>",
            index + 1,
            escape_attribute(&record.name),
            esc(&record.name),
            state_rank(record.state),
            number(
                worker.and_then(|w| u32::try_from(w).ok()).map(f64::from),
                worker.map_or(String::new(), |w| w.to_string())
            ),
            number(
                seconds,
                seconds.map_or(String::new(), |s| format!("{s:.2} s"))
            ),
            number(cpu, cpu.map_or(String::new(), |s| format!("{s:.2} s"))),
            record.attempt,
            record.attempt,
            esc(&note)
        );
    }
    html.push_str("</tbody>\n</table>\n");
    html
}
