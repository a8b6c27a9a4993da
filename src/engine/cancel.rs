//! A cancellation flag shared between whoever cancels a run and the worker running it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

/// Why a run was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The user or a shutdown cancelled it.
    Cancelled,
    /// It ran past its deadline.
    TimedOut,
}

impl StopReason {
    /// `cancelled` or `timed out`, for messages.
    pub fn word(self) -> &'static str {
        match self {
            StopReason::Cancelled => "cancelled",
            StopReason::TimedOut => "timed out",
        }
    }
}

/// A cheap, clonable flag. Cancelling twice is harmless; the first reason wins.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicU8>);

const RUNNING: u8 = 0;
const CANCELLED: u8 = 1;
const TIMED_OUT: u8 = 2;

impl CancelToken {
    /// A token that has not been cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop because the user (or shutdown) cancelled it.
    pub fn cancel(&self) {
        self.stop(StopReason::Cancelled);
    }

    /// Asks the run to stop for `reason`, unless it was already asked to stop.
    pub fn stop(&self, reason: StopReason) {
        let value = match reason {
            StopReason::Cancelled => CANCELLED,
            StopReason::TimedOut => TIMED_OUT,
        };
        let _ = self
            .0
            .compare_exchange(RUNNING, value, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Why the run was asked to stop, or `None` while it may go on.
    pub fn stop_reason(&self) -> Option<StopReason> {
        match self.0.load(Ordering::SeqCst) {
            CANCELLED => Some(StopReason::Cancelled),
            TIMED_OUT => Some(StopReason::TimedOut),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_stop_reason_wins() {
        let token = CancelToken::new();
        assert_eq!(token.stop_reason(), None);
        token.stop(StopReason::TimedOut);
        token.cancel();
        assert_eq!(token.stop_reason(), Some(StopReason::TimedOut));
        assert!(
            token.clone().stop_reason().is_some(),
            "clones share the flag"
        );
    }
}
