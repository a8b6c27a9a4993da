//! `update`: the one way the model changes. It hands each message to the part it concerns
//! and coordinates the parts (a run's end frees its dependants, is counted, moves the view).

use std::time::Instant;

use super::{Effect, JobState, Model, Msg, News};
use crate::engine::{EngineEvent, EventKind, JobId, Outcome};

/// Applies one message and returns what the loop must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let effects = apply(model, msg);
    model.scheduler.prune_ready();
    let has_ended = model.scheduler.is_drained();
    model.activity.note_work_end(has_ended, model.now);
    model.keep_estimate();
    model.keep_timeline();
    effects
}

fn apply(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            let second = |at: Instant| at.saturating_duration_since(model.started_at).as_secs();
            // While idle only the header's clock changes: redraw when its second turns.
            let clock_moved = second(now) != second(model.now);
            model.now = now;
            // Every active row has a run in flight, so this is O(1) where scanning the rows
            // would cost a pass over 10,000 of them on every loop turn.
            if model.runs_in_flight() > 0 || model.ui.overlay.question().is_some() || clock_moved {
                model.dirty = true;
            }
            model.resort_if_stale();
            model.end_loans_past()
        }
        Msg::Engine(event) => model.on_engine_event(event),
        Msg::Viewport(viewport) => {
            model.set_viewport(viewport);
            Vec::new()
        }
        Msg::Resized => {
            model.dirty = true;
            Vec::new()
        }
        Msg::Drawn => {
            model.dirty = false;
            Vec::new()
        }
        Msg::Notice(text) => {
            model.ui.notice = Some(text);
            model.dirty = true;
            Vec::new()
        }
        Msg::SourceChanged(folder) => model.on_source_changed(&folder),
        Msg::WatchedFilesChanged(jobs) => model.on_watched_files_changed(&jobs),
        Msg::WatchFailed(error) => {
            // Nothing is watched: the header must not say WATCH, and a headless session
            // must not wait for changes that will never be reported.
            model.watching = false;
            model.ui.notice = Some(error);
            model.dirty = true;
            Vec::new()
        }
        Msg::PoolShort { workers, error } => {
            model.ui.notice = Some(format!("{error}; {workers} workers"));
            model.dirty = true;
            model.pool_short(workers);
            Vec::new()
        }
        Msg::Action(action) => {
            model.dirty = true;
            // A key answers the last notice.
            model.ui.notice = None;
            model.on_action(action)
        }
    }
}

impl Model {
    fn on_engine_event(&mut self, event: EngineEvent) -> Vec<Effect> {
        self.settle_clock();
        let EngineEvent { job, run, kind } = event;
        if !matches!(kind, EventKind::Progress { .. } | EventKind::Output { .. }) {
            // Picked up, ended or taken back: no longer on deck either way.
            self.scheduler.started(run);
        }
        let is_current = self.scheduler.is_current(job, run);
        if matches!(kind, EventKind::Withdrawn) {
            let back_in_line = is_current && self.job(job).state == JobState::Dispatched;
            if let Some(run) = self.scheduler.withdrawn(job, run, back_in_line) {
                let mut row = self.row_mut(job);
                row.state = JobState::Queued;
                row.run = run;
                row.waiting_for_memory = false;
                drop(row);
                self.dirty = true;
            }
            let mut effects = self.cancel_if_fast_withdrawn(job, run);
            effects.extend(self.dispatch_or_exit());
            return effects;
        }
        match &kind {
            EventKind::Started { worker } => {
                self.scheduler.no_longer_waiting(run);
                self.activity.started(*worker, job, run, self.now);
            }
            EventKind::WaitingForMemory => self.scheduler.waits_for_memory(run),
            EventKind::DependantsWaitOutside if is_current => {
                for dependant in self.scheduler.dependants(job).to_vec() {
                    self.scheduler.hurry(dependant);
                }
            }
            _ => {}
        }
        let mut skipped = Vec::new();
        let mut retry = None;
        if let EventKind::Finished(finished) = &kind {
            let succeeded = matches!(finished.outcome, Outcome::Succeeded);
            if is_current && !self.quitting && self.job(job).is_retried_after(finished) {
                retry = Some(self.scheduler.retry(job, run));
            } else {
                skipped = self.scheduler.finished(job, run, succeeded).skipped;
            }
            let state = JobState::from_outcome(&finished.outcome);
            let (elapsed, cpu) = (finished.elapsed, finished.cpu);
            self.activity.finished(run, elapsed, cpu, state, self.now);
        }
        let mut effects = Vec::new();
        if is_current {
            self.dirty = true;
            let started = matches!(kind, EventKind::Started { .. });
            let finished = matches!(kind, EventKind::Finished(_));
            match (retry, kind) {
                (Some(next), EventKind::Finished(failed)) => {
                    let worker = self.job(job).worker;
                    self.row_mut(job).retry(next, failed);
                    self.report_retried(job, run, worker);
                    self.note_row_changed(job.0 as usize);
                    self.follow_running();
                    return self.dispatch_or_exit();
                }
                (_, kind) => {
                    let output = matches!(kind, EventKind::Output { .. });
                    self.apply_current_run_event(job, kind);
                    if output {
                        self.keep_loan(job);
                    }
                }
            }
            if started {
                let record = self.record(job);
                self.news.push(News::Started(record));
            }
            if finished {
                self.report_finished(job);
                self.mark_skipped(skipped);
                effects.extend(self.fail_fast_after(job));
            }
            self.note_row_changed(job.0 as usize);
            if started || finished {
                self.follow_running();
            }
        }
        effects.extend(self.dispatch_or_exit());
        effects
    }

    /// After a run left the engine: the next runs, or the exit a quit was waiting for.
    fn dispatch_or_exit(&mut self) -> Vec<Effect> {
        let mut effects = self.dispatch();
        if self.quitting && self.runs_in_flight() == 0 {
            effects.push(Effect::Exit);
        }
        effects
    }

    fn apply_current_run_event(&mut self, job: JobId, kind: EventKind) {
        let now = self.now;
        if let EventKind::Part(part) = kind {
            let provisional = part.provisional;
            let ended = super::parts::apply(&mut self.row_mut(job).extra_mut().parts, part, now);
            if let Some(ended) = ended
                && !provisional
            {
                let record = self.record(job);
                self.news.push(News::PartFinished(record, ended));
            }
            return;
        }
        let mut row = self.row_mut(job);
        match kind {
            EventKind::Started { worker } => {
                if row.state == JobState::Dispatched {
                    row.state = JobState::Running;
                }
                row.worker = Some(worker);
                row.started_at = Some(now);
                // A run of some parts only (`r` on a test's row) updates their rows and
                // leaves the others as the last whole run left them.
                if let Some(extra) = row.extra.as_mut().filter(|e| e.only_parts.is_empty()) {
                    extra.parts.clear();
                }
                row.waiting_for_memory = false;
                if let Some(extra) = row.extra.as_mut() {
                    extra.announced_end = None;
                    extra.parts_planned = None;
                }
            }
            EventKind::Progress { done, total } => row.extra_mut().progress = Some((done, total)),
            EventKind::Detail(detail) => row.extra_mut().detail = Some(detail),
            EventKind::PartsPlanned(count) => row.extra_mut().parts_planned = Some(count),
            EventKind::Output { lines, skipped } => {
                row.hear_announced_wait(&lines, now);
                row.output.push(lines, skipped);
            }
            // Kept apart from the output, so the log pane shows it at its top however much
            // output follows. A probe's own cmake runs are not the run's command: they are
            // never announced as one.
            EventKind::Command(line) => row.command = Some(line.into_boxed_str()),
            // Handled before the row is touched: it only puts the job back in line; a part's
            // event, before the row is borrowed, since its end is news.
            EventKind::Withdrawn | EventKind::Part(_) | EventKind::DependantsWaitOutside => {}
            EventKind::WaitingForMemory => row.waiting_for_memory = true,
            EventKind::Slots(count) => {
                row.compilers = Some(u32::try_from(count).unwrap_or(u32::MAX));
            }
            EventKind::Finished(finished) => row.finish(finished),
        }
    }
}
