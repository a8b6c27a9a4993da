//! How a configure's build folder was prepared before cmake ran: the words of its detail
//! (`cached`, `fresh`, `seeded`, with its options) and whether it was seeded.

use crate::engine::Detail;

/// A configure's build folder as cmake found it, and the project's own `-D` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preparation {
    /// What the folder held (or was given) before cmake ran.
    pub folder: Folder,
    /// The project's own options (`VAR=VALUE`), after the session's.
    pub options: Vec<String>,
    /// Why a fresh folder was not seeded, when jobdeck tried to and cmake said no.
    pub not_seeded: Option<NotSeeded>,
}

/// Why a fresh build folder ended unseeded although the probe had a seed for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSeeded {
    /// cmake found, where its compiler detection starts, a state other than the probe's: a
    /// compiler, toolchain file, search path, system or environment chosen by the project,
    /// its options or its environment. The folder was configured again without a seed.
    ToolchainDiffers,
}

impl NotSeeded {
    /// The words shown after `fresh` (detail column, JSON `detail`).
    pub fn as_str(self) -> &'static str {
        match self {
            NotSeeded::ToolchainDiffers => "toolchain chosen by the project",
        }
    }
}

/// What a configure's build folder held before cmake ran: the words of the detail column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// No cache: cmake detects the toolchain itself.
    Fresh,
    /// A cache from an earlier configure.
    Cached,
    /// No cache, but seeded with the toolchain probe's detection.
    Seeded,
}

impl Folder {
    /// The word of the public contract (detail column, JSON `detail`).
    pub fn as_str(self) -> &'static str {
        match self {
            Folder::Fresh => "fresh",
            Folder::Cached => "cached",
            Folder::Seeded => "seeded",
        }
    }
}

impl std::fmt::Display for Preparation {
    /// `seeded`, or with options `seeded -DX=1 -DY=2`; a folder cmake would not let be
    /// seeded says why: `fresh (toolchain chosen by the project)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.folder.as_str())?;
        if let Some(why) = self.not_seeded {
            write!(f, " ({})", why.as_str())?;
        }
        for option in &self.options {
            write!(f, " -D{option}")?;
        }
        Ok(())
    }
}

impl Preparation {
    /// The detail a configure reports.
    pub fn detail(&self) -> Detail {
        Detail {
            text: self.to_string(),
            seeded: self.folder == Folder::Seeded,
        }
    }
}
