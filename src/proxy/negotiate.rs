//! PEP 691 content negotiation: JSON or HTML by the client's `Accept` header and its
//! q-values. pip and uv prefer JSON, Poetry sends JSON with `*/*` as a fallback, and a
//! client that sends nothing gets HTML (PEP 503), as PEP 691 asks.

pub(crate) const JSON: &str = "application/vnd.pypi.simple.v1+json";
pub(crate) const HTML_V1: &str = "application/vnd.pypi.simple.v1+html";
pub(crate) const TEXT_HTML: &str = "text/html";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    /// HTML, with the content type to answer with.
    Html(&'static str),
}

/// Chooses the answer format. Ties go to JSON (it carries more: sizes, upload times).
pub(crate) fn choose(accept: Option<&str>) -> Format {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else { return Format::Html(TEXT_HTML) };
    let (mut json, mut v1_html, mut text_html) = (0.0f32, 0.0f32, 0.0f32);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        match media.as_str() {
            "application/vnd.pypi.simple.v1+json" | "application/vnd.pypi.simple.latest+json" => json = json.max(q),
            "application/vnd.pypi.simple.v1+html" | "application/vnd.pypi.simple.latest+html" => v1_html = v1_html.max(q),
            "text/html" | "text/*" => text_html = text_html.max(q),
            "*/*" => text_html = text_html.max(q),
            "application/*" => json = json.max(q),
            _ => {}
        }
    }
    let html = v1_html.max(text_html);
    if json > 0.0 && json >= html {
        Format::Json
    } else if html > 0.0 {
        Format::Html(if v1_html >= text_html { HTML_V1 } else { TEXT_HTML })
    } else {
        // Nothing we speak was asked for: PEP 691 allows a default.
        Format::Html(TEXT_HTML)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_real_clients_send() {
        let pip = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
        let uv = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";
        let poetry = "application/vnd.pypi.simple.v1+json, */*;q=0.1";
        assert_eq!(choose(Some(pip)), Format::Json);
        assert_eq!(choose(Some(uv)), Format::Json);
        assert_eq!(choose(Some(poetry)), Format::Json);
        assert_eq!(choose(None), Format::Html(TEXT_HTML));
        assert_eq!(choose(Some("text/html")), Format::Html(TEXT_HTML));
        assert_eq!(choose(Some("application/vnd.pypi.simple.v1+html")), Format::Html(HTML_V1));
        assert_eq!(choose(Some("application/vnd.pypi.simple.v1+json;q=0.1, text/html")), Format::Html(TEXT_HTML));
        assert_eq!(choose(Some("application/vnd.pypi.simple.v1+json;q=0, */*")), Format::Html(TEXT_HTML));
    }
}
