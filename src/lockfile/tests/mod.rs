//! Tests of the lockfile readers.
