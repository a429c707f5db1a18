//! `-i/--index-url` and `--extra-index-url`, shared by the commands that ask an index,
//! and the client built from them plus pip's own configuration (as pip discovers it).

use crate::error::Error;
use crate::index::{DiscoveryInputs, IndexClient, IndexSettings, discover};
use clap::Args;

#[derive(Args, Debug, Clone, Default)]
pub struct IndexFlags {
    /// Base URL of the Python Package Index (default: pip's configuration, else PyPI).
    #[arg(long, short = 'i', value_name = "URL")]
    pub index_url: Option<String>,
    /// Extra index URLs, as pip's --extra-index-url.
    #[arg(long, value_name = "URL")]
    pub extra_index_url: Vec<String>,
}

impl IndexFlags {
    /// The index settings pip would use with these flags applied as pip applies them.
    pub fn settings(&self) -> Result<IndexSettings, Error> {
        let mut pip_args = vec!["install".to_string()];
        if let Some(u) = &self.index_url {
            pip_args.extend(["--index-url".into(), u.clone()]);
        }
        for u in &self.extra_index_url {
            pip_args.extend(["--extra-index-url".into(), u.clone()]);
        }
        Ok(discover(&DiscoveryInputs::from_process(&pip_args))?)
    }

    /// The client.
    pub fn client(&self) -> Result<IndexClient, Error> {
        Ok(IndexClient::new(&self.settings()?)?)
    }
}
