//! Registry metadata cache with a TTL: (index URL, normalised project, release) → a
//! JSON blob and when it was fetched. Index URLs are stored without credentials. A blob that no longer deserialises into the caller's type (the type
//! changed between versions) is a miss, never an error.

use super::connection::Db;
use super::errors::DbError;
use super::clock::now;
use crate::analysis::names::normalize;
use rusqlite::params;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// A cached value and when it was fetched (unix seconds).
#[derive(Clone, Debug, PartialEq)]
pub struct CachedMetadata<T> {
    pub value: T,
    pub fetched_at: i64,
}

fn key(index_url: &str, project: &str, release: Option<&str>) -> (String, String, String) {
    (without_credentials(index_url.trim()), normalize(project), release.map(str::trim).unwrap_or("").to_string())
}

/// The index URL with any user and password removed: the same index reached with other
/// credentials is the same cache entry, and no secret is stored.
fn without_credentials(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.has_host() => {
            let _ = u.set_password(None);
            let _ = u.set_username("");
            u.to_string()
        }
        _ => crate::redact::redact(url),
    }
}

impl Db {
    /// Stores `value` (e.g. [`crate::analysis::metadata::RegistryFacts`]) fetched now.
    /// `release` is `None` for project-level facts.
    pub fn metadata_put<T: Serialize>(&self, index_url: &str, project: &str, release: Option<&str>, value: &T) -> Result<(), DbError> {
        self.metadata_put_at(index_url, project, release, value, now())
    }

    pub fn metadata_put_at<T: Serialize>(
        &self,
        index_url: &str,
        project: &str,
        release: Option<&str>,
        value: &T,
        fetched_at: i64,
    ) -> Result<(), DbError> {
        let body = serde_json::to_string(value).map_err(|e| DbError::InvalidInput { what: "metadata", detail: e.to_string() })?;
        let (url, project, release) = key(index_url, project, release);
        if project.is_empty() {
            return Err(DbError::InvalidInput { what: "project name", detail: "it is empty".into() });
        }
        self.write("cache metadata", |tx| {
            tx.prepare_cached(
                "INSERT INTO metadata_cache (index_url, project, release, body, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (index_url, project, release) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
            )?
            .execute(params![url, project, release, body, fetched_at])?;
            Ok(())
        })
    }

    /// The cached value if it was fetched less than `ttl` ago.
    pub fn metadata_get_fresh<T: DeserializeOwned>(
        &self,
        index_url: &str,
        project: &str,
        release: Option<&str>,
        ttl: Duration,
    ) -> Result<Option<CachedMetadata<T>>, DbError> {
        self.metadata_get_fresh_at(index_url, project, release, ttl, now())
    }

    pub fn metadata_get_fresh_at<T: DeserializeOwned>(
        &self,
        index_url: &str,
        project: &str,
        release: Option<&str>,
        ttl: Duration,
        now: i64,
    ) -> Result<Option<CachedMetadata<T>>, DbError> {
        let (url, project, release) = key(index_url, project, release);
        let row: Option<(String, i64)> = self.read("read cached metadata", |c| {
            let mut stmt = c.prepare_cached("SELECT body, fetched_at FROM metadata_cache WHERE index_url = ?1 AND project = ?2 AND release = ?3")?;
            let mut rows = stmt.query(params![url, project, release])?;
            match rows.next()? {
                Some(r) => Ok(Some((r.get(0)?, r.get(1)?))),
                None => Ok(None),
            }
        })?;
        let Some((body, fetched_at)) = row else { return Ok(None) };
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let age = now.saturating_sub(fetched_at);
        // A timestamp in the future (clock changed) is not trusted as fresh.
        if age < 0 || age >= ttl {
            return Ok(None);
        }
        Ok(serde_json::from_str(&body).ok().map(|value| CachedMetadata { value, fetched_at }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::temp_db;
    use super::*;
    use crate::analysis::metadata::RegistryFacts;

    #[test]
    fn fresh_within_ttl_stale_after_and_keyed_by_index_project_release() {
        let (_d, db) = temp_db();
        let facts = RegistryFacts {
            name: "Requests".into(),
            version: "2.32.3".into(),
            summary: Some("HTTP for Humans".into()),
            ..RegistryFacts::default()
        };
        let url = "https://user:tok@pypi.example/simple/";
        db.metadata_put_at(url, "Requests", Some("2.32.3"), &facts, 1_000).expect("put");

        let hour = Duration::from_secs(3600);
        let hit: CachedMetadata<RegistryFacts> =
            db.metadata_get_fresh_at("https://pypi.example/simple/", "requests", Some("2.32.3"), hour, 1_000 + 3599).expect("get").expect("fresh");
        assert_eq!(hit.value, facts);
        assert_eq!(hit.fetched_at, 1_000);
        // Same URL with other credentials is the same key: credentials are not stored.
        assert!(db.metadata_get_fresh_at::<RegistryFacts>("https://other:x@pypi.example/simple/", "REQUESTS", Some("2.32.3"), hour, 1_001).expect("get").is_some());

        let miss = |url: &str, project: &str, release: Option<&str>, now: i64| {
            db.metadata_get_fresh_at::<RegistryFacts>(url, project, release, hour, now).expect("get").is_none()
        };
        assert!(miss(url, "requests", Some("2.32.3"), 1_000 + 3600), "expired");
        assert!(miss(url, "requests", Some("2.32.3"), 999), "fetched in the future");
        assert!(miss(url, "requests", None, 1_001), "project-level key is separate");
        assert!(miss("https://pypi.org/simple/", "requests", Some("2.32.3"), 1_001), "other index");

        // Overwrite refreshes; a blob of another shape is a miss.
        db.metadata_put_at(url, "requests", Some("2.32.3"), &facts, 5_000).expect("put");
        assert!(!miss(url, "requests", Some("2.32.3"), 5_001));
        db.metadata_put_at(url, "requests", None, &vec![1, 2, 3], 5_000).expect("put");
        assert!(miss(url, "requests", None, 5_001));
        let raw: Option<CachedMetadata<serde_json::Value>> = db.metadata_get_fresh_at(url, "requests", None, hour, 5_001).expect("get");
        assert_eq!(raw.map(|c| c.value), Some(serde_json::json!([1, 2, 3])));
    }
}
