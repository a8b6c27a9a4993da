//! A `jobdeck run` session's stdout, as a GNU parallel user expects it: each job's own
//! output, byte for byte, whole and never mixed with another job's (parallel's `--group`),
//! as each job ends or in the order of the inputs (`-k`).
//!
//! The bytes come from the job's log, which holds them between its command line and
//! jobdeck's closing line: the run says where (`RunResult::output`), so nothing is copied
//! while the job runs, and a job that printed nothing costs nothing here.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::app::{Model, RunRecord};
use crate::plan::OutputOrder;
use crate::session::{Event, Problem, Reporter};

/// Copies each finished job's output to a writer (stdout).
#[derive(Debug)]
pub struct JobOutput<W: Write> {
    order: OutputOrder,
    out: W,
    /// In input order: the output of jobs that ended before an earlier one, by job index.
    held: BTreeMap<u32, Option<Span>>,
    /// In input order: the job whose output comes next.
    next: u32,
    /// What a copy reads into, made at the first output.
    buf: Vec<u8>,
}

/// Where a run's output lies: its log, and the bytes of it.
#[derive(Debug, Clone)]
struct Span {
    log: PathBuf,
    bytes: Range<u64>,
}

impl JobOutput<io::StdoutLock<'static>> {
    /// The jobs' output on stdout.
    pub fn stdout(order: OutputOrder) -> Self {
        Self::new(order, io::stdout().lock())
    }
}

impl<W: Write> JobOutput<W> {
    /// The jobs' output on `out`.
    pub fn new(order: OutputOrder, out: W) -> Self {
        Self {
            order,
            out,
            held: BTreeMap::new(),
            next: 0,
            buf: Vec::new(),
        }
    }

    /// What was written, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn finished(&mut self, record: &RunRecord) -> Result<(), Problem> {
        let span = span(record);
        match self.order {
            OutputOrder::Completion => self.copy(span.as_ref()),
            OutputOrder::Input => {
                self.held.insert(record.job.0, span);
                let mut ready = Vec::new();
                while let Some(span) = self.held.remove(&self.next) {
                    self.next += 1;
                    ready.push(span);
                }
                self.copy_all(ready)
            }
        }
    }

    /// Copies each run's output in turn; one that cannot be read is a warning, and the
    /// others are still printed.
    fn copy_all(&mut self, spans: Vec<Option<Span>>) -> Result<(), Problem> {
        let mut warnings = Vec::new();
        for span in spans {
            match self.copy(span.as_ref()) {
                Err(Problem::Warning(warning)) => warnings.push(warning),
                other => other?,
            }
        }
        if warnings.is_empty() {
            Ok(())
        } else {
            Err(Problem::Warning(warnings.join("; ")))
        }
    }

    /// Copies a run's output whole, then flushes, so a reader of a pipe gets it in one piece.
    fn copy(&mut self, span: Option<&Span>) -> Result<(), Problem> {
        let Some(span) = span.filter(|span| !span.bytes.is_empty()) else {
            return Ok(());
        };
        let unreadable = |err: io::Error| {
            Problem::Warning(format!(
                "cannot read the output of {}: {err}",
                span.log.display()
            ))
        };
        let mut log = open_at(&span.log, span.bytes.start).map_err(unreadable)?;
        let mut left = span.bytes.end - span.bytes.start;
        if self.buf.is_empty() {
            self.buf = vec![0; 64 * 1024];
        }
        while left > 0 {
            let want =
                usize::try_from(left).map_or(self.buf.len(), |left| left.min(self.buf.len()));
            let read = match log.read(&mut self.buf[..want]) {
                // The log is shorter than the run said: print what there is.
                Ok(0) => break,
                Ok(read) => read,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(unreadable(err)),
            };
            self.out
                .write_all(&self.buf[..read])
                .map_err(Problem::Lost)?;
            left -= read as u64;
        }
        self.out.flush().map_err(Problem::Lost)
    }

    /// Prints what is still held (a session that ended before an earlier job did), in order.
    fn release(&mut self) -> Result<(), Problem> {
        let held = std::mem::take(&mut self.held);
        self.copy_all(held.into_values().collect())
    }
}

fn span(record: &RunRecord) -> Option<Span> {
    Some(Span {
        log: record.log.clone()?,
        bytes: record.output.clone()?,
    })
}

fn open_at(path: &Path, offset: u64) -> io::Result<File> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    Ok(file)
}

impl<W: Write> Reporter for JobOutput<W> {
    fn report(&mut self, event: &Event<'_>, _: &Model) -> Result<(), Problem> {
        match event {
            Event::RunFinished(record) => self.finished(record),
            Event::Ended(_) => self.release(),
            _ => Ok(()),
        }
    }
}
