//! Reading requirements files and lockfiles (#14): only regular files, at most
//! [`MAX_LOCKFILE_BYTES`], and a line that is not a requirement is never quoted back.

use crate::error::Hint;
use super::*;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on a thread; a read that blocks fails the test instead of hanging it. On a
/// hang, `unblock` is run so that the stuck thread can finish.
fn without_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static, unblock: impl FnOnce()) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(v) => v,
        Err(_) => {
            unblock();
            panic!("reading blocked");
        }
    }
}

#[cfg(unix)]
#[test]
fn dev_zero_is_refused_as_not_a_regular_file() {
    let err = without_blocking(|| read_lockfile(Path::new("/dev/zero")).map(|_| ()), || {}).unwrap_err();
    assert!(matches!(err, LockfileError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("a character device, not a regular file"), "{err}");
    // as an include of a requirements file, too
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("requirements.txt");
    std::fs::write(&top, "six==1.16.0\n-r /dev/zero\n").unwrap();
    let err = without_blocking(move || read_lockfile(&top).map(|_| ()), || {}).unwrap_err();
    assert!(matches!(err, LockfileError::Include { line: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("requirements.txt");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let (path, unblock) = (fifo.clone(), fifo.clone());
    let err = without_blocking(move || read_lockfile(&path).map(|_| ()), move || drop(std::fs::OpenOptions::new().write(true).open(unblock))).unwrap_err();
    assert!(err.to_string().contains("a FIFO (named pipe), not a regular file"), "{err}");
}

#[test]
fn an_oversized_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("requirements.txt");
    // sparse: no 16 MiB written
    std::fs::File::create(&big).unwrap().set_len(MAX_LOCKFILE_BYTES + 1).unwrap();
    let err = read_lockfile(&big).unwrap_err();
    assert!(err.to_string().contains("larger than the limit of 16 MiB"), "{err}");
    assert!(err.hint().contains("split a huge requirements file"), "the hint speaks of the size: {}", err.hint());
    // one byte under the limit is read (and then parsed)
    std::fs::write(&big, "six==1.16.0\n").unwrap();
    assert_eq!(read_lockfile(&big).expect("small file").packages.len(), 1);
}

#[test]
fn a_line_that_is_not_a_requirement_is_not_quoted() {
    let secret = "hunter2-do-not-print";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requirements.txt");
    for text in [
        format!("six==1.16.0\nAWS_SECRET_ACCESS_KEY={secret}\n"),
        // a .env file
        format!("six==1.16.0\nDATABASE_URL=postgres://app:{secret}@db/app\n"),
        format!("six==1.16.0\npkg ; os_name == '{secret}\n"),
        format!("six==1.16.0\n{secret}[x\n"),
        format!("six==1.16.0\n--index-url 'https://{secret}\n"),
    ] {
        std::fs::write(&path, &text).unwrap();
        let err = read_lockfile(&path).unwrap_err();
        let shown = format!("{err} {}", err.hint());
        assert!(!shown.contains(secret) && !shown.contains("AWS_SECRET") && !shown.contains("TOKEN"), "{shown}");
        assert!(err.line().is_some(), "{err}");
    }
    // `/proc/self/environ` is NUL-separated: not a text file at all
    std::fs::write(&path, format!("PATH=/usr/bin\0TOKEN={secret}\0HOME=/root\0")).unwrap();
    let err = read_lockfile(&path).unwrap_err();
    assert!(err.to_string().contains("contains NUL bytes: not a text file") && !err.to_string().contains(secret), "{err}");
    std::fs::write(&path, format!("six==1.16.0\nAWS_SECRET_ACCESS_KEY={secret}\n")).unwrap();
    assert!(read_lockfile(&path).unwrap_err().to_string().ends_with("requirements.txt: line 2 is not a requirement (a version clause uses a single '='; write '==')"));
}

#[cfg(target_os = "linux")]
#[test]
fn proc_self_environ_is_not_echoed() {
    // a regular file by its type, of size 0 by stat, full of secrets
    let err = read_lockfile(Path::new("/proc/self/environ")).unwrap_err();
    let shown = err.to_string();
    for (k, v) in std::env::vars().filter(|(_, v)| v.len() >= 6) {
        assert!(!shown.contains(&v), "{k}'s value in {shown}");
    }
}
