//! The pool of compile slots: jobdeck as the jobserver of every build it runs.
//!
//! The pool has N slots (N = the workers). Every run holds one slot while it runs (its
//! implicit slot, taken before it starts). A build whose tool understands GNU make's
//! jobserver protocol joins the pool with a pipe of its own ([`TokenPipe`]); while slots
//! are free, the broker keeps one unused token in each such pipe, and the build's make takes
//! it to run one more compiler. So the runs plus the tokens handed out never exceed N, and a
//! build at the tail of a session gets every free slot.
//!
//! The count is jobdeck's own: `given` per build is every token put into its pipe and not
//! taken back. Tokens the build holds come back when it returns them, and all of them come
//! back when the build ends, however it ends (cancel, timeout, kill): its pipe is simply
//! dropped, so a make killed while holding tokens never leaves the pool short.
//!
//! A run waiting for its implicit slot has the first claim: the broker then hands out
//! nothing, and takes back tokens lying unused in the builds' pipes. A slot must also have
//! been free for one broker turn before it goes to a build, so the moment between one run's
//! end and the next run's start on the same worker is not given away.
//!
//! A pool made smaller (`-`) than what is in use takes tokens back as the builds' makes
//! hand them back. A make reads a token again microseconds after writing one, so it writes
//! them into a pipe of their own that only the broker reads ([`TokenPipe`]); the broker
//! waits in `poll` on those and passes each token on at once, unless the pool is over its
//! size or a run waits for its slot.
//!
//! A build whose tool does not understand the protocol (ninja before 1.13) can instead
//! [`Slots::reserve_free`] the slots free when it starts, for a fixed `--parallel`.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::token_pipe::{self, PipeEnds, Returns, TokenPipe};

/// How often the broker looks into the builds' pipes: how long a free slot can wait before
/// a build gets it.
pub const BROKER_TURN: Duration = Duration::from_millis(10);

/// Tells a build's run how many compilers it may run now (its slot plus the tokens it
/// holds): the workers panel shows it.
pub type CompilerReport = Box<dyn Fn(usize) + Send>;

/// The pool of slots; shared by the engine's workers and the broker thread.
pub struct Slots {
    state: Mutex<State>,
    changed: Condvar,
}

impl std::fmt::Debug for Slots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("Slots")
            .field("size", &state.size)
            .field("held", &state.held)
            .field("given", &state.given())
            .finish_non_exhaustive()
    }
}

struct State {
    size: usize,
    /// Implicit slots of running runs, plus slots reserved by builds that do not join.
    held: usize,
    builds: Vec<Build>,
    /// Runs waiting for their implicit slot.
    waiting: usize,
    /// Whether a slot was free at the broker's last turn.
    free_before: bool,
    next_id: u64,
    closed: bool,
}

struct Build {
    id: u64,
    pipe: TokenPipe,
    /// Tokens put into the pipe and not taken back: lying in it, or held by the build.
    given: usize,
    report: CompilerReport,
    reported: usize,
}

impl State {
    fn given(&self) -> usize {
        self.builds.iter().map(|b| b.given).sum()
    }

    fn free(&self) -> usize {
        self.size.saturating_sub(self.held + self.given())
    }

    /// Takes back one token lying unused in some build's pipe.
    fn take_back_one(&mut self) -> bool {
        for build in &mut self.builds {
            if build.pipe.waiting() > 0 && build.pipe.take_back() {
                build.given -= 1;
                return true;
            }
        }
        false
    }

    /// One broker turn: at most one unused token per pipe, one more where a slot is free
    /// and no run waits, and each build's compiler count reported when it changed. A pool
    /// made smaller (`-`) than what is in use keeps no unused token anywhere: each one a
    /// make hands back is taken out, until the pool is no longer over its size.
    fn tend(&mut self) {
        let free_now = self.free() > 0;
        let may_give = free_now && self.free_before && self.waiting == 0;
        self.free_before = free_now;
        let mut over = (self.held + self.given()).saturating_sub(self.size);
        let mut free = self.free();
        for build in &mut self.builds {
            while over > 0 && build.pipe.take_back() {
                build.given -= 1;
                over -= 1;
            }
            let keep = usize::from(self.waiting == 0 && over == 0);
            while build.pipe.waiting() > keep && build.pipe.take_back() {
                build.given -= 1;
                free += 1;
            }
            if may_give && free > 0 && build.pipe.waiting() == 0 && build.pipe.give().is_ok() {
                build.given += 1;
                free -= 1;
            }
            // Over the size, a token lying in the pipe is one the broker has not yet won
            // back from the make: still the build's.
            let lying = if over > 0 { 0 } else { build.pipe.waiting() };
            let compilers = 1 + build.given.saturating_sub(lying);
            if compilers != build.reported {
                build.reported = compilers;
                (build.report)(compilers);
            }
        }
    }

    /// How far the slots in use are over the pool's size.
    fn over(&self) -> usize {
        (self.held + self.given()).saturating_sub(self.size)
    }

    /// Where the builds' returned tokens come, for the broker to wait on: every build that
    /// writes them apart (they must be passed on at once, or its make waits), and while the
    /// pool is over its size, the named pipe of every build that holds tokens.
    fn returns(&self) -> Vec<(u64, Returns)> {
        let over = self.over() > 0;
        self.builds
            .iter()
            .filter(|build| build.pipe.returns_apart() || (over && build.given > 0))
            .map(|build| (build.id, build.pipe.returns()))
            .collect()
    }

    /// Counts the tokens the broker took outside the lock. One a build handed back apart is
    /// kept while the pool is over its size or a run waits for its slot, and otherwise
    /// passed on into the build's pipe; one taken from a named pipe is kept. A build that
    /// left meanwhile got back everything it was given already.
    fn taken_back(&mut self, ids: impl Iterator<Item = (u64, usize)>) {
        for (id, count) in ids {
            for _ in 0..count {
                let keep = self.over() > 0 || self.waiting > 0;
                let Some(build) = self.builds.iter_mut().find(|b| b.id == id) else {
                    break;
                };
                if keep || !build.pipe.returns_apart() || build.pipe.give().is_err() {
                    build.given = build.given.saturating_sub(1);
                }
            }
        }
    }
}

impl Slots {
    /// A pool of `size` slots, with its broker thread (which ends when the pool is closed).
    pub fn start(size: usize) -> std::io::Result<Arc<Slots>> {
        let slots = Arc::new(Slots {
            state: Mutex::new(State {
                size,
                held: 0,
                builds: Vec::new(),
                waiting: 0,
                free_before: false,
                next_id: 0,
                closed: false,
            }),
            changed: Condvar::new(),
        });
        let broker = Arc::clone(&slots);
        std::thread::Builder::new()
            .name("jobserver".to_string())
            .spawn(move || broker.broker())?;
        Ok(slots)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn broker(&self) {
        let mut state = self.lock();
        while !state.closed {
            if state.builds.is_empty() {
                state = self
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            state.tend();
            let (ids, pipes): (Vec<u64>, Vec<Returns>) = state.returns().into_iter().unzip();
            let over = state.over();
            drop(state);
            self.changed.notify_all();
            if pipes.is_empty() {
                state = self.lock();
                state = self
                    .changed
                    .wait_timeout(state, BROKER_TURN)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            } else {
                // Woken by a make's write: every token from a pipe only the broker reads,
                // and from a named pipe those it reads before the make reads them again.
                let taken = token_pipe::take_returned(&pipes, over, BROKER_TURN);
                state = self.lock();
                state.taken_back(ids.into_iter().zip(taken));
            }
        }
    }

    /// Ends the broker thread. Runs still holding slots give them back as usual.
    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// Changes the pool's size (the workers changed). Slots in use beyond a smaller size
    /// come back as their runs end.
    pub fn set_size(&self, size: usize) {
        self.lock().size = size;
        self.changed.notify_all();
    }

    /// The pool's size, and the slots in use now (runs, reservations and tokens handed
    /// out, unused ones in the pipes included).
    pub fn usage(&self) -> (usize, usize) {
        let state = self.lock();
        (state.size, state.held + state.given())
    }

    /// Waits for a free slot and holds it until the returned guard is dropped. Gives up
    /// (`None`) as soon as `give_up` says so; it is asked every broker turn.
    pub fn hold(self: &Arc<Self>, give_up: impl Fn() -> bool) -> Option<Held> {
        self.lock().waiting += 1;
        loop {
            let mut state = self.lock();
            if state.free() == 0 {
                state.take_back_one();
            }
            if state.free() > 0 {
                state.held += 1;
                state.waiting -= 1;
                return Some(Held {
                    slots: Arc::clone(self),
                    count: 1,
                });
            }
            let state = self
                .changed
                .wait_timeout(state, BROKER_TURN)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            drop(state);
            if give_up() {
                self.lock().waiting -= 1;
                return None;
            }
        }
    }

    /// Holds one slot if one is free now and no run waits for its implicit slot (runs have
    /// the first claim), until the guard is dropped: for a job that may run a second process
    /// beside its first one (the toolchain probe's second language) but need not.
    pub fn try_hold(self: &Arc<Self>) -> Option<Held> {
        let mut state = self.lock();
        if state.waiting > 0 || state.free() == 0 {
            return None;
        }
        state.held += 1;
        Some(Held {
            slots: Arc::clone(self),
            count: 1,
        })
    }

    /// Whether a slot held now may be kept for the next piece of the same work (a test
    /// stage's next group) rather than given back: no run waits for its implicit slot and
    /// the pool is not over its size. Keeping it takes nothing newly free from anyone.
    pub fn may_keep(&self) -> bool {
        let state = self.lock();
        state.waiting == 0 && state.held + state.given() <= state.size
    }

    /// Reserves every slot free now (possibly none) until the guard is dropped: for a
    /// build that cannot join the pool and runs a fixed number of compilers instead.
    pub fn reserve_free(self: &Arc<Self>) -> Held {
        let mut state = self.lock();
        let count = state.free();
        state.held += count;
        Held {
            slots: Arc::clone(self),
            count,
        }
    }

    /// Lets a build join the pool through `pipe`; it leaves (and every token given to it
    /// comes back) when the returned guard is dropped, after its process is gone.
    pub fn join(self: &Arc<Self>, pipe: TokenPipe, report: CompilerReport) -> Joined {
        let mut state = self.lock();
        let id = state.next_id;
        state.next_id += 1;
        state.builds.push(Build {
            id,
            pipe,
            given: 0,
            report,
            reported: 0,
        });
        drop(state);
        self.changed.notify_all();
        Joined {
            slots: Arc::clone(self),
            id,
        }
    }

    /// Prepares `command` to take its tokens from the pipe of `joined`; the ends returned
    /// are for its spawn to hand down (`RunCtx::inherit`).
    #[must_use = "the build cannot reach an anonymous pipe unless its spawn is given the ends"]
    pub fn configure(
        &self,
        joined: &Joined,
        command: &mut std::process::Command,
    ) -> Option<PipeEnds> {
        let state = self.lock();
        let build = state.builds.iter().find(|b| b.id == joined.id)?;
        build.pipe.configure(command)
    }
}

/// Slots held by a run (its implicit one) or reserved by a build; given back on drop.
#[derive(Debug)]
pub struct Held {
    slots: Arc<Slots>,
    count: usize,
}

impl Held {
    /// How many slots this holds.
    pub fn count(&self) -> usize {
        self.count
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut state = self.slots.lock();
        state.held = state.held.saturating_sub(self.count);
        drop(state);
        self.slots.changed.notify_all();
    }
}

/// A build in the pool. Dropping it takes its pipe out and gives back every token it was
/// given: drop it only once the build's processes are gone.
#[derive(Debug)]
pub struct Joined {
    slots: Arc<Slots>,
    id: u64,
}

impl Joined {
    /// The pool this build joined.
    pub fn slots(&self) -> &Slots {
        &self.slots
    }
}

impl Drop for Joined {
    fn drop(&mut self) {
        let mut state = self.slots.lock();
        state.builds.retain(|build| build.id != self.id);
        drop(state);
        self.slots.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    use super::*;

    fn until(what: &str, check: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !check() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::yield_now();
        }
    }

    fn silent() -> CompilerReport {
        Box::new(|_| {})
    }

    #[test]
    fn a_slot_is_tried_only_while_one_is_free() {
        let slots = Slots::start(2).expect("the test's step works");
        let run = slots.hold(|| false).expect("the test's step works");
        let second = slots.try_hold().expect("one slot is free");
        assert_eq!(slots.usage(), (2, 2));
        assert!(slots.try_hold().is_none(), "none is free");
        drop(second);
        drop(run);
        assert_eq!(slots.usage(), (2, 0), "both came back");
        slots.close();
    }

    #[test]
    fn runs_hold_one_slot_each_and_never_more_than_the_pool() {
        let slots = Slots::start(2).expect("the test's step works");
        let a = slots.hold(|| false).expect("the test's step works");
        let _b = slots.hold(|| false).expect("the test's step works");
        assert_eq!(slots.usage(), (2, 2));
        assert!(slots.hold(|| true).is_none(), "a full pool gives nothing");
        drop(a);
        assert!(slots.hold(|| false).is_some());
        slots.close();
    }

    #[test]
    fn a_build_alone_gets_every_free_slot_and_gives_them_back_when_it_ends() {
        let slots = Slots::start(3).expect("the test's step works");
        let run = slots.hold(|| false).expect("the test's step works");
        let compilers = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&compilers);
        let joined = slots.join(
            TokenPipe::pipe().expect("the test's step works"),
            Box::new(move |n| seen.store(n, Ordering::SeqCst)),
        );
        // Stand in for make: take every token the broker offers, as a build with many
        // files does, and never give one back (a make killed while holding them).
        let taken = AtomicUsize::new(0);
        until("the build to hold both free slots", || {
            let state = slots.lock();
            let build = &state.builds[0];
            if build.pipe.take_back() {
                taken.fetch_add(1, Ordering::SeqCst);
            }
            drop(state);
            taken.load(Ordering::SeqCst) == 2
        });
        // Taken from the pipe by "make": given, and no longer lying in it.
        assert_eq!(slots.usage(), (3, 3));
        assert!(slots.hold(|| true).is_none(), "never more than the pool");
        until("the build's compilers reported", || {
            compilers.load(Ordering::SeqCst) == 3
        });
        drop(joined);
        assert_eq!(slots.usage(), (3, 1), "a dead build's tokens all come back");
        drop(run);
        assert_eq!(slots.usage(), (3, 0));
        slots.close();
    }

    #[test]
    fn a_waiting_run_takes_back_a_token_lying_unused() {
        let slots = Slots::start(2).expect("the test's step works");
        let _build_run = slots.hold(|| false).expect("the test's step works");
        let joined = slots.join(TokenPipe::pipe().expect("the test's step works"), silent());
        until("a spare token in the build's pipe", || slots.usage().1 == 2);
        // The build does not use it (it links, say): the next run gets it.
        let next = slots.hold(|| false);
        assert!(next.is_some());
        assert_eq!(slots.usage(), (2, 2));
        drop(joined);
        slots.close();
    }

    /// After `-`, a build holding tokens beyond the smaller pool gives them up as its make
    /// hands them back: a returned token is taken out of its pipe, not left there for the
    /// same make to take again (it once kept `slots 4/1` until the build ended).
    #[test]
    fn a_smaller_pool_takes_tokens_back_as_they_come_free() {
        let slots = Slots::start(2).expect("the test's step works");
        let _build_run = slots.hold(|| false).expect("the test's step works");
        let joined = slots.join(TokenPipe::pipe().expect("the test's step works"), silent());
        // "make" takes the token the broker offers and runs a second compiler.
        until("make to hold the free slot", || {
            let state = slots.lock();
            state.builds[0].pipe.take_back()
        });
        assert_eq!(slots.usage(), (2, 2));
        slots.set_size(1);
        // That compiler ends: make writes its token back.
        slots.lock().builds[0]
            .pipe
            .hand_back()
            .expect("the test's step works");
        until("the token to come back to the smaller pool", || {
            slots.usage() == (1, 1)
        });
        drop(joined);
        slots.close();
    }

    /// A make reads a token again microseconds after handing one back. On a pool over its
    /// size it must find none: the token it hands back goes into a pipe only the broker
    /// reads, not into the one it reads from.
    #[test]
    fn a_make_reading_again_at_once_never_regains_a_token_the_smaller_pool_keeps() {
        let slots = Slots::start(2).expect("the test's step works");
        let _build_run = slots.hold(|| false).expect("the test's step works");
        let joined = slots.join(TokenPipe::pipe().expect("the test's step works"), silent());
        until("make to hold the free slot", || {
            slots.lock().builds[0].pipe.take_back()
        });
        slots.set_size(1);
        slots.lock().builds[0]
            .pipe
            .hand_back()
            .expect("the test's step works");
        let regained = AtomicUsize::new(0);
        until("the token to come back to the smaller pool", || {
            if slots.lock().builds[0].pipe.take_back() {
                regained.fetch_add(1, Ordering::SeqCst);
            }
            slots.usage() == (1, 1)
        });
        assert_eq!(regained.load(Ordering::SeqCst), 0, "make got it back");
        drop(joined);
        slots.close();
    }

    /// While the pool has room, a token a make hands back goes on into its pipe at once, for
    /// its next compiler.
    #[test]
    fn a_token_handed_back_goes_on_to_its_build_while_the_pool_has_room() {
        let slots = Slots::start(2).expect("the test's step works");
        let _build_run = slots.hold(|| false).expect("the test's step works");
        let joined = slots.join(TokenPipe::pipe().expect("the test's step works"), silent());
        until("make to hold the free slot", || {
            slots.lock().builds[0].pipe.take_back()
        });
        slots.lock().builds[0]
            .pipe
            .hand_back()
            .expect("the test's step works");
        until("make to read it again", || {
            slots.lock().builds[0].pipe.take_back()
        });
        assert_eq!(slots.usage(), (2, 2), "still the build's");
        drop(joined);
        slots.close();
    }

    #[test]
    fn a_build_that_cannot_join_reserves_the_free_slots() {
        let slots = Slots::start(4).expect("the test's step works");
        let _run = slots.hold(|| false).expect("the test's step works");
        let reserved = slots.reserve_free();
        assert_eq!(reserved.count(), 3);
        assert!(slots.hold(|| true).is_none());
        drop(reserved);
        assert_eq!(slots.usage(), (4, 1));
        slots.set_size(1);
        assert!(slots.hold(|| true).is_none(), "a smaller pool is full");
        slots.close();
    }
}
