//! Backups of the installers' config files, so `safe-pip setup … --undo` puts back exactly
//! what was there: the same bytes and mode, or no file at all when there was none.
//! One backup per tool (`backups/<tool>.json`, private), taken by the first setup and
//! kept through repeated setups until undone.

use super::{ServiceError, write_file};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Backup {
    /// The config file setup changed.
    pub path: PathBuf,
    /// Its bytes before setup (base64), `None` when it did not exist.
    pub original: Option<String>,
    /// Its Unix mode before setup.
    pub mode: Option<u32>,
    /// sha256 of what setup wrote, to notice later edits.
    pub written_sha256: String,
}

/// What `--undo` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Restored {
    /// Nothing was backed up for this tool.
    NothingToUndo,
    /// The file has its old bytes again (`kept`: where the edited content went when the
    /// file had changed since setup).
    Rewritten { path: PathBuf, kept: Option<PathBuf> },
    /// The file did not exist before setup and was removed.
    Removed { path: PathBuf, kept: Option<PathBuf> },
}

fn backup_file(state: &Path, tool: &str) -> PathBuf {
    state.join("backups").join(format!("{tool}.json"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    crate::hex::hex(&Sha256::digest(bytes))
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_: &Path) -> Option<u32> {
    None
}

pub(crate) fn load(state: &Path, tool: &str) -> Result<Option<Backup>, ServiceError> {
    let p = backup_file(state, tool);
    match std::fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b).map(Some).map_err(|e| ServiceError::Invalid { path: p, detail: e.to_string() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ServiceError::Io { what: "cannot read", path: p, source: e }),
    }
}

/// Replaces `path` with `new`, backing up its current state first unless a backup of
/// an earlier setup exists (that one holds the user's own file).
pub(crate) fn replace(state: &Path, tool: &str, path: &Path, new: &[u8]) -> Result<(), ServiceError> {
    let existing = load(state, tool)?;
    if let Some(b) = &existing {
        if b.path != path {
            return Err(ServiceError::OtherFileBackedUp { tool: tool.to_string(), earlier: b.path.clone(), now: path.to_path_buf() });
        }
    }
    let backup = match existing {
        Some(b) => Backup { written_sha256: sha256_hex(new), ..b },
        None => {
            let original = match std::fs::read(path) {
                Ok(b) => Some(base64::engine::general_purpose::STANDARD.encode(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(ServiceError::Io { what: "cannot read", path: path.to_path_buf(), source: e }),
            };
            Backup { path: path.to_path_buf(), original, mode: mode_of(path), written_sha256: sha256_hex(new) }
        }
    };
    let text = serde_json::to_vec_pretty(&backup).map_err(|source| ServiceError::Encode { what: "the backup", source })?;
    // The backup first: if writing the config fails, undo still knows the original.
    write_file(&backup_file(state, tool), &text, true)?;
    write_file(path, new, false)
}

/// Puts the file back as it was before the first setup and forgets the backup.
pub(crate) fn restore(state: &Path, tool: &str) -> Result<Restored, ServiceError> {
    let Some(b) = load(state, tool)? else { return Ok(Restored::NothingToUndo) };
    let current = std::fs::read(&b.path).ok();
    // Edited since setup? Keep that content next to the backup rather than lose it.
    let kept = match &current {
        Some(bytes) if sha256_hex(bytes) != b.written_sha256 => {
            let p = state.join("backups").join(format!("{tool}.edited-after-setup"));
            write_file(&p, bytes, true)?;
            Some(p)
        }
        _ => None,
    };
    let outcome = match &b.original {
        Some(encoded) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| ServiceError::Invalid { path: backup_file(state, tool), detail: e.to_string() })?;
            write_file(&b.path, &bytes, false)?;
            #[cfg(unix)]
            if let Some(mode) = b.mode {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&b.path, std::fs::Permissions::from_mode(mode)).map_err(ServiceError::io("cannot set the mode of", &b.path))?;
            }
            Restored::Rewritten { path: b.path.clone(), kept }
        }
        None => {
            match std::fs::remove_file(&b.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(ServiceError::Io { what: "cannot remove", path: b.path.clone(), source: e }),
            }
            Restored::Removed { path: b.path.clone(), kept }
        }
    };
    let bf = backup_file(state, tool);
    std::fs::remove_file(&bf).map_err(ServiceError::io("cannot remove", &bf))?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_restores_bytes_and_mode_and_removes_new_files() {
        let tmp = tempfile::tempdir().unwrap();
        let state = tmp.path().join("state");
        let conf = tmp.path().join("pip.conf");
        let original = b"# mine\r\n[global]\ntimeout = 60\n\xff\n".to_vec();
        std::fs::write(&conf, &original).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        replace(&state, "pip", &conf, b"first").unwrap();
        // A second setup keeps the first backup (the user's file).
        replace(&state, "pip", &conf, b"second").unwrap();
        assert_eq!(std::fs::read(&conf).unwrap(), b"second");
        assert!(matches!(restore(&state, "pip").unwrap(), Restored::Rewritten { kept: None, .. }));
        assert_eq!(std::fs::read(&conf).unwrap(), original);
        #[cfg(unix)]
        assert_eq!(mode_of(&conf), Some(0o640));
        assert_eq!(restore(&state, "pip").unwrap(), Restored::NothingToUndo);

        let fresh = tmp.path().join("uv").join("uv.toml");
        replace(&state, "uv", &fresh, b"[[index]]\n").unwrap();
        std::fs::write(&fresh, b"edited by hand").unwrap();
        match restore(&state, "uv").unwrap() {
            Restored::Removed { kept: Some(k), .. } => assert_eq!(std::fs::read(k).unwrap(), b"edited by hand"),
            other => panic!("{other:?}"),
        }
        assert!(!fresh.exists());
    }

    #[test]
    fn a_setup_of_another_file_needs_an_undo_first() {
        let tmp = tempfile::tempdir().unwrap();
        replace(tmp.path(), "pip", &tmp.path().join("a.conf"), b"x").unwrap();
        let e = replace(tmp.path(), "pip", &tmp.path().join("b.conf"), b"y").unwrap_err();
        assert!(matches!(&e, ServiceError::OtherFileBackedUp { tool, .. } if tool == "pip"), "{e}");
        assert_eq!(crate::error::Hint::hint(&e), "run `safe-pip setup pip --undo` first");
    }
}
