//! Editing uv's `uv.toml` for `safe-pip setup uv`, formatting and comments kept
//! (toml_edit): every index uv may use becomes a route of the service —
//! `[[index]]` URLs (names kept, so `[tool.uv.sources]` references still work),
//! top-level `index-url` / `extra-index-url` (turned into `[[index]]` entries), and the
//! `[pip]` table's `index-url` / `extra-index-url`. Without a default index, one pointing
//! at the route of the previous default (PyPI unless configured) is added.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value, value};

pub(crate) const PYPI: &str = "https://pypi.org/simple";
const MARK: &str = "# safe-pip: uv's indexes go through the local safe-pip service; `safe-pip service start` if uv cannot connect,\n# `safe-pip setup uv --undo` restores this file.\n";

/// Maps an upstream URL to its service route (`None`: keep as is, e.g. already a route).
pub(crate) type RouteFn<'a> = dyn FnMut(&str) -> Option<String> + 'a;

fn map_str(item: &mut Item, route: &mut RouteFn<'_>) {
    if let Some(s) = item.as_str().map(str::to_string) {
        if let Some(r) = route(&s) {
            *item = value(r);
        }
    }
}

fn map_array(item: &mut Item, route: &mut RouteFn<'_>) {
    if let Some(arr) = item.as_array_mut() {
        for v in arr.iter_mut() {
            if let Some(r) = v.as_str().and_then(&mut *route) {
                *v = Value::from(r);
            }
        }
    }
}

/// A uv.toml safe-pip cannot edit or read the indexes of.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UvTomlError {
    #[error(transparent)]
    Toml(#[from] toml_edit::TomlError),
    #[error("`index` must be an array of tables ([[index]])")]
    IndexNotTables,
}

impl crate::error::Hint for UvTomlError {
    fn hint(&self) -> String {
        "fix the file as uv's documentation describes it (https://docs.astral.sh/uv/reference/settings/), then run setup again".into()
    }
}

/// The file with every index mapped through `route`.
pub(crate) fn point_at(text: &str, route: &mut RouteFn<'_>) -> Result<String, UvTomlError> {
    let mut doc: DocumentMut = text.parse()?;
    let root = doc.as_table_mut();
    // Legacy top-level settings become [[index]] entries.
    let legacy_default = root.remove("index-url").and_then(|i| i.as_str().map(str::to_string));
    let legacy_extras: Vec<String> = root
        .remove("extra-index-url")
        .and_then(|i| i.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()))
        .unwrap_or_default();

    if !root.contains_key("index") {
        root.insert("index", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    let indexes = root
        .get_mut("index")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or(UvTomlError::IndexNotTables)?;
    let mut has_default = false;
    for t in indexes.iter_mut() {
        if let Some(url) = t.get_mut("url") {
            map_str(url, route);
        }
        has_default |= t.get("default").and_then(Item::as_bool).unwrap_or(false);
    }
    for url in legacy_extras {
        let mut t = Table::new();
        t.insert("url", value(route(&url).unwrap_or(url)));
        indexes.push(t);
    }
    if !has_default {
        let upstream = legacy_default.unwrap_or_else(|| PYPI.to_string());
        let mut t = Table::new();
        t.insert("url", value(route(&upstream).unwrap_or(upstream)));
        t.insert("default", value(true));
        t.decor_mut().set_prefix(format!("\n{MARK}"));
        indexes.push(t);
    }
    if let Some(pip) = root.get_mut("pip").and_then(Item::as_table_like_mut) {
        if let Some(i) = pip.get_mut("index-url") {
            map_str(i, route);
        }
        if let Some(i) = pip.get_mut("extra-index-url") {
            map_array(i, route);
        }
    }
    Ok(doc.to_string())
}

/// Every index URL uv may use from this file: `[[index]]` URLs, top-level `index-url` /
/// `extra-index-url`, the `[pip]` table's, and PyPI when no default index is set.
pub(crate) fn index_urls(text: &str) -> Result<Vec<String>, UvTomlError> {
    let doc: DocumentMut = text.parse()?;
    let mut out: Vec<String> = Vec::new();
    let mut has_default = false;
    let strings = |item: Option<&Item>| -> Vec<String> {
        match item {
            Some(i) if i.is_str() => i.as_str().map(str::to_string).into_iter().collect(),
            Some(i) => i.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default(),
            None => Vec::new(),
        }
    };
    if let Some(idx) = doc.get("index") {
        let tables = idx.as_array_of_tables().ok_or(UvTomlError::IndexNotTables)?;
        for t in tables.iter() {
            out.extend(strings(t.get("url")));
            has_default |= t.get("default").and_then(Item::as_bool).unwrap_or(false);
        }
    }
    let main = strings(doc.get("index-url"));
    has_default |= !main.is_empty();
    out.extend(main);
    out.extend(strings(doc.get("extra-index-url")));
    if let Some(pip) = doc.get("pip").and_then(Item::as_table_like) {
        let main = strings(pip.get("index-url"));
        has_default |= !main.is_empty();
        out.extend(main);
        out.extend(strings(pip.get("extra-index-url")));
    }
    if !has_default {
        out.push(PYPI.to_string());
    }
    Ok(out)
}

/// Settings left in the file that still send uv around the service.
pub(crate) fn bypasses(text: &str) -> Vec<String> {
    let Ok(doc) = text.parse::<DocumentMut>() else { return Vec::new() };
    let mut out = Vec::new();
    if doc.get("find-links").is_some() {
        out.push("find-links".to_string());
    }
    if doc.get("no-index").and_then(Item::as_bool) == Some(true) {
        out.push("no-index".to_string());
    }
    if let Some(pip) = doc.get("pip").and_then(Item::as_table_like) {
        if pip.get("find-links").is_some() {
            out.push("pip.find-links".to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> impl FnMut(&str) -> Option<String> {
        let mut seen: Vec<String> = Vec::new();
        move |u: &str| {
            if u.starts_with("http://127.0.0.1:7431/") {
                return None;
            }
            let k = seen.iter().position(|s| s == u).unwrap_or_else(|| {
                seen.push(u.to_string());
                seen.len() - 1
            });
            Some(format!("http://127.0.0.1:7431/u/{k}/simple/"))
        }
    }

    #[test]
    fn indexes_become_routes_and_names_comments_stay() {
        let text = "# my uv config\nnative-tls = true  # keep\nindex-url = \"https://corp/simple\"\nextra-index-url = [\"https://extra/simple\"]\n\n[[index]]\nname = \"torch\"\nurl = \"https://download.pytorch.org/whl/cpu\"\nexplicit = true\n\n[pip]\nindex-url = \"https://corp/simple\"\n";
        let mut r = router();
        let out = point_at(text, &mut r).unwrap();
        let doc: DocumentMut = out.parse().unwrap();
        assert!(out.starts_with("# my uv config\nnative-tls = true  # keep\n"), "{out}");
        assert!(doc.get("index-url").is_none() && doc.get("extra-index-url").is_none());
        let idx = doc["index"].as_array_of_tables().unwrap();
        let urls: Vec<&str> = idx.iter().map(|t| t["url"].as_str().unwrap()).collect();
        assert_eq!(urls, vec!["http://127.0.0.1:7431/u/0/simple/", "http://127.0.0.1:7431/u/1/simple/", "http://127.0.0.1:7431/u/2/simple/"]);
        assert_eq!(idx.get(0).unwrap()["name"].as_str(), Some("torch"));
        assert_eq!(idx.get(2).unwrap()["default"].as_bool(), Some(true));
        assert_eq!(doc["pip"]["index-url"].as_str(), Some("http://127.0.0.1:7431/u/2/simple/"));
        assert!(out.contains("safe-pip service start"));
        // A second setup changes nothing.
        assert_eq!(point_at(&out, &mut r).unwrap(), out);
    }

    #[test]
    fn index_urls_lists_what_uv_may_use_with_pypi_as_the_implicit_default() {
        assert_eq!(index_urls("").unwrap(), vec![PYPI]);
        let text = "index-url = \"https://corp/simple\"\n[[index]]\nname = \"t\"\nurl = \"https://t/whl\"\n[pip]\nextra-index-url = [\"https://x/simple\"]\n";
        assert_eq!(index_urls(text).unwrap(), vec!["https://t/whl", "https://corp/simple", "https://x/simple"]);
        let mut r = router();
        let routed = point_at(text, &mut r).unwrap();
        assert!(index_urls(&routed).unwrap().iter().all(|u| u.starts_with("http://127.0.0.1:7431/u/")), "{routed}");
        assert!(index_urls("index = 3").is_err() && index_urls("[[index]\n").is_err());
    }

    #[test]
    fn an_empty_file_gets_a_default_index_for_pypi() {
        let mut seen = Vec::new();
        let out = point_at("", &mut |u: &str| {
            seen.push(u.to_string());
            Some("http://127.0.0.1:7431/u/0/simple/".to_string())
        })
        .unwrap();
        assert_eq!(seen, vec![PYPI]);
        assert!(out.contains("[[index]]\nurl = \"http://127.0.0.1:7431/u/0/simple/\"\ndefault = true\n"), "{out}");
        assert!(point_at("index = 3", &mut |_| None).is_err());
    }
}
