//! Editing pip's INI config file for `safe-pip setup pip`: every index setting
//! (`index-url`, its alias `pypi-url`, `extra-index-url`, in any section and either
//! spelling) is removed, and `[global]` gets the service's routes, marked with a comment
//! that says what to do when pip cannot connect. Everything else stays as written.

const MARK: &str = "# safe-pip:";
const INDEX_KEYS: &[&str] = &["index-url", "pypi-url", "extra-index-url"];

fn key_of(line: &str) -> Option<String> {
    let t = line.trim();
    if t.is_empty() || t.starts_with(['#', ';', '[']) || line.starts_with([' ', '\t']) {
        return None;
    }
    let end = t.find(['=', ':'])?;
    Some(t[..end].trim().to_ascii_lowercase().replace('_', "-"))
}

/// The file with pip pointed at `index_url` (+ `extras`), as bytes to write.
pub(crate) fn point_at(text: &str, index_url: &str, extras: &[String], port: u16) -> String {
    let note = format!(
        "{MARK} every package pip installs is checked by the local safe-pip service on port {port}.\n\
         {MARK} if pip cannot connect to 127.0.0.1:{port}, run `safe-pip service start` (`safe-pip service status` shows why);\n\
         {MARK} `safe-pip setup pip --undo` restores this file as it was.\n"
    );
    point_at_noted(text, index_url, extras, &note)
}

/// The file with pip pointed at the organisation's gateway `index_url` (+ `extras`, the
/// indexes that are not behind it).
pub(crate) fn point_at_gateway(text: &str, index_url: &str, extras: &[String]) -> String {
    let note = format!(
        "{MARK} every package pip installs from the index below is checked by the organisation's safe-pip gateway.\n\
         {MARK} `safe-pip setup pip --undo` restores this file as it was.\n"
    );
    point_at_noted(text, index_url, extras, &note)
}

/// [`point_at`] with `note` (comment lines starting with [`MARK`]) above the settings.
fn point_at_noted(text: &str, index_url: &str, extras: &[String], note: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        if skipping && line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            continue; // continuation of a removed multi-line value
        }
        skipping = false;
        if line.trim_start().starts_with(MARK) {
            continue;
        }
        if key_of(line).is_some_and(|k| INDEX_KEYS.contains(&k.as_str())) {
            skipping = true;
            continue;
        }
        kept.push(line);
    }
    let mut ours = format!("{note}index-url = {index_url}\n");
    if !extras.is_empty() {
        ours.push_str(&format!("extra-index-url = {}\n", extras.join("\n    ")));
    }
    let mut out = String::with_capacity(text.len() + ours.len() + 16);
    let global = kept.iter().position(|l| l.trim().eq_ignore_ascii_case("[global]"));
    match global {
        Some(at) => {
            for (i, l) in kept.iter().enumerate() {
                out.push_str(l);
                if i == at {
                    if !l.ends_with('\n') {
                        out.push('\n');
                    }
                    out.push_str(&ours);
                }
            }
        }
        None => {
            out.push_str("[global]\n");
            out.push_str(&ours);
            if !kept.is_empty() {
                out.push('\n');
            }
            for l in &kept {
                out.push_str(l);
            }
        }
    }
    out
}

/// Settings left in the file that still send pip around the service.
pub(crate) fn bypasses(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| key_of(l).filter(|k| k == "find-links" || k == "no-index").map(|k| format!("{k} ({})", l.trim())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_settings_replaced_everything_else_kept() {
        let text = "# my settings\n[global]\ntimeout = 60\nindex_url = https://u:p@corp/simple\nextra-index-url =\n    https://a/simple\n    https://b/simple\ncert = /etc/ca.pem\n\n[install]\nINDEX-URL: https://other/simple\nfind-links = /wheels\n";
        let out = point_at(text, "http://127.0.0.1:7431/u/0/simple/", &["http://127.0.0.1:7431/u/1/simple/".into()], 7431);
        assert_eq!(
            out.lines().filter(|l| !l.starts_with(MARK)).collect::<Vec<_>>(),
            vec![
                "# my settings",
                "[global]",
                "index-url = http://127.0.0.1:7431/u/0/simple/",
                "extra-index-url = http://127.0.0.1:7431/u/1/simple/",
                "timeout = 60",
                "cert = /etc/ca.pem",
                "",
                "[install]",
                "find-links = /wheels",
            ]
        );
        assert!(out.contains("safe-pip service start"));
        // Idempotent: a second setup gives the same file.
        assert_eq!(point_at(&out, "http://127.0.0.1:7431/u/0/simple/", &["http://127.0.0.1:7431/u/1/simple/".into()], 7431), out);
        assert_eq!(bypasses(&out), vec!["find-links (find-links = /wheels)"]);
    }

    #[test]
    fn a_file_without_global_gets_one() {
        let out = point_at("", "http://127.0.0.1:1/u/0/simple/", &[], 1);
        assert!(out.starts_with("[global]\n# safe-pip:"));
        assert!(out.ends_with("index-url = http://127.0.0.1:1/u/0/simple/\n"));
        let out = point_at("[install]\nno-compile = yes", "http://x/", &[], 1);
        assert!(out.starts_with("[global]\n") && out.ends_with("\n[install]\nno-compile = yes"), "{out}");
    }
}
