//! Operating-system helpers the other layers share: stop and suspend signals, opening files
//! that must be regular files, start-up checks of paths, and text made safe for a terminal.

pub(crate) mod path_checks;
pub mod regular_file;
pub mod signals;
pub mod text;
