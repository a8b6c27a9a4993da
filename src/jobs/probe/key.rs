//! The probe's key: everything that changes what cmake would detect, as text, and the short
//! hash of that text that names the probe's folder.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::jobs::cmake::CmakeSettings;

/// The environment variables cmake or the compilers read while detecting a toolchain
/// (cmake's `find_program` searches `CMAKE_PROGRAM_PATH`, `CMAKE_PREFIX_PATH`/bin and the
/// bundle and framework paths before `PATH`).
pub const ENVIRONMENT: [&str; 34] = [
    "PATH",
    "CMAKE_PROGRAM_PATH",
    "CMAKE_PREFIX_PATH",
    "CMAKE_APPBUNDLE_PATH",
    "CMAKE_FRAMEWORK_PATH",
    "LC_ALL",
    "LC_MESSAGES",
    "LANG",
    "CC",
    "CXX",
    "CFLAGS",
    "CXXFLAGS",
    "CPPFLAGS",
    "LDFLAGS",
    "CMAKE_GENERATOR",
    "CMAKE_GENERATOR_PLATFORM",
    "CMAKE_GENERATOR_TOOLSET",
    "CMAKE_GENERATOR_INSTANCE",
    "CMAKE_TOOLCHAIN_FILE",
    "CMAKE_C_COMPILER_LAUNCHER",
    "CMAKE_CXX_COMPILER_LAUNCHER",
    "CMAKE_C_LINKER_LAUNCHER",
    "CMAKE_CXX_LINKER_LAUNCHER",
    "CMAKE_OSX_ARCHITECTURES",
    "CMAKE_APPLE_SILICON_PROCESSOR",
    "SDKROOT",
    "MACOSX_DEPLOYMENT_TARGET",
    "COMPILER_PATH",
    "LIBRARY_PATH",
    "CPATH",
    "C_INCLUDE_PATH",
    "CPLUS_INCLUDE_PATH",
    "GCC_EXEC_PREFIX",
    "LD_LIBRARY_PATH",
];

/// A probe's key: its text (kept beside the probe) and the folder name made from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeKey {
    /// One line per input: the cmake program and its file, the generator, every `-D` (the
    /// session's, then the project's), and
    /// each environment variable of [`ENVIRONMENT`] that is set.
    pub text: String,
    /// 16 hex digits of a hash of `text`.
    pub folder: String,
}

impl ProbeKey {
    /// The key of the probe for configures run with `settings` in `environment`.
    ///
    /// Every `-D` counts, the session's and the project's own `options`, not only the
    /// toolchain's: a toolchain file may read any variable, and a probe costs about a second. The build type does not: cmake's detection does not
    /// depend on it, so the configures of every build type share one probe.
    pub fn new(
        settings: &CmakeSettings,
        options: &[String],
        environment: impl Fn(&str) -> Option<OsString>,
    ) -> Self {
        let mut text = String::from("jobdeck toolchain probe 3\n");
        let _ = writeln!(text, "probe-files {:016x}", super::templates_hash());
        let program = Path::new(&settings.program);
        let _ = writeln!(text, "cmake {}", program.display());
        match resolve(program, environment("PATH").as_deref()) {
            Some(file) => {
                let _ = writeln!(text, "cmake-file {}", file_stamp(&file));
            }
            None => text.push_str("cmake-file not found\n"),
        }
        let _ = writeln!(
            text,
            "generator {}",
            settings.generator.as_deref().unwrap_or("")
        );
        for define in &settings.defines {
            let _ = writeln!(text, "define {define}");
        }
        for option in options {
            let _ = writeln!(text, "option {option}");
        }
        for name in ENVIRONMENT {
            if let Some(value) = environment(name) {
                let _ = writeln!(text, "env {name}={}", value.to_string_lossy());
            }
        }
        let folder = format!("{:016x}", fnv1a(text.as_bytes()));
        Self { text, folder }
    }
}

/// `path size mtime`: what tells a program file from the one it was replaced with.
pub fn file_stamp(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(meta) => {
            let modified = meta
                .modified()
                .ok()
                .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |since| since.as_nanos());
            format!("{} {} {modified}", path.display(), meta.len())
        }
        Err(_) => format!("{} missing", path.display()),
    }
}

/// The file `program` runs: itself when it names a path, else the first match on `path`.
fn resolve(program: &Path, path: Option<&OsStr>) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return Some(program.to_path_buf());
    }
    std::env::split_paths(path?)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// 64-bit FNV-1a: stable across Rust versions and machines, unlike `DefaultHasher`, so a
/// probe folder keeps its name from one jobdeck build to the next.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(defines: &[&str]) -> CmakeSettings {
        CmakeSettings {
            program: "cmake".into(),
            generator: None,
            defines: defines.iter().map(ToString::to_string).collect(),
            build_type: "Debug".to_string(),
            build_jobs: Some(1),
            probes: None,
            ctest_junit: false,
            test_retries: 0,
            rerun_failed_tests: false,
        }
    }

    #[test]
    fn the_compiler_and_its_environment_change_the_key() {
        let none = |_: &str| None;
        let plain = ProbeKey::new(&settings(&[]), &[], none);
        let with_compiler = ProbeKey::new(&settings(&["CMAKE_C_COMPILER=clang"]), &[], none);
        let with_cc = ProbeKey::new(&settings(&[]), &[], |name| {
            (name == "CC").then(|| "clang".into())
        });
        assert_ne!(plain.folder, with_compiler.folder);
        assert_ne!(plain.folder, with_cc.folder);
        assert_ne!(with_compiler.folder, with_cc.folder);
        for name in ["CMAKE_PROGRAM_PATH", "CMAKE_PREFIX_PATH"] {
            let with_path = ProbeKey::new(&settings(&[]), &[], |asked| {
                (asked == name).then(|| "/opt/tools".into())
            });
            assert_ne!(plain.folder, with_path.folder, "{name}");
        }
        let with_option = ProbeKey::new(&settings(&[]), &["X=1".to_string()], none);
        assert_ne!(plain.folder, with_option.folder, "a project's own option");
        assert_eq!(plain, ProbeKey::new(&settings(&[]), &[], none));
    }

    #[test]
    fn the_build_type_does_not_change_the_key() {
        let mut release = settings(&[]);
        release.build_type = "Release".to_string();
        let none = |_: &str| None;
        assert_eq!(
            ProbeKey::new(&settings(&[]), &[], none),
            ProbeKey::new(&release, &[], none)
        );
    }

    #[test]
    fn the_hash_is_fnv1a() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
