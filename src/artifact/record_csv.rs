//! The CSV dialect of a wheel's `RECORD` file (PEP 376 / 627): one row per line,
//! comma-separated, fields optionally double-quoted with `""` escapes. Read by the
//! `record-mismatch` detector (inside an archive) and by `audit` (in site-packages).

/// The fields of one RECORD line.
pub(crate) fn fields(line: &str) -> Vec<String> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::fields;

    #[test]
    fn quoted_fields_keep_commas_and_escaped_quotes() {
        assert_eq!(fields("a/b.py,sha256=x,12\r"), vec!["a/b.py", "sha256=x", "12"]);
        assert_eq!(fields("\"a,\"\"b\"\".py\",,"), vec!["a,\"b\".py", "", ""]);
    }
}
