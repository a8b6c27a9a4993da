//! What a row keeps in its box (`RowExtra`) and what it keeps itself: a plain command's run
//! (its command line, the slot count every run in a pool of slots reports, its end) makes no
//! box, so 100,000 such rows stay small; a field of the box, once written, reads back.

use std::time::{Duration, Instant};

use super::{current, finish, model, send, start};
use crate::engine::EventKind;

#[test]
fn a_plain_run_makes_no_box_and_its_slot_count_shows_while_it_runs() {
    let mut model = model(2, 2, Instant::now()).with_options([Vec::new(), Vec::new()]);
    model.start();
    let run = current(&model, 0);
    start(&mut model, run, 0);
    send(&mut model, run, EventKind::Command("$ true 1".to_string()));
    send(&mut model, run, EventKind::Slots(1));
    let row = &model.jobs[0];
    assert_eq!(row.command.as_deref(), Some("$ true 1"));
    assert_eq!(row.compilers, Some(1));
    assert_eq!(row.slots_in_use(), 1);
    finish(&mut model, run, Duration::from_millis(5));
    let row = &model.jobs[0];
    assert_eq!(row.compilers, None, "a finished run holds no slot");
    assert!(row.extra.is_none(), "nothing of the box was written");
    assert!(row.failed_attempts().is_empty() && row.parts().is_empty());
    assert_eq!(row.source(), None);
}

#[test]
fn progress_and_options_go_in_the_box_and_read_back() {
    let mut model = model(2, 2, Instant::now()).with_options([vec!["X=1".to_string()], Vec::new()]);
    assert_eq!(model.jobs[0].extra().options, ["X=1"]);
    assert!(model.jobs[1].extra.is_none(), "no options, no box");
    model.start();
    let run = current(&model, 1);
    start(&mut model, run, 1);
    send(&mut model, run, EventKind::Progress { done: 3, total: 4 });
    assert_eq!(model.jobs[1].extra().progress, Some((3, 4)));
    send(&mut model, run, EventKind::Slots(3));
    assert_eq!(model.jobs[1].slots_in_use(), 3);
}
