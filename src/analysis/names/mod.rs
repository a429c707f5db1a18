//! Name checks: dependency confusion (internal names offered by a public or second index,
//! see [`check_confusion`]) and typosquatting against the bundled list of the most-downloaded PyPI
//! projects. Offline and instant; the list ships inside the package
//! (python/safe_pip/data/top_packages.tsv) so `vet --offline` and `scan` work anywhere.

mod confusion;
mod top_packages;
mod typosquat;

pub use confusion::{InternalPolicy, InternalRule, InternalRuleError, check_confusion};
pub use crate::pep503::normalize_name as normalize;
pub use top_packages::{Popular, TopPackages};
pub use typosquat::{Squat, check_typosquat, check_typosquat_as_new};
