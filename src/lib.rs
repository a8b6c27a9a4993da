//! jobdeck: run many jobs on a pool of worker threads, and watch and steer them live.
//!
//! Layers, with dependencies pointing one way: `engine` (threads, processes, events) ←
//! `jobs` (CMake configures, pseudoword tasks) ← `app` (the pure model) ← `session` (the one
//! runner loop and its reporters, with `driver` carrying out the model's engine effects) ←
//! `ui` and `headless` (the two front ends: which reporters, and who is at the keyboard).

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
pub mod regular_file;
pub mod session;
pub mod signals;
pub mod text;
pub mod ui;
pub mod watch;
