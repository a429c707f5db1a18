//! Ctrl-C: a one-line message and exit status 130, never a Python traceback.
//!
//! While a command runs, SIGINT goes to our handler instead of Python's (the PyO3 front
//! would otherwise raise `KeyboardInterrupt` after the command returns). When a pip child
//! is running it got the same SIGINT from the terminal and stops on its own, so we only
//! note the interruption and let the command finish its report; otherwise (analysis,
//! downloads) we leave at once. A second Ctrl-C always leaves at once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
pub(crate) const EXIT_INTERRUPTED: i32 = crate::exit::ExitStatus::Interrupted.code();

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static CHILDREN: AtomicUsize = AtomicUsize::new(0);

const MESSAGE: &[u8] = b"\nsafe-pip: interrupted (Ctrl-C); nothing unchecked was installed\n";

extern "C" fn on_sigint(_: libc::c_int) {
    let again = INTERRUPTED.swap(true, Ordering::SeqCst);
    if again || CHILDREN.load(Ordering::SeqCst) == 0 {
        // Only async-signal-safe calls here: write(2) and _exit(2).
        unsafe {
            libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
            libc::_exit(EXIT_INTERRUPTED);
        }
    }
}

/// Our SIGINT handler while it lives; the previous one (Python's) comes back on drop.
pub(crate) struct Guard {
    previous: libc::sigaction,
}

/// Installs the handler for the duration of a command.
pub(crate) fn install() -> Guard {
    INTERRUPTED.store(false, Ordering::SeqCst);
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGINT, &action, &mut previous);
        Guard { previous }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        unsafe {
            libc::sigaction(libc::SIGINT, &self.previous, std::ptr::null_mut());
        }
    }
}

/// Whether Ctrl-C was pressed during this command.
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Marks a child process (pip) that handles Ctrl-C itself: while one lives, the first
/// Ctrl-C does not end safe-pip, which waits for the child and reports.
pub(crate) struct ChildRunning(());

impl ChildRunning {
    pub(crate) fn new() -> ChildRunning {
        CHILDREN.fetch_add(1, Ordering::SeqCst);
        ChildRunning(())
    }
}

impl Default for ChildRunning {
    fn default() -> Self {
        ChildRunning::new()
    }
}

impl Drop for ChildRunning {
    fn drop(&mut self) {
        CHILDREN.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The closing line after a command that was interrupted while pip ran.
pub(crate) fn report() {
    eprintln!("safe-pip: interrupted (Ctrl-C); pip was stopped");
}
