//! safe-pip: keeps malicious and risky Python packages off a machine by analysing every
//! distribution file statically before it is installed.

pub mod alerts;
pub mod analysis;
pub mod artifact;
pub mod finding;
