//! The files a session keeps under `<build-root>/.jobdeck`: the run history every later
//! session reads, and the lock that keeps one jobdeck per build root.

pub mod history;
pub mod lock;
