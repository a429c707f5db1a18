//! The catalogue data. One entry per alert; the variant name is what code uses, the
//! `id` is what users, policy files and decisions use. Never rename or reuse an id.
//!
//! Severity follows the organisation standard (DESIGN.md): critical blocks, high means
//! "investigate before use", medium "review and document", low is informational.

use super::entry::{AlertInfo, Category, Severity};

macro_rules! catalogue {
    ($(
        $variant:ident {
            id: $id:literal,
            severity: $sev:ident,
            category: $cat:ident,
            title: $title:literal,
            explanation: $expl:literal,
            remediation: $rem:literal $(,)?
        }
    )*) => {
        /// Every alert safe-pip can raise.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum AlertId { $($variant),* }

        impl AlertId {
            pub const ALL: &'static [AlertId] = &[$(AlertId::$variant),*];

            pub fn info(self) -> &'static AlertInfo {
                match self {
                    $(AlertId::$variant => &AlertInfo {
                        id: $id,
                        severity: Severity::$sev,
                        category: Category::$cat,
                        title: $title,
                        explanation: $expl,
                        remediation: $rem,
                    },)*
                }
            }
        }
    };
}

catalogue! {
    // ───────────── archive reading (src/artifact) ─────────────
    ArchiveUnreadable {
        id: "archive-unreadable",
        severity: Critical,
        category: Archive,
        title: "The file could not be read as a package archive",
        explanation: "The archive is truncated, corrupt or not an archive at all, or part of it cannot be checked: encrypted members, duplicate entry names, or entries built so that different tar/zip readers would extract different files. safe-pip fails closed: what cannot be checked is not allowed.",
        remediation: "Re-download the file from the index and compare its sha256 with the one the index publishes; if it is still unreadable, do not install it.",
    }
    ArchiveLimitExceeded {
        id: "archive-limit-exceeded",
        severity: Critical,
        category: Archive,
        title: "Archive exceeds safe reading limits (possible decompression bomb)",
        explanation: "A member or the whole archive decompresses far beyond the configured limits on size, member count or compression ratio, or a code file is larger than the per-file limit. Such files are built to exhaust memory or disk, and the part beyond the limit could not be checked.",
        remediation: "Do not install it. If the package is known to be huge and legitimate, raise the limit in policy for this package with a documented decision.",
    }
    ArchivePathTraversal {
        id: "archive-path-traversal",
        severity: High,
        category: Archive,
        title: "Archive member escapes the package directory",
        explanation: "A member name contains `..` components or is absolute, so an extractor could write outside the target directory (for example over ~/.bashrc). Build tools never produce such names.",
        remediation: "Do not install it; report the file to the index maintainers.",
    }
    ArchiveLinkEscape {
        id: "archive-link-escape",
        severity: High,
        category: Archive,
        title: "Symlink or hardlink points outside the package",
        explanation: "A link member targets an absolute path or a path outside the archive root. Extracting it could expose or overwrite files elsewhere on the machine. safe-pip never follows links.",
        remediation: "Do not install it unless the link is explained by the project; report it upstream.",
    }
    ArchiveLink {
        id: "archive-link",
        severity: Low,
        category: Archive,
        title: "Archive contains a link",
        explanation: "A symlink or hardlink inside the archive points to another member. This is unusual but harmless by itself; safe-pip does not follow it.",
        remediation: "No action needed unless other alerts point at the same files.",
    }
    ArchiveSpecialFile {
        id: "archive-special-file",
        severity: High,
        category: Archive,
        title: "Archive contains a device file or FIFO",
        explanation: "Character or block devices, FIFOs and similar entries have no place in a Python package and can make extractors hang or touch hardware.",
        remediation: "Do not install it; report the file to the index maintainers.",
    }
    ArchiveExtensionMismatch {
        id: "archive-extension-mismatch",
        severity: Low,
        category: Archive,
        title: "File extension does not match the archive's content",
        explanation: "The file's real type, read from its magic bytes, differs from what its name says. Indexes reject such uploads, so on its own this says little about intent; safe-pip reads the file by its real type.",
        remediation: "Informational. Make sure the file came from the index you expect.",
    }

    AnalysisLimitExceeded {
        id: "analysis-limit-exceeded",
        severity: Critical,
        category: Archive,
        title: "Code nests too deeply to analyse",
        explanation: "A code file (or a payload decoded from one) nests expressions or blocks far deeper than any real program: thousands of chained operators, attribute links, brackets, `not`s or lambdas. CPython itself refuses to compile such code; here it exists to crash or blind analysers. safe-pip does not analyse the file and fails closed: what cannot be analysed cannot be vetted.",
        remediation: "Do not install it. If the file is legitimate generated code, report it upstream and to safe-pip as a false alarm, and use another release meanwhile.",
    }

    // ───────────── install-time code (src/analysis/python) ─────────────
    InstallNetwork {
        id: "install-network",
        severity: Critical,
        category: InstallScript,
        title: "Install-time code reaches the network",
        explanation: "setup.py (or another hook that runs during `pip install`) opens network connections. Install scripts run with the user's full permissions before anyone can review the code, so a download or upload here is the classic dropper and data-theft shape.",
        remediation: "Do not install it. Legitimate packages ship their files in the archive instead of fetching them during install.",
    }
    InstallDownload {
        id: "install-download",
        severity: High,
        category: InstallScript,
        title: "Install-time code downloads files",
        explanation: "setup.py (or a module it imports) fetches a URL while pip installs the sdist, and keeps or reads what it gets: a build that pulls a library, a driver or a data file. Nothing is sent and nothing fetched is run, so it is not a dropper's shape; but what is downloaded was never checked by safe-pip, the install breaks offline, and the URL can change under you.",
        remediation: "Look at what is downloaded and from where (the evidence shows the call). Prefer a wheel (nothing runs at install), or vendor the file; if the download is expected, document the decision.",
    }
    InstallShell {
        id: "install-shell",
        severity: Critical,
        category: InstallScript,
        title: "Install-time code runs a suspicious shell command",
        explanation: "Code that runs during `pip install` starts a shell command that downloads, decodes, hides or launches something (curl, wget, PowerShell, base64, background processes). Build steps such as compilers or git do not look like this.",
        remediation: "Do not install it; read the command in the evidence and report the package if it fetches or runs code.",
    }
    InstallSubprocess {
        id: "install-subprocess",
        severity: Medium,
        category: InstallScript,
        title: "Install-time code runs external commands",
        explanation: "setup.py runs external programs during install. Build steps (compilers, cmake, git) do this legitimately, but it is also how install-time malware starts its payload.",
        remediation: "Read the command in the evidence; accept it with a documented decision if it is an ordinary build step.",
    }
    InstallHook {
        id: "install-hook",
        severity: Medium,
        category: InstallScript,
        title: "Package overrides install commands",
        explanation: "setup.py replaces setuptools commands such as install, develop, egg_info or build_py (cmdclass), or the project uses an in-tree build backend. The custom code runs at install time.",
        remediation: "Review the overriding code shown in the evidence and document the decision.",
    }
    InstallPersistence {
        id: "install-persistence",
        severity: Critical,
        category: InstallScript,
        title: "Installing or importing the package sets up persistence",
        explanation: "Code that runs during `pip install` (setup.py, its cmdclass overrides, modules it imports) or as soon as the package is imported writes to an autostart location — a shell start-up file (.bashrc, .zshrc, .profile), crontab or /etc/cron*, a systemd unit, a launch agent, a Windows Run key, the Startup folder or a scheduled task — or runs a command that does. Nobody asked for it: the user only installed or imported a library, and the code it plants keeps running after the package is removed. Tools that manage start-up entries do it when the user runs them, which is reported as `persistence` (high).",
        remediation: "Do not install it. If it was installed or imported, remove the entry it wrote (the location is in the evidence) and treat the machine as compromised. Report the package.",
    }
    PthCode {
        id: "pth-code",
        severity: Medium,
        category: InstallScript,
        title: ".pth file runs code at every Python start-up",
        explanation: "Lines in a .pth file that start with `import` are executed by the site module each time Python starts, in every program of that environment. These lines import modules, adjust sys.path or read environment variables — the way coverage, setuptools' distutils shim and import redirectors hook start-up — so it is a capability to review, not a threat by itself; the module they import is analysed like any other. A line that decodes, execs computed code, reaches the network or a shell is `pth-payload` (critical).",
        remediation: "Check what the imported module does; accept only well-known uses (for example setuptools' distutils shim) with a documented decision.",
    }
    PthPayload {
        id: "pth-payload",
        severity: Critical,
        category: InstallScript,
        title: ".pth file executes a payload at start-up",
        explanation: "A .pth file runs exec, decoding, network or shell code each time Python starts: a persistence technique used by malware.",
        remediation: "Do not install it; report the package.",
    }
    ObfuscatedInstallCode {
        id: "obfuscated-install-code",
        severity: Critical,
        category: InstallScript,
        title: "Code run at install or import is deliberately obfuscated",
        explanation: "setup.py (or other code that runs during `pip install`), or module-level code that `import` runs, hides what it does: built-ins reached through getattr(__builtins__, …) or globals(), module names assembled from chr() codes, strings built from pieces and executed, machine-generated identifiers. Build scripts and library imports have no reason to hide; this is how droppers evade review.",
        remediation: "Do not install it; the reconstructed names are shown in the evidence. Report the package.",
    }
    ImportNetwork {
        id: "import-network",
        severity: High,
        category: InstallScript,
        title: "Network access when the package is imported",
        explanation: "Module-level code in the package opens network connections as soon as it is imported, before the user calls anything.",
        remediation: "Check where the request goes and what it sends; libraries should not phone home on import.",
    }
    ImportShell {
        id: "import-shell",
        severity: High,
        category: InstallScript,
        title: "Shell command when the package is imported",
        explanation: "Module-level code runs external commands as soon as the package is imported.",
        remediation: "Read the command in the evidence and decide whether importing a library should do that.",
    }

    // ───────────── capabilities in ordinary code (src/analysis/python) ─────────────
    NetworkAccess {
        id: "network-access",
        severity: Medium,
        category: Network,
        title: "Network access",
        explanation: "The package contains code that opens network connections. That is the job of HTTP clients and API libraries; it is unexpected in, say, a maths or formatting library.",
        remediation: "Confirm the package's purpose needs the network and note which hosts it talks to.",
    }
    WebhookUrl {
        id: "webhook-url",
        severity: High,
        category: Network,
        title: "Hard-coded chat webhook or bot endpoint",
        explanation: "The code contains a Discord/Slack webhook or Telegram bot URL with credentials. These are the usual drop boxes for stolen data.",
        remediation: "Find what is sent to the endpoint; legitimate libraries take such URLs from configuration, not hard-coded.",
    }
    ShellAccess {
        id: "shell-access",
        severity: Medium,
        category: Shell,
        title: "Runs shell commands",
        explanation: "The package runs external commands (subprocess, os.system, os.popen, os.exec*, os.spawn*, pty). Common in tools, risky in libraries.",
        remediation: "Check which commands are run and whether user input reaches them.",
    }
    SensitiveFileAccess {
        id: "sensitive-file-access",
        severity: High,
        category: Filesystem,
        title: "Reads sensitive files",
        explanation: "The code refers to credential or system files: SSH keys, browser or wallet stores, cloud credentials, /etc/passwd, shell history or profiles.",
        remediation: "Find out why a package needs these files; credential stealers start exactly like this.",
    }
    SensitivePathReference {
        id: "sensitive-path-reference",
        severity: Low,
        category: Filesystem,
        title: "Refers to a credential file in ordinary code",
        explanation: "Library code names a credential location (for example ~/.aws/credentials, ~/.ssh, ~/.netrc) without sending it anywhere or touching it at install/import time. Cloud SDKs and SSH clients do this as part of their job.",
        remediation: "Informational; confirm the package's purpose explains the file.",
    }
    EnvHarvest {
        id: "env-harvest",
        severity: Medium,
        category: Filesystem,
        title: "Collects the whole environment",
        explanation: "The code serialises or enumerates all environment variables, which often hold tokens and passwords.",
        remediation: "Check where the collected environment goes.",
    }
    Persistence {
        id: "persistence",
        severity: High,
        category: Filesystem,
        title: "Installs itself to run again later",
        explanation: "The code writes to autostart locations: cron, systemd units, Windows Run keys or Startup folder, shell profiles (.bashrc, .profile), or launch agents.",
        remediation: "Do not install unless the package is a tool whose documented job is to configure start-up; report it otherwise.",
    }
    TamperPackages {
        id: "tamper-packages",
        severity: High,
        category: Filesystem,
        title: "Modifies other installed packages",
        explanation: "The code writes into site-packages or into other packages' files, a way to hide a backdoor in trusted code.",
        remediation: "Do not install it unless it is a documented packaging tool.",
    }

    // ───────────── obfuscation (src/analysis/python, src/analysis/payload.rs) ─────────────
    ObfuscatedPayload {
        id: "obfuscated-payload",
        severity: High,
        category: Obfuscation,
        title: "Encoded payload decoded at runtime",
        explanation: "A literal is decoded (base64, base32/85, hex, zlib/lzma/bz2, marshal, rot13) into code or a binary. safe-pip decoded it and shows the result as evidence.",
        remediation: "Read the decoded evidence; legitimate packages ship readable code.",
    }
    StringBuildingExec {
        id: "string-building-exec",
        severity: High,
        category: Obfuscation,
        title: "Built or reversed string feeds exec/eval/compile",
        explanation: "Code assembles a string with chr()/bytes() lists, concatenation, join or reversal and passes it to exec, eval, compile or __import__, hiding what runs.",
        remediation: "Reconstruct the string (shown in the evidence where possible) and review it.",
    }
    BuiltinsIndirection {
        id: "builtins-indirection",
        severity: High,
        category: Obfuscation,
        title: "Built-ins reached indirectly",
        explanation: "exec, eval or __import__ are looked up through getattr(__builtins__, …), globals()[…] or similar, a trick to avoid keyword-based review.",
        remediation: "Review what is executed; ordinary code calls built-ins directly.",
    }
    DynamicImport {
        id: "dynamic-import",
        severity: Low,
        category: Obfuscation,
        title: "Module imported by a computed name",
        explanation: "__import__ or importlib.import_module is called with a name computed at runtime. Plugin systems do this; so does malware hiding which modules it uses.",
        remediation: "Informational; check where the module name comes from.",
    }
    HiddenImport {
        id: "hidden-import",
        severity: High,
        category: Obfuscation,
        title: "Import of a module whose name is hidden",
        explanation: "The module name passed to __import__/importlib is built from chr() codes, decoded data or reversed/concatenated fragments.",
        remediation: "Reconstruct the name (shown in the evidence) and review the use.",
    }
    DynamicCode {
        id: "dynamic-code",
        severity: Low,
        category: Obfuscation,
        title: "exec/eval of computed code",
        explanation: "exec, eval or compile run a string computed at runtime. Templating and configuration code sometimes does this; it also hides behaviour from review.",
        remediation: "Informational; check where the executed text comes from.",
    }
    HighEntropyLiteral {
        id: "high-entropy-literal",
        severity: Medium,
        category: Obfuscation,
        title: "Long high-entropy string literal",
        explanation: "A very long string with the randomness of encrypted or compressed data, which safe-pip could not decode into anything readable.",
        remediation: "Find what the literal is used for; encrypted payloads look like this.",
    }
    MinifiedCode {
        id: "minified-code",
        severity: Medium,
        category: Obfuscation,
        title: "Minified or machine-obfuscated source",
        explanation: "The file is written as very long lines, machine-generated identifiers or lambda/XOR chains: Python packages are not normally minified.",
        remediation: "Review the file with a formatter; compare with the project's repository.",
    }

    // ───────────── malicious chains (src/analysis/python) ─────────────
    DecodeExec {
        id: "decode-exec",
        severity: Critical,
        category: Malware,
        title: "Decoded payload is executed",
        explanation: "Encoded or encrypted data is decoded and passed to exec/eval/compile/marshal: the payload is hidden from review and run.",
        remediation: "Do not install it; the decoded code is shown in the evidence. Report the package.",
    }
    DormantMaliciousCode {
        id: "dormant-malicious-code",
        severity: Medium,
        category: Malware,
        title: "Malware-shaped code in files that installing or importing never runs",
        explanation: "A test, example, documentation or hand-run build script contains a malicious chain (decode→exec, download→execute, data sent out, reverse shell). Neither `pip install` nor `import` runs these files, so it is not an immediate threat; test suites and release scripts legitimately download tools or resolve host names. It deserves a review: malware sometimes parks its payload there and loads it later — and when the package's own code or setup.py does load it, the chain is reported in that context, at full severity.",
        remediation: "Read the code at the location given. If the package's own code or setup.py imports or runs this file, treat it as critical.",
    }
    HiddenExec {
        id: "hidden-exec",
        severity: Critical,
        category: Malware,
        title: "exec/eval reached through an indirection runs computed code",
        explanation: "exec, eval or compile is obtained indirectly — getattr(__builtins__, …), eval(\"eval\"), globals()[\"exec\"], a name assembled from chr() codes — and then run on a computed string. Hiding the executing call itself has no purpose except evading review; obfuscators such as BlankOBF and Hyperion produce exactly this.",
        remediation: "Do not install it; report the package.",
    }
    Exfiltration {
        id: "exfiltration",
        severity: Critical,
        category: Malware,
        title: "Secrets or host data sent over the network",
        explanation: "The code collects credentials, tokens, environment variables or host facts (user, hostname, IP, files) and sends them to a remote endpoint; or it posts computed data to a hard-coded chat webhook / bot token, or beacons to a hard-coded host (HTTP body, DNS name) as soon as the package is imported.",
        remediation: "Do not install it; if it was installed, rotate the credentials it could reach. Report the package.",
    }
    DownloadExec {
        id: "download-exec",
        severity: Critical,
        category: Malware,
        title: "Downloads and runs code",
        explanation: "The code fetches something from the network and executes it (exec of the response, writing then running or chmod +x, `curl … | sh`, or a loop that runs commands fetched from a server): a dropper or command-and-control client.",
        remediation: "Do not install it. Report the package.",
    }
    ReverseShell {
        id: "reverse-shell",
        severity: Critical,
        category: Malware,
        title: "Reverse-shell or backdoor: remote commands executed",
        explanation: "Commands or code from a remote party are executed: a socket wired to a shell (dup2 of the socket onto stdin/stdout, pty.spawn, data received on a socket run as a command) or a web request handler that runs its input (flask `request.args`, django `request.GET` … passed to a shell or exec). Either gives a remote party control of the machine.",
        remediation: "Do not install it. Report the package.",
    }
    TrafficInterception {
        id: "traffic-interception",
        severity: Critical,
        category: Malware,
        title: "Hooks another library's network calls on import or install",
        explanation: "Importing or installing the package replaces a network function of another library (requests' get/post/request, a Session's send, urllib's urlopen, http.client, socket) with one of its own, so every request the program makes passes through the package's code: it can read the credentials and tokens they carry, change where they go or rewrite what they say. Instrumentation and mocking libraries patch only when asked (an explicit patch call, a test fixture), never by being imported.",
        remediation: "Do not install it. If it was imported, treat the credentials the program sent over the network since then as exposed.",
    }

    // ───────────── package-level signals (src/analysis/package) ─────────────
    BundledExecutable {
        id: "bundled-executable",
        severity: Medium,
        category: Package,
        title: "Executable binary in a pure-Python package",
        explanation: "The archive carries an ELF, PE or Mach-O executable although the package declares no compiled code. Driver wrappers, .NET bridges and CLI front-ends ship helpers this way, and so do droppers; the binary itself cannot be read statically. What starts it during install or import is reported by the install-time and import-time rules (and blocks when it shows intent), so on its own this is for review.",
        remediation: "Find what runs the binary and whether the project documents it.",
    }
    SourcelessBytecode {
        id: "sourceless-bytecode",
        severity: High,
        category: Obfuscation,
        title: "Module installed as bytecode only",
        explanation: "A wheel or egg installs a compiled Python module (a `.pyc` outside `__pycache__`, with no `.py` beside it). Python imports such a file directly, so importing it runs code that no source shows and that no source rule has read. Some vendors ship bytecode-only releases to hide their code; droppers and stealers compiled to bytecode use the same door.",
        remediation: "Ask the project for the module's source, or decompile it and review what it does before installing.",
    }
    MetadataMismatch {
        id: "metadata-mismatch",
        severity: Medium,
        category: Package,
        title: "Metadata does not match the file name",
        explanation: "The name or version in PKG-INFO/METADATA differs from the one in the file name: the file may have been repackaged.",
        remediation: "Download the file again from the index and compare; prefer the project's own release.",
    }
    RecordMismatch {
        id: "record-mismatch",
        severity: High,
        category: Package,
        title: "Wheel RECORD does not match its files",
        explanation: "A file's sha256 (its size, for a member over 1 MiB that no check reads) differs from the one in the wheel's RECORD, files are missing from RECORD, or the wheel has no RECORD at all although the wheel format requires one: the wheel was altered after it was built.",
        remediation: "Do not install it; fetch the wheel from the project's official release.",
    }

    // ───────────── names (src/analysis/names) ─────────────
    Typosquat {
        id: "typosquat",
        severity: Critical,
        category: Name,
        title: "Name imitates a popular package (typosquatting)",
        explanation: "The project's name is one typical slip away from a much more downloaded project: a look-alike character (0 for o), a missing, extra, doubled or swapped letter, a separator or python-/py- variant, or reordered parts. Attackers register such names to catch typing mistakes; established names are never flagged.",
        remediation: "Check the spelling and install the project named in the alert instead; report the impostor to PyPI.",
    }
    DependencyConfusion {
        id: "dependency-confusion",
        severity: Critical,
        category: Name,
        title: "Internal package name offered by a public or second index",
        explanation: "The name belongs to the organisation (an --internal / SAFE_PIP_INTERNAL rule) but an index other than the one it must come from offers it, or several configured indexes offer it. pip merges the candidates of --index-url and every --extra-index-url and installs the highest version wherever it comes from, so anyone who registers the internal name on PyPI with a higher version gets their code installed (dependency confusion).",
        remediation: "Do not install it. Pin the internal index for this name: with uv, an `[[tool.uv.index]]` entry with `explicit = true` and `[tool.uv.sources]` NAME = { index = \"internal\" }; with pip, use only `--index-url INTERNAL` (no --extra-index-url) and let the internal index proxy PyPI. Then register or claim the name on PyPI (or rename the internal package) so nobody else can publish it.",
    }
    AmbiguousIndex {
        id: "ambiguous-index",
        severity: High,
        category: Name,
        title: "Project offered by several configured indexes",
        explanation: "More than one configured index (--index-url, --extra-index-url, pip.conf) offers this project. pip merges their candidates and installs the highest version wherever it comes from, so which index supplies the package is not under your control; this is how dependency confusion works when the name is in fact internal.",
        remediation: "Find out which index the project should come from. If it is internal, declare it with `--internal NAME=INDEX` (or SAFE_PIP_INTERNAL) and pin that index; otherwise drop the extra index for it or document the decision.",
    }

    // ───────────── registry metadata (src/analysis/metadata) ─────────────
    ProjectQuarantined {
        id: "project-quarantined",
        severity: Critical,
        category: Metadata,
        title: "Project is quarantined by the index",
        explanation: "The index marks the project as quarantined (PEP 792 project status): its administrators consider it unsafe, usually because it was reported as malware. A quarantined project may not receive uploads and its files are no longer offered for download.",
        remediation: "Do not install it. If it is already installed, remove it and treat the machine as possibly compromised; look for a trustworthy alternative.",
    }
    KnownVulnerability {
        id: "known-vulnerability",
        severity: High,
        category: Metadata,
        title: "Release has a known vulnerability",
        explanation: "The index lists a published advisory (OSV: PYSEC, GHSA, CVE) that affects this exact release. The alert names the advisory ids and the versions that fix it.",
        remediation: "Upgrade to a fixed version named in the alert; if none exists, read the advisory and decide whether the vulnerable code path is reachable, and document that decision.",
    }
    YankedRelease {
        id: "yanked-release",
        severity: High,
        category: Metadata,
        title: "Release was yanked by its maintainers",
        explanation: "The maintainers withdrew this release (PEP 592). Installers skip yanked releases unless they are pinned exactly. Releases are yanked when they are broken, and also when they were published by an attacker with stolen credentials, so the reason matters: the alert shows it when the index gives one.",
        remediation: "Read the yank reason and the project's announcements, then pick a release that is not yanked. Keep a yanked pin only with a documented reason.",
    }
    ReleaseTooNew {
        id: "release-too-new",
        severity: Medium,
        category: Metadata,
        title: "Release is younger than the minimum age",
        explanation: "This release was uploaded more recently than the policy's minimum release age. Most malicious uploads, including releases pushed from hijacked maintainer accounts, are found and removed within hours or days; waiting out that window avoids most of them.",
        remediation: "Use the previous release, or wait until the release has reached the minimum age; if you need it now, review it and document the decision.",
    }
    VeryNewProject {
        id: "very-new-project",
        severity: Medium,
        category: Metadata,
        title: "Project is only a few weeks old",
        explanation: "The project's first release is younger than the policy's very-new threshold (30 days by default). Almost all malicious projects live less than a few weeks before the index removes them, and a project this young has no track record anyone could check.",
        remediation: "Confirm who publishes the project (repository, maintainers, links from a source you trust) and review its code before use; document the decision.",
    }
    ProjectArchived {
        id: "project-archived",
        severity: Medium,
        category: Metadata,
        title: "Project is archived",
        explanation: "The index marks the project as archived (PEP 792): its maintainers expect no further releases, so security fixes will not come.",
        remediation: "Plan a move to a maintained alternative; keep it only with a documented decision.",
    }
    ProjectDeprecated {
        id: "project-deprecated",
        severity: Medium,
        category: Metadata,
        title: "Project is deprecated",
        explanation: "The index marks the project as deprecated (PEP 792): it is considered obsolete and may have been replaced by another project, which the status reason often names.",
        remediation: "Move to the replacement named in the reason or the project's documentation; keep it only with a documented decision.",
    }
    InactiveProject {
        id: "inactive-project",
        severity: Medium,
        category: Metadata,
        title: "Project says it is inactive or deprecated",
        explanation: "The project declares itself inactive: the classifier `Development Status :: 7 - Inactive`, or its summary or the opening of its description says the project is deprecated, unmaintained, renamed or replaced. Mentions of deprecated features of the project do not count.",
        remediation: "Move to the replacement the project names; keep it only with a documented decision.",
    }
    Unmaintained {
        id: "unmaintained",
        severity: Medium,
        category: Metadata,
        title: "No release for a long time",
        explanation: "The project's latest release is older than the policy's threshold (2 years by default). Security fixes and compatibility updates are unlikely to come, and abandoned names are sometimes taken over.",
        remediation: "Check whether the project is still maintained elsewhere or has a successor; otherwise plan a replacement and document the decision.",
    }
    LicenseMissing {
        id: "license-missing",
        severity: Medium,
        category: Metadata,
        title: "No licence declared",
        explanation: "The release declares no licence: no License-Expression, no licence classifier and no License field (or only `UNKNOWN`). Without a licence, using or redistributing the code is not permitted by default.",
        remediation: "Look for a licence file in the project's repository or ask the maintainers; document the licence you rely on.",
    }
    LicenseNotAllowed {
        id: "license-not-allowed",
        severity: Medium,
        category: Metadata,
        title: "Licence not allowed by policy",
        explanation: "The release's licence, read as an SPDX expression, is denied by policy or not on its allow list. `OR` is acceptable when any branch is allowed; `AND` needs every part allowed. Licence classifiers and common License field texts are mapped to SPDX ids first.",
        remediation: "Choose another package, or get the licence approved and record the decision.",
    }
    LicenseUnknown {
        id: "license-unknown",
        severity: Low,
        category: Metadata,
        title: "Licence could not be identified",
        explanation: "The release declares a licence that safe-pip cannot map to an SPDX identifier (free text, a custom or proprietary licence, or an unparseable expression), so licence policy could not be checked.",
        remediation: "Read the licence text in the project and document which licence applies.",
    }
    NewProject {
        id: "new-project",
        severity: Low,
        category: Metadata,
        title: "Project is less than a year old",
        explanation: "The project's first release is younger than the policy's new-project threshold (365 days by default). Young projects have little track record; this is informational.",
        remediation: "Informational; check who publishes the project before relying on it.",
    }
    FewReleases {
        id: "few-releases",
        severity: Low,
        category: Metadata,
        title: "Project has only one release or only 0.0.x releases",
        explanation: "The project has published a single release, or only throw-away `0.0.x` versions. Throw-away malicious projects usually look like this; so do brand-new experiments.",
        remediation: "Informational; check the project's repository and purpose.",
    }
    LimitedDocumentation {
        id: "limited-documentation",
        severity: Low,
        category: Metadata,
        title: "Little or no documentation",
        explanation: "The release has no summary and no description, or links to no home page, source repository or documentation. Genuine projects nearly always say what they are and where their code lives.",
        remediation: "Informational; find the project's source before relying on it.",
    }
    SmallUserBase {
        id: "small-user-base",
        severity: Low,
        category: Metadata,
        title: "Project has a small user base",
        explanation: "The project is not among the most-downloaded PyPI projects in safe-pip's bundled list (the top 15,000 by default). Fewer users means fewer eyes on its releases. This never clears anything: popular projects are compromised too.",
        remediation: "Informational.",
    }
    // ───────────── feeds (src/db) ─────────────
    KnownMalware {
        id: "known-malware",
        severity: Critical,
        category: Malware,
        title: "Package is listed as known malware",
        explanation: "The project, at this version, is named by a known-malicious feed imported into the verdict DB (`safe-pip db import`), such as an OSV advisory from OpenSSF malicious-packages (`MAL-…` ids). These packages were reported and confirmed as malware; even when the index has removed them, mirrors, caches and lockfiles can still serve them. The finding names the advisory.",
        remediation: "Do not install it; remove it from requirements and lockfiles. If it was ever installed, treat the machine as compromised: rotate every credential and token it could read and look for persistence.",
    }
}
