//! A cheap integrity check at open. SQLite notices a damaged page only when a query
//! reads it, so damage in a table a command never touches (the decision log, imported
//! advisories) would go unnoticed until `db check`. Every open therefore runs
//! `PRAGMA quick_check` when the file changed since the last check this program
//! recorded, and a clean close records the file's stamp (size, times, inode) in a small
//! sidecar (`<db>-checked`) so the next open of an unchanged file costs nothing.
//!
//! The stamp is written only after the write-ahead log is fully checkpointed, so it is
//! the stamp of what the next open will read; a change by anyone else (another program,
//! a disk error that rewrote the file, a copy from elsewhere) means a new check.

use std::path::{Path, PathBuf};

/// At most this many problems are collected from `quick_check`.
const MAX_PROBLEMS: u32 = 5;

/// Path of the sidecar holding the stamp of the last checked state.
pub(crate) fn stamp_path(db: &Path) -> PathBuf {
    super::paths::sibling(db, "-checked")
}

/// The file's identity and last change, as one comparable line; None when it cannot be
/// read (then the check always runs).
pub(crate) fn stamp_of(db: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(db).ok()?;
    Some(format!("{} {} {}.{:09} {}.{:09}", m.ino(), m.len(), m.mtime(), m.mtime_nsec(), m.ctime(), m.ctime_nsec()))
}

/// True when the file is not known to be unchanged since it was last checked.
pub(crate) fn needs_check(db: &Path) -> bool {
    match (stamp_of(db), std::fs::read_to_string(stamp_path(db))) {
        (Some(now), Ok(recorded)) => now != recorded.trim_end(),
        _ => true,
    }
}

/// Remembers the file's current state as checked. Failing to write the sidecar (a
/// read-only folder) only means the next open checks again.
pub(crate) fn record(db: &Path) {
    if let Some(stamp) = stamp_of(db) {
        let path = stamp_path(db);
        let tmp = super::paths::sibling(&path, &format!(".{}", std::process::id()));
        if std::fs::write(&tmp, format!("{stamp}\n")).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// Problems `PRAGMA quick_check` reports (empty when the file is sound).
pub(crate) fn quick_check(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA quick_check({MAX_PROBLEMS})"))?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?.into_iter().filter(|r| r != "ok").collect())
}

/// Moves every WAL frame into the main file without waiting for other connections;
/// true when nothing is left in the log (so the main file is what the next open reads).
pub(crate) fn checkpoint_fully(conn: &rusqlite::Connection) -> bool {
    // (busy, frames in the log, frames checkpointed); -1 frames when not in WAL mode
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))
        .is_ok_and(|(busy, log, done)| busy == 0 && log == done)
}
