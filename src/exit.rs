//! The exit statuses safe-pip documents (README, `--help`, docs/*.md), in one place.

/// How a command ended, as the process reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: everything allowed (warnings included), or the command did what it was asked.
    Allowed,
    /// 1: something was blocked (or, for `audit`, tampered with).
    Blocked,
    /// 2: a usage or internal error; nothing unchecked was let through.
    Error,
    /// 3: something could not be verified and policy does not let that pass.
    Unverified,
    /// 3: `service status` when the service is not running (as LSB init scripts).
    NotRunning,
    /// 130: stopped by Ctrl-C (128 + SIGINT), as shells report it.
    Interrupted,
    /// `install` when nothing was blocked: pip's own exit status.
    Pip(i32),
}

impl ExitStatus {
    /// The process exit code.
    pub const fn code(self) -> i32 {
        match self {
            ExitStatus::Allowed => 0,
            ExitStatus::Blocked => 1,
            ExitStatus::Error => 2,
            ExitStatus::Unverified | ExitStatus::NotRunning => 3,
            ExitStatus::Interrupted => 130,
            ExitStatus::Pip(code) => code,
        }
    }

    /// The worse of two statuses for one report: blocked over error over unverified over
    /// allowed (the order `check`, `diff` and `audit` document).
    pub fn worst(self, other: ExitStatus) -> ExitStatus {
        let rank = |s: ExitStatus| match s {
            ExitStatus::Blocked => 3,
            ExitStatus::Error => 2,
            ExitStatus::Unverified => 1,
            _ => 0,
        };
        if rank(other) > rank(self) { other } else { self }
    }
}

impl From<ExitStatus> for i32 {
    fn from(s: ExitStatus) -> i32 {
        s.code()
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus;

    #[test]
    fn codes_are_the_documented_ones() {
        let documented = [
            (ExitStatus::Allowed, 0),
            (ExitStatus::Blocked, 1),
            (ExitStatus::Error, 2),
            (ExitStatus::Unverified, 3),
            (ExitStatus::NotRunning, 3),
            (ExitStatus::Interrupted, 130),
            (ExitStatus::Pip(7), 7),
        ];
        for (status, code) in documented {
            assert_eq!(status.code(), code, "{status:?}");
        }
    }

    #[test]
    fn worst_ranks_blocked_over_error_over_unverified() {
        use ExitStatus::*;
        assert_eq!(Allowed.worst(Unverified), Unverified);
        assert_eq!(Unverified.worst(Error), Error);
        assert_eq!(Blocked.worst(Error), Blocked);
        assert_eq!(Error.worst(Blocked), Blocked);
        assert_eq!(Unverified.worst(Allowed), Unverified);
    }
}
