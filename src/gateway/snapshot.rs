//! Laptops' side of the gateway's `/snapshot`: `safe-pip db import https://gateway/snapshot`
//! fetches the organisation's verdicts, decision log and advisories (the format `safe-pip
//! db export` writes) and imports them into the local verdict DB for offline use
//! (`safe-pip check` answers from it with no network).
//!
//! The token comes from a file (`--token-file`) or `$SAFE_PIP_GATEWAY_TOKEN`, never from
//! the command line (shell history, `ps`): a URL with credentials in it is refused. It is
//! sent as HTTP Basic (the secret as password), as pip sends index credentials, through
//! the same client as index requests (pip's CA bundle, proxies, netrc; plain http only to
//! loopback or `--trusted-host`), and never printed.

use crate::db::{Db, SnapshotImportReport};
use crate::error::{Error, Hint};
use crate::index::{IndexClient, redact};
use std::path::Path;

/// Environment variable holding the gateway token for `db import URL`.
pub(crate) const TOKEN_ENV: &str = "SAFE_PIP_GATEWAY_TOKEN";

/// Largest snapshot read (a snapshot of millions of verdicts is a few GB; this is a laptop).
const MAX_SNAPSHOT_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Whether `db import` was given a URL rather than a path.
pub(crate) fn is_url(input: &str) -> bool {
    input.starts_with("https://") || input.starts_with("http://")
}

/// The token: the first line of `file` that is not blank or a `#` comment (`NAME SECRET`
/// lines as in the gateway's token file: the secret is the last word), else
/// `$SAFE_PIP_GATEWAY_TOKEN`; `None` when neither is set.
pub(crate) fn read_token(file: Option<&Path>) -> Result<Option<String>, Error> {
    const HINT: &str = "put the gateway token in a file readable only by you (--token-file) or in $SAFE_PIP_GATEWAY_TOKEN";
    let text = match file {
        Some(f) => std::fs::read_to_string(f).map_err(|e| Error::new(format!("cannot read token file {}: {e}", f.display()), HINT))?,
        None => match std::env::var(TOKEN_ENV) {
            Ok(t) => t,
            Err(_) => return Ok(None),
        },
    };
    let token = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).and_then(|l| l.split_whitespace().last()).map(str::to_string);
    match token {
        Some(t) => Ok(Some(t)),
        None => Err(Error::new(match file {
            Some(f) => format!("token file {} holds no token", f.display()),
            None => format!("${TOKEN_ENV} is empty"),
        }, HINT)),
    }
}

/// The snapshot URL: `url` itself, or `/snapshot` on its host when it names only the host.
fn snapshot_url(url: &str, token: Option<&str>) -> Result<url::Url, Error> {
    let mut u = url::Url::parse(url).map_err(|e| Error::new(format!("invalid URL {}: {e}", redact(url)), "give the gateway's snapshot URL, e.g. https://gateway.acme.example/snapshot"))?;
    if !u.username().is_empty() || u.password().is_some() {
        return Err(Error::new(
            format!("refusing {}: a token in the URL ends up in shell history and process lists", redact(url)),
            "give the URL without credentials and the token with --token-file FILE or $SAFE_PIP_GATEWAY_TOKEN",
        ));
    }
    if u.path() == "/" || u.path().is_empty() {
        u.set_path("/snapshot");
    }
    if let Some(t) = token {
        // Basic auth with the secret as password, split off again by the client and sent
        // only to this host.
        let bad = || Error::new("the gateway token cannot be sent in HTTP Basic authentication", "use a token of letters, digits and punctuation");
        u.set_username("snapshot").map_err(|_| bad())?;
        u.set_password(Some(&percent_encode(t))).map_err(|_| bad())?;
    }
    Ok(u)
}

fn percent_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Fetches the snapshot at `url` (with `token`) and imports it into `db`.
pub(crate) fn import_from_url(db: &Db, url: &str, token: Option<&str>) -> Result<SnapshotImportReport, Error> {
    let target = snapshot_url(url, token)?;
    let settings = crate::proxy::settings_for(&[target.to_string()])?;
    let client = IndexClient::new(&settings)?;
    let shown = redact(target.as_str());
    let body = match client.document(target.as_str(), MAX_SNAPSHOT_BYTES) {
        Ok(Some(b)) => b,
        Ok(None) => return Err(Error::new(format!("{shown} answered 404"), "the gateway serves its snapshot at /snapshot (safe-pip serve from this version on)")),
        Err(crate::index::IndexError::Http { status: 401, .. }) => {
            return Err(Error::new(format!("{shown} refused the token (401)"), "check the token in --token-file / $SAFE_PIP_GATEWAY_TOKEN: a client token of the gateway"));
        }
        Err(e) => return Err(Error::new(e.to_string(), e.hint())),
    };
    let host = target.host_str().unwrap_or("gateway").to_string();
    Ok(db.import_snapshot_bytes(&body, &format!("gateway {host}"))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_tokens() {
        assert_eq!(snapshot_url("https://gw.example", None).unwrap().as_str(), "https://gw.example/snapshot");
        assert_eq!(snapshot_url("https://gw.example/org/snapshot", None).unwrap().as_str(), "https://gw.example/org/snapshot");
        let with = snapshot_url("https://gw.example/snapshot", Some("s3cret/token")).unwrap();
        assert_eq!((with.username(), with.password()), ("snapshot", Some("s3cret%2Ftoken")));
        let refused = snapshot_url("https://ci:s3cret-token@gw.example/snapshot", None).expect_err("credentials in the URL");
        assert!(!refused.message().contains("s3cret-token"), "{}", refused.message());
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("token");
        std::fs::write(&f, "# laptop token\nlaptop 0123456789abcdef01\n").unwrap();
        assert_eq!(read_token(Some(&f)).unwrap().as_deref(), Some("0123456789abcdef01"));
        std::fs::write(&f, "# none\n").unwrap();
        assert!(read_token(Some(&f)).is_err());
    }
}
