//! jobdeck: run many jobs on a pool of worker threads, and watch and steer them live.
//!
//! Layers, with dependencies pointing one way: `engine` (threads, processes, events) ←
//! `jobs` (CMake configures, pseudoword tasks) ← `app` (the pure model) ← `ui` and
//! `headless` (the two ways of showing it), with `driver` carrying out the model's effects.

pub mod app;
pub mod cli;
pub mod demo;
pub mod driver;
pub mod engine;
pub mod headless;
pub mod history;
pub mod jobs;
pub mod lock;
mod path_checks;
pub mod plan;
pub mod progress_line;
pub mod recap;
pub mod regular_file;
pub mod session;
pub mod signals;
pub mod text;
pub mod trace;
pub mod ui;
pub mod watch;
