//! Hermetic tests of the index module: every server is started by the test itself on
//! 127.0.0.1, and no request goes anywhere else.

mod client;
mod config;
mod pages;
pub(crate) mod server;

use super::{IndexClient, IndexSettings};
use std::time::Duration;

/// A client for `index` (and extras) with fast retries and no environment influence.
fn client_for(index: &str, extras: &[String]) -> IndexClient {
    let mut s = IndexSettings::for_index(index);
    s.extra_index_urls = extras.to_vec();
    s.retries = 2;
    s.timeout = Duration::from_secs(5);
    IndexClient::new(&s).expect("client").with_backoff(Duration::from_millis(10))
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    crate::hex::hex(&sha2::Sha256::digest(b))
}
