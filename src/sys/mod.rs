//! Operating-system helpers the other layers share: stop and suspend signals, the limit on
//! open files, opening files that must be regular files, start-up checks of paths, and text
//! made safe for a terminal.

pub mod limits;
pub(crate) mod path_checks;
pub mod regular_file;
pub mod signals;
pub mod text;
