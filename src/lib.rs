//! jobdeck: run many jobs on a pool of worker threads, and watch and steer them live.
//!
//! The folders, with dependencies pointing one way:
//!
//! - `engine`: threads, processes, cancellation and the typed events a run sends;
//! - `jobs`: the job kinds (CMake stages, pseudoword tasks) behind one `JobSpec`;
//! - `app`: the pure model (scheduler, rows, statistics, view state) and its `update`;
//! - `plan`: the command line as plain data (`PlanRequest`) and the job graph made from it;
//! - `session`: the one runner loop, the driver that carries out the model's engine effects,
//!   the watch, and the reporters every output is (lines, JSON, history, trace, recap);
//! - `records`: the files a session keeps under `<build-root>/.jobdeck` (history, lock);
//! - `sys`: operating-system helpers (signals, safe opening of files, path checks, text safe
//!   for a terminal);
//! - `sweep`: `--sweep`, the same work as a sequence of sessions at several worker counts,
//!   and the speed-up curve with Amdahl's law fitted to it;
//! - `ui` and `headless`: the two front ends (which reporters, and who is at the keyboard).

pub mod app;
pub mod engine;
pub mod headless;
pub mod jobs;
pub mod plan;
pub mod records;
pub mod session;
pub mod sweep;
pub mod sys;
pub mod ui;
