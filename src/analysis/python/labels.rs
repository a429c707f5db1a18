//! Flow labels: where a value came from. Propagated through assignments, containers,
//! string building and calls inside one function scope (taint-lite).

use std::ops::{BitOr, BitOrAssign};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Labels(pub u16);

impl Labels {
    pub(crate) const NONE: Labels = Labels(0);
    /// Output of a decoder (base64, zlib, marshal, Fernet …).
    pub(crate) const DECODED: Labels = Labels(1);
    /// Data read from the network (HTTP body, socket.recv).
    pub(crate) const NET: Labels = Labels(1 << 1);
    /// User name, host name, working directory, MAC address …
    pub(crate) const HOST: Labels = Labels(1 << 2);
    /// Credentials: sensitive files, secret environment variables, browser stores.
    pub(crate) const SECRET: Labels = Labels(1 << 3);
    /// The whole environment (os.environ).
    pub(crate) const ENV: Labels = Labels(1 << 4);
    /// Path of a file written from network data.
    pub(crate) const DL_PATH: Labels = Labels(1 << 5);
    /// Data received on a raw socket.
    pub(crate) const SOCK: Labels = Labels(1 << 6);
    /// A string assembled by chr()/join/reversal/bytes lists (obfuscation shape).
    pub(crate) const BUILT: Labels = Labels(1 << 7);
    /// Facts that matter only when sent at install/import time (working directory).
    pub(crate) const WEAK_HOST: Labels = Labels(1 << 8);
    /// Input of a web request handler (flask `request.args`, django `request.GET` …).
    pub(crate) const REMOTE: Labels = Labels(1 << 9);
    /// Derived from a parameter of the enclosing function (for call summaries).
    pub(crate) const PARAM: Labels = Labels(1 << 10);
    /// A secret read from one named environment variable (`GITHUB_TOKEN`): what an API
    /// client sends to its own service, so only install/import use makes it a theft.
    pub(crate) const TOKEN: Labels = Labels(1 << 11);
    /// A wallet secret handed to the function: a parameter named as a private key or
    /// seed phrase. Kept through containers and string building, dropped by other calls
    /// (a transaction signed with the key carries no key).
    pub(crate) const WALLET: Labels = Labels(1 << 12);
    /// Values parsed out of a credential file (`configparser.read("~/.aws/credentials")`
    /// then `.get(…)`): the file's secrets themselves, not a token an API client sends.
    pub(crate) const CRED_FILE: Labels = Labels(1 << 13);
    /// Derived from the function's first parameter (after `self`/`cls`): the one a call
    /// summary maps the caller's first argument to. Always set with [`Labels::PARAM`].
    pub(crate) const FIRST_PARAM: Labels = Labels(1 << 14);
    /// Both parameter labels, for stripping.
    pub(crate) const PARAMS: Labels = Labels(Labels::PARAM.0 | Labels::FIRST_PARAM.0);

    pub(crate) fn has(self, other: Labels) -> bool {
        self.0 & other.0 != 0
    }
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The labels without `other`.
    pub(crate) fn without(self, other: Labels) -> Labels {
        Labels(self.0 & !other.0)
    }
    /// Human description of the sensitive labels present.
    pub(crate) fn describe_data(self) -> String {
        let mut parts = Vec::new();
        if self.has(Labels::WALLET) {
            parts.push("a wallet key or seed phrase");
        }
        if self.has(Labels::SECRET) || self.has(Labels::CRED_FILE) {
            parts.push("credentials");
        } else if self.has(Labels::TOKEN) {
            parts.push("a secret environment variable");
        }
        if self.has(Labels::ENV) {
            parts.push("the environment");
        }
        if self.has(Labels::HOST) {
            parts.push("host/user information");
        } else if self.has(Labels::WEAK_HOST) {
            parts.push("the working directory");
        }
        if parts.is_empty() {
            parts.push("data");
        }
        parts.join(" and ")
    }
}

impl BitOr for Labels {
    type Output = Labels;
    fn bitor(self, rhs: Labels) -> Labels {
        Labels(self.0 | rhs.0)
    }
}

impl BitOrAssign for Labels {
    fn bitor_assign(&mut self, rhs: Labels) {
        self.0 |= rhs.0;
    }
}

impl std::ops::BitAnd for Labels {
    type Output = Labels;
    fn bitand(self, rhs: Labels) -> Labels {
        Labels(self.0 & rhs.0)
    }
}
