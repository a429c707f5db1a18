//! The verdict store behind the gate: the operations [`crate::gate::Gate`] needs (verdict
//! by sha256 + analysis version, record a verdict, known-malware advisories, history, the
//! decision log), over two backends:
//!
//! - [`SqliteStore`]: the verdict DB of one machine ([`crate::db::Db`], the default);
//! - [`PgStore`]: PostgreSQL, shared by the replicas of `safe-pip serve`.
//!
//! [`VerdictStore::analyse_once`] is how the gate analyses a file it has no verdict for:
//! PostgreSQL holds a transaction-scoped advisory lock keyed on the file's sha256 while
//! the analysis runs and inserts with `ON CONFLICT DO NOTHING`, so replicas that meet the
//! same new file at once analyse it once and store one verdict.
//!
//! Errors are [`DbError`]s: callers fail closed on them exactly as on the SQLite DB's.

mod postgres;
mod pg_schema;
mod sqlite;
mod verdict_store;

#[cfg(test)]
pub(crate) mod pg_test;

pub(crate) use postgres::PgStore;
pub(crate) use sqlite::SqliteStore;
pub(crate) use verdict_store::{ReadyVerdict, VerdictStore};

use crate::db::DbError;
use std::path::PathBuf;
use std::sync::Arc;

/// Where the verdicts live, as `--db` names it: `sqlite:PATH` (or a bare path) or a
/// `postgres://` / `postgresql://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StoreSpec {
    Sqlite(PathBuf),
    Postgres(String),
}

impl StoreSpec {
    pub(crate) fn parse(s: &str) -> StoreSpec {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            StoreSpec::Postgres(s.to_string())
        } else {
            StoreSpec::Sqlite(PathBuf::from(s.strip_prefix("sqlite:").unwrap_or(s)))
        }
    }

    /// Opens the store, applying its migrations.
    pub(crate) fn open(&self) -> Result<Arc<dyn VerdictStore>, DbError> {
        Ok(match self {
            StoreSpec::Sqlite(p) => Arc::new(SqliteStore::new(crate::db::Db::open(p)?)),
            StoreSpec::Postgres(url) => Arc::new(PgStore::connect(url)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(StoreSpec::parse("sqlite:/a/b.sqlite3"), StoreSpec::Sqlite("/a/b.sqlite3".into()));
        assert_eq!(StoreSpec::parse("v.sqlite3"), StoreSpec::Sqlite("v.sqlite3".into()));
        assert_eq!(StoreSpec::parse("postgres://u@h/db"), StoreSpec::Postgres("postgres://u@h/db".into()));
        assert_eq!(StoreSpec::parse("postgresql://h/db"), StoreSpec::Postgres("postgresql://h/db".into()));
    }
}
