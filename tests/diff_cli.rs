//! `safe-pip diff` through the real binary: two lockfiles, and the working tree of a git
//! repository against its base commit (nothing checked out, includes read from the ref),
//! in every format; usage and git errors. Packages are scanned into the isolated verdict
//! DB first, so everything runs offline.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    safe_pip::hex::hex(&sha2::Sha256::digest(std::fs::read(path).expect("read")))
}

/// A clean and a canary sdist, scanned into the env's DB.
fn packages(env: &Env) -> (PathBuf, PathBuf) {
    let dist = env.dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("mkdir");
    let clean = sdist(&dist, "tidy-numbers", "1.0", &[("setup.py", BENIGN_SETUP), ("tidy_numbers/__init__.py", BENIGN_MODULE)]);
    let canary = sdist(&dist, "canary-pkg", "1.0", &[("setup.py", CANARY_SETUP)]);
    let (code, out, err) = env.run(&["scan", s(&dist)]);
    assert_eq!(code, 1, "{out}{err}");
    (clean, canary)
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("HOME", dir)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn two_lockfiles_in_every_format() {
    let env = Env::new();
    let (clean, canary) = packages(&env);
    let old = env.write("old/requirements.txt", &format!("tidy-numbers==1.0 --hash=sha256:{}\ngone==1.0\n", sha256_of(&clean)));
    let new = env.write("requirements.txt", &format!("tidy-numbers==1.0 --hash=sha256:{}\ncanary-pkg==1.0 --hash=sha256:{}\n", sha256_of(&clean), sha256_of(&canary)));

    let (code, out, err) = env.run(&["diff", s(&old), s(&new)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("NEW      canary-pkg 1.0") && out.contains("BLOCKED"), "{out}");
    assert!(out.contains("REMOVED  gone 1.0"), "{out}");
    assert!(out.contains("1 new, 0 updated, 1 removed, 1 unchanged"), "{out}");
    assert!(out.trim_end().ends_with("Recommendation: Do not merge"), "{out}");
    assert!(!out.contains("tidy-numbers"), "an unchanged package is not listed: {out}");

    let (code, md, _) = env.run(&["diff", "--format", "markdown", s(&old), s(&new)]);
    assert_eq!(code, 1);
    assert!(md.starts_with("## 🔒 safe-pip dependency review\n\n**Recommendation: Do not merge**"), "{md}");
    assert!(md.contains("safe-pip allow canary-pkg==1.0 --alert install-network"), "{md}");

    let report = env.dir.path().join("out.sarif");
    let (code, out, _) = env.run(&["diff", "--format", "sarif", "-o", s(&report), s(&old), s(&new)]);
    assert_eq!((code, out.as_str()), (1, ""));
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).expect("written")).expect("json");
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "install-network");
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 2);

    // Nothing new that is not allowed: exit 0, safe to merge.
    let only_clean = env.write("clean/requirements.txt", &format!("tidy-numbers==1.0 --hash=sha256:{}\n", sha256_of(&clean)));
    let (code, out, err) = env.run(&["diff", s(&new), s(&only_clean)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("REMOVED  canary-pkg 1.0") && out.contains("Recommendation: Safe to merge"), "{out}");
}

#[test]
fn git_base_compares_the_working_tree_with_a_ref_without_touching_it() {
    let env = Env::new();
    let (clean, canary) = packages(&env);
    let repo = env.dir.path().join("repo");
    std::fs::create_dir_all(repo.join("requirements")).expect("mkdir");
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("requirements/base.txt"), format!("tidy-numbers==1.0 --hash=sha256:{}\n", sha256_of(&clean))).expect("write");
    std::fs::write(repo.join("requirements.txt"), "-r requirements/base.txt\n").expect("write");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    // The change: the include moves the clean package to 1.0 still, the top file adds the canary.
    std::fs::write(repo.join("requirements.txt"), format!("-r requirements/base.txt\ncanary-pkg==1.0 --hash=sha256:{}\n", sha256_of(&canary))).expect("write");
    let before = git(&repo, &["status", "--porcelain"]);

    let mut c = env.command(&["diff", "--git-base", "main"]);
    c.current_dir(&repo);
    let (code, out, err) = output(c);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("safe-pip diff: git main ("), "{out}");
    assert!(out.contains("→ requirements.txt\n"), "the included file is compared as part of requirements.txt: {out}");
    assert!(out.contains("NEW      canary-pkg 1.0  requirements.txt:2  BLOCKED"), "{out}");
    assert!(out.contains("0 updated, 0 removed, 1 unchanged"), "{out}");
    assert_eq!(git(&repo, &["status", "--porcelain"]), before, "the working tree is untouched");

    // The base's include is read from the ref: change it in the working tree only.
    std::fs::write(repo.join("requirements/base.txt"), "tidy-numbers==2.0\n").expect("write");
    let mut c = env.command(&["diff", "--git-base", "main", "requirements.txt"]);
    c.current_dir(&repo);
    let (_, out, _) = output(c);
    assert!(out.contains("UPDATED  tidy-numbers 1.0 → 2.0  requirements/base.txt:1  UNVERIFIED"), "{out}");

    for (args, message) in [
        (vec!["diff", "--git-base", "no-such-ref"], "no commit `no-such-ref`"),
        (vec!["diff", "--git-base=--upload-pack=x"], "is not a git ref name"),
        (vec!["diff", "only-one.txt"], "diff compares two lockfiles"),
    ] {
        let mut c = env.command(&args);
        c.current_dir(&repo);
        let (code, _, err) = output(c);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(message) && err.contains("hint:"), "{args:?}: {err}");
    }
    let outside = tempfile::tempdir().expect("temp");
    let mut c = env.command(&["diff", "--git-base", "main"]);
    c.current_dir(outside.path());
    let (code, _, err) = output(c);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("git") && err.contains("hint:"), "{err}");
}
