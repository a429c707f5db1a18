//! Package-level difference between two lockfiles (base → head), for PR reports.
//!
//! Packages are matched by normalised name. When a name has several entries (forked
//! resolutions with different versions per environment), entries with the same version are
//! matched first, then the rest pair up by equal markers, then in version order; what is left
//! over is added or removed. An entry whose version is the same but whose source or file
//! hashes changed counts as updated: a re-uploaded or re-pointed release is exactly what a
//! reviewer must see.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::model::{Hash, LockedPackage, Lockfile};

/// How an added package came into the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DependencyKind {
    /// The lockfile says the project depends on it directly (uv.lock root dependencies,
    /// pip-compile `# via -r …` annotations).
    Direct,
    /// Nothing in the lock depends on it, so the project most likely does (poetry.lock,
    /// pylock.toml: these do not record the project's own requirements).
    LikelyDirect,
    /// Another locked package depends on it, or the lockfile says it is not direct.
    Transitive,
    /// The project itself (a uv workspace member).
    Project,
    /// The format records no dependency information (plain requirements files).
    Unknown,
}

/// Changes from base to head.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockDiff {
    /// Packages only in head, sorted by name and version.
    pub added: Vec<LockedPackage>,
    /// How each `added` package came in (same order as `added`).
    pub added_kinds: Vec<DependencyKind>,
    /// Packages only in base.
    pub removed: Vec<LockedPackage>,
    /// (base, head) pairs whose version, source or hashes changed.
    pub updated: Vec<(LockedPackage, LockedPackage)>,
    pub unchanged_count: usize,
}

impl LockDiff {
    /// `added` with each package's [`DependencyKind`].
    pub fn added_with_kinds(&self) -> impl Iterator<Item = (&LockedPackage, DependencyKind)> {
        self.added.iter().zip(self.added_kinds.iter().copied())
    }

    /// True when nothing was added, removed or updated.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.updated.is_empty()
    }
}

/// Compares two lockfiles (usually of the same format) package by package.
pub fn diff(base: &Lockfile, head: &Lockfile) -> LockDiff {
    let group = |lock: &Lockfile| {
        let mut groups: BTreeMap<String, Vec<LockedPackage>> = BTreeMap::new();
        for package in &lock.packages {
            groups.entry(package.normalized.clone()).or_default().push(package.clone());
        }
        groups
    };
    let base_groups = group(base);
    let mut head_groups = group(head);
    let mut out = LockDiff::default();

    for (name, mut olds) in base_groups {
        let mut news = head_groups.remove(&name).unwrap_or_default();
        // 1. Same version.
        let mut pairs = Vec::new();
        olds.retain(|old| match news.iter().position(|new| new.version == old.version) {
            Some(at) => {
                pairs.push((old.clone(), news.remove(at)));
                false
            }
            None => true,
        });
        // 2. Same markers, then 3. in version order.
        olds.sort_by(|a, b| a.version.cmp(&b.version));
        news.sort_by(|a, b| a.version.cmp(&b.version));
        olds.retain(|old| match news.iter().position(|new| new.markers == old.markers) {
            Some(at) => {
                pairs.push((old.clone(), news.remove(at)));
                false
            }
            None => true,
        });
        let mut rest_old = olds.into_iter();
        let mut rest_new = news.into_iter();
        loop {
            match (rest_old.next(), rest_new.next()) {
                (Some(old), Some(new)) => pairs.push((old, new)),
                (Some(old), None) => out.removed.push(old),
                (None, Some(new)) => out.added.push(new),
                (None, None) => break,
            }
        }
        for (old, new) in pairs {
            if changed(&old, &new) {
                out.updated.push((old, new));
            } else {
                out.unchanged_count += 1;
            }
        }
    }
    out.added.extend(head_groups.into_values().flatten());

    let key = |p: &LockedPackage| (p.normalized.clone(), p.version.clone());
    out.added.sort_by_key(key);
    out.removed.sort_by_key(key);
    out.updated.sort_by_key(|(_, new)| key(new));

    let dependents = dependents_of(head);
    let records_dependencies = head.packages.iter().any(|p| !p.dependencies.is_empty());
    out.added_kinds = out.added.iter().map(|p| classify(p, &dependents, records_dependencies)).collect();
    out
}

/// Whether the package is a direct or transitive dependency of the project in `lock`.
pub fn classify_in(lock: &Lockfile, package: &LockedPackage) -> DependencyKind {
    let dependents = dependents_of(lock);
    classify(package, &dependents, lock.packages.iter().any(|p| !p.dependencies.is_empty()))
}

/// Names that some non-root package depends on.
fn dependents_of(lock: &Lockfile) -> HashSet<String> {
    lock.packages.iter().filter(|p| !p.root).flat_map(|p| p.dependencies.iter().cloned()).collect()
}

fn classify(package: &LockedPackage, depended_upon: &HashSet<String>, records_dependencies: bool) -> DependencyKind {
    if package.root {
        return DependencyKind::Project;
    }
    match package.direct {
        Some(true) => DependencyKind::Direct,
        Some(false) => DependencyKind::Transitive,
        None if !records_dependencies => DependencyKind::Unknown,
        None if depended_upon.contains(&package.normalized) => DependencyKind::Transitive,
        None => DependencyKind::LikelyDirect,
    }
}

fn all_hashes(package: &LockedPackage) -> BTreeSet<&Hash> {
    package.files.iter().flat_map(|f| f.hashes.iter()).collect()
}

fn changed(old: &LockedPackage, new: &LockedPackage) -> bool {
    if old.version != new.version || old.source != new.source {
        return true;
    }
    let (a, b) = (all_hashes(old), all_hashes(new));
    !a.is_empty() && !b.is_empty() && a != b
}
