//! The analysis version verdicts are keyed by (its own file: every module of `db` and
//! the fronts read it, and it changes with the detectors, not with the DB).

/// Version of the analysis that produced a verdict. Verdicts are keyed by file sha256
/// **and** this string, so a newer engine re-checks every file instead of trusting what
/// an older one concluded.
///
/// **Bump it whenever detectors, the catalogue's severities, scoring or anything else
/// that can change a verdict for the same bytes changes.** Old verdicts then become
/// stale: lookups miss, `safe-pip db prune --stale` deletes them.
/// 4: files nested too deep to analyse are blocked (`analysis-limit-exceeded`).
/// 5: the module pre-pass no longer skips modules some detector reports on (it dropped
/// high-entropy, network, sensitive-path and dynamic-code alerts in 17 benign files).
/// 6: archives inside the package (a zip or wheel it ships) are opened and their code
/// analysed as shipped code (within the package's limits).
/// 7: verdicts keyed on intent: plain commands at import are `shell-access`, a URL alone
/// in an install command is a download, `/dev/tcp` needs redirected streams, long texts
/// are read line by line for download-and-run commands, `eval("exec")` is not hidden;
/// `pth-code`, `bundled-executable` and `dormant-malicious-code` are medium.
/// 8: flows across functions: helpers defined below their caller (a second walk with
/// their return labels), decoded URLs handed to sending helpers, wallet secrets by role,
/// host beacons at the top level of any package module.
/// 9: code handed to `exec`/`eval` as plain text is walked where the call is; game
/// launcher session-token files are stealer targets.
/// 10: comprehensions are unrolled within a per-file budget (a file past it was analysed
/// for minutes), and a `NAME = [...]` statement of a megabyte or more is walked a group
/// of elements at a time; no verdict or alert changed on either corpus.
/// 11: a shell command uploading files (`curl -F file=@…`, `curl -T`, `wget --post-file`)
/// to a fixed host, from an entry point that names SSH keys, shell history or stealer
/// stores, is exfiltration.
/// 12: a string constant a method stores on `self` is seen by the class's other methods
/// (a bot token set in `__init__` and posted to by `send`); bare Discord bot tokens are
/// `webhook-url`, and browser/wallet stores read by a file that holds a bot token and
/// uploads files through a chat `send` are exfiltration.
/// 13: an object of a known type a method stores on `self` (`self.sock = socket.socket()`)
/// is seen by the class's other methods: a class-based agent's socket, a client's session.
/// 14: PyArmor-packed code in a package's own modules is `obfuscated-payload` (high).
/// 15: a module the lexer gives up on (binary bytes named `.py`), and a module over 4 MB
/// whose statement slices do not parse, are walked in bounded slices with their errors
/// counted, rather than parsed whole.
/// 16: `chr(ord(c) ± k)` (a shift of each character of data, also inside `% 26`
/// arithmetic) decodes, as `chr(ord(c) ^ k)` did; `/proc/self/environ` is read as the
/// whole environment (a credential); a setup.py function that evaluates what it decodes
/// from its argument is `decode-exec` (a library's deserialiser still is not);
/// `chr(int(x, 2))` and `bytes(int(x, 2) for …)` (also bases 8 and 16) decode; what a
/// method of the file's own classes decodes reaches its caller (also for a class
/// defined further down); an imported module's network function replaced by one of the
/// file's own on import or install is `traffic-interception` (critical).
/// 17: a `.pth` below the package root (not a wheel's `.data/purelib|platlib`) is data,
/// not a start-up file: `site` never reads it there.
/// 18: a zip member over 1 MiB that no detector reads is read to its head only: the
/// RECORD check compares its size, not its hash (no result changed on either corpus).
/// 19: an sdist's prebuilt native library counts as compiled code only with native
/// sources beside it: a sourceless one is `bundled-executable` (medium).
/// 20: every zip member no detector reads is read to its head only (executables up to
/// 1 MiB are still hashed): the RECORD check compares sizes for all of them.
/// 21: a `.pyc` a wheel or egg installs outside `__pycache__` with no source beside it is
/// `sourceless-bytecode` (high).
/// 22: a file written by a relative name after `os.chdir` into an autostart location, in
/// the same function, is persistence (`persistence`, or `install-persistence` when
/// installing or importing runs it).
pub const ANALYSIS_VERSION: &str = "22";
