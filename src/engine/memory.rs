//! The memory gate (`--mem-free SIZE`): no new build or test starts while the memory
//! available is below SIZE, as GNU parallel's `--memfree` and catkin's `--mem-limit` do.
//! Runs already going on are left alone, and a run held at the gate holds no worker: it is
//! set aside (`pool.rs`) while the workers run what else is ready.

use std::path::PathBuf;
use std::time::Duration;

/// How often a run held at the gate reads the memory available again.
pub const RECHECK: Duration = Duration::from_millis(200);

/// Where the memory available is read. Tests point `JOBDECK_MEMINFO` at a file of their own
/// (not part of the public contract), so a test can open the gate when it chooses.
pub const MEMINFO_OVERRIDE: &str = "JOBDECK_MEMINFO";

/// The gate: the least memory available at which a gated run may start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryGate {
    /// The least available memory, in bytes.
    pub min_free: u64,
    /// The file in `/proc/meminfo`'s format to read.
    pub meminfo: PathBuf,
}

impl MemoryGate {
    /// A gate at `min_free` bytes reading `/proc/meminfo`, or the file `JOBDECK_MEMINFO`
    /// names.
    pub fn new(min_free: u64) -> Self {
        let meminfo = std::env::var_os(MEMINFO_OVERRIDE)
            .map_or_else(|| PathBuf::from("/proc/meminfo"), PathBuf::from);
        Self { min_free, meminfo }
    }

    /// Whether a run may start now. Memory that cannot be read does not hold anything up.
    pub fn is_open(&self) -> bool {
        std::fs::read_to_string(&self.meminfo)
            .ok()
            .and_then(|text| available(&text))
            .is_none_or(|free| free >= self.min_free)
    }

    /// The memory available now, if it can be read.
    pub fn available(&self) -> Option<u64> {
        available(&std::fs::read_to_string(&self.meminfo).ok()?)
    }

    /// Refuses a gate above the machine's total memory: nothing it holds would ever start.
    /// Memory that cannot be read refuses nothing.
    pub fn check_total(&self) -> Result<(), String> {
        let text = std::fs::read_to_string(&self.meminfo).unwrap_or_default();
        match field(&text, "MemTotal:") {
            Some(total) if total < self.min_free => Err(format!(
                "--mem-free {} is more than the machine's total memory ({}): no build or test                  would ever start; pass a smaller size",
                size_words(self.min_free),
                size_words(total)
            )),
            _ => Ok(()),
        }
    }

    /// What a held run waits for, said once: the size and what is available now.
    pub fn waiting_words(&self) -> String {
        let now = self
            .available()
            .map_or_else(|| "unknown".to_string(), size_words);
        format!(
            "waiting for memory: builds and tests start once {} is available (--mem-free;              {now} now); configures go on meanwhile",
            size_words(self.min_free)
        )
    }
}

/// A size in bytes as people read it: `1.0 GiB`, `512.0 MiB`.
pub fn size_words(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[expect(clippy::cast_precision_loss, reason = "a size to one decimal place")]
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
pub fn available(meminfo: &str) -> Option<u64> {
    field(meminfo, "MemAvailable:")
}

/// A field of a `/proc/meminfo` text (`MemTotal:`), in bytes.
fn field(meminfo: &str, name: &str) -> Option<u64> {
    let line = meminfo.lines().find_map(|line| line.strip_prefix(name))?;
    let mut words = line.split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    let unit = match words.next() {
        None => 1,
        Some(unit) if unit.eq_ignore_ascii_case("kb") => 1024,
        Some(_) => return None,
    };
    value.checked_mul(unit)
}

/// Reads a size as `--mem-free` takes it: bytes, or a number with `K`, `M`, `G` or `T`
/// (powers of 1024, an optional `B` or `iB` after it), e.g. `2G`, `512M`, `1.5GiB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    let number_end = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(number_end);
    let unit = unit.trim();
    let unit = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(unit);
    let scale: u64 = match unit {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return Err(format!("expected a size such as 2G or 512M, got `{text}`")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("expected a size such as 2G or 512M, got `{text}`"))?;
    #[expect(
        clippy::cast_precision_loss,
        reason = "sizes far below 2^53 bytes are exact"
    )]
    let bytes = value * scale as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes > 2f64.powi(62) {
        return Err(format!(
            "the size must be at least 1 byte and at most 4 EiB, got `{text}`"
        ));
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "checked to lie between 1 and 2^62 above"
    )]
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mem_available_in_bytes() {
        let text = "MemTotal:       16318412 kB\nMemFree:  1 kB\nMemAvailable:    8000000 kB\n";
        assert_eq!(available(text), Some(8_000_000 * 1024));
        assert_eq!(available("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("100k"), Ok(102_400));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("1T"), Ok(1 << 40));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("2X").is_err());
        assert!(parse_size("99999999T").is_err());
    }

    #[test]
    fn the_gate_opens_when_memory_is_back_and_when_it_cannot_be_read() {
        let dir = std::env::temp_dir().join(format!("jobdeck-mem-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the test's step works");
        let meminfo = dir.join("meminfo");
        let gate = MemoryGate {
            min_free: 2 << 30,
            meminfo: meminfo.clone(),
        };
        assert!(gate.is_open(), "unreadable: nothing is held up");
        std::fs::write(&meminfo, "MemAvailable: 1024 kB\n").expect("the test's step works");
        assert!(!gate.is_open());
        std::fs::write(&meminfo, "MemAvailable: 4194304 kB\n").expect("the test's step works");
        assert!(gate.is_open());
        std::fs::remove_dir_all(&dir).expect("the test's step works");
    }
}
