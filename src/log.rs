//! Messages for people: warnings always, notes when verbose. Everything goes to stderr, one
//! line each. Secrets never reach here: callers pass redacted text (no signatures, no keys).

use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(1);

/// 0: errors only, 1: warnings (default), 2: notes (`-v`), 3: debug (`-vv`).
pub fn set_level(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
}

/// The current level.
pub fn level() -> u8 {
    LEVEL.load(Ordering::Relaxed)
}

/// A warning: something the user should fix but that did not stop the work.
pub fn warn(msg: &str) {
    if level() >= 1 {
        eprintln!("warning: {msg}");
    }
}

/// A note shown with `-v`.
pub fn note(msg: &str) {
    if level() >= 2 {
        eprintln!("{msg}");
    }
}

/// A debug line shown with `-vv`.
pub fn debug(msg: &str) {
    if level() >= 3 {
        eprintln!("debug: {msg}");
    }
}
