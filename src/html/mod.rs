//! The one HTML page renderer, shared by `check`, `scan`, `diff` and `audit`
//! (`--format html`): one self-contained file — inline CSS and JavaScript, no external
//! asset, a Content-Security-Policy of `default-src 'none'` that forbids loading any — for
//! the organisation's "look at each project's packages on a dashboard".
//!
//! A command describes its page as a [`Page`]: a header (what was looked at, counts per
//! status), columns, one [`Row`] per package with its detail (built with [`Detail`]: the
//! reason, alerts with file, line and evidence, behaviour, history from the verdict DB
//! with the documented decisions, similar packages, and what the command adds — the
//! behaviour change of an update, the files tampered with after install), and sections
//! after the table. Rows sort by any column and filter by text and status, in the page,
//! without a server; `#pkg=NAME` opens a package's details.
//!
//! Every string that comes from a lockfile, an index, a package, an environment or the DB
//! is escaped by [`esc`] (control and bidirectional characters made visible, then
//! `& < > " '` as entities); the script reads only `data-` attributes and text, never
//! inserts HTML.
//!
//! The page scrolls inside `<main>`, under a header that is not positioned: opening
//! `#pkg=NAME` moves that container, never the window, so the header stays where it is
//! (a scrolled window under a sticky header rendered a band above it in headless
//! Chromium's screenshots).

pub mod scan;

use crate::db::HistoryEntry;
use crate::gate::{Gate, GateError};
use std::collections::HashMap;
use crate::finding::Finding;
use crate::policy::Policy;
use crate::report::display::escape_terminal;
use crate::score;
use std::fmt::Write;

/// History rows shown per package (newest first).
const HISTORY_SHOWN: usize = 10;

/// `s` safe as HTML text and as a quoted attribute value: control and bidirectional
/// characters made visible, then escaped as the proxy's pages escape names.
pub fn esc(s: &str) -> String {
    crate::proxy::pages::escape(&escape_terminal(s))
}

/// How a row's status sorts (worst highest) and what the status filter offers, in order.
const STATUSES: &[(&str, u8)] = &[
    ("tampered", 7),
    ("blocked", 6),
    ("error", 5),
    ("unverified", 4),
    ("warned", 3),
    ("allowed", 2),
    ("skipped", 1),
    ("removed", 0),
];

/// The sort rank of a status (unknown statuses sort lowest).
pub fn rank(status: &str) -> u8 {
    STATUSES.iter().find(|(s, _)| *s == status).map_or(0, |(_, r)| *r)
}

/// One column of the package table.
pub struct Column {
    pub label: &'static str,
    /// Sorts as a number (the cells' sort keys are numbers).
    pub numeric: bool,
}

impl Column {
    pub const fn text(label: &'static str) -> Column {
        Column { label, numeric: false }
    }

    pub const fn number(label: &'static str) -> Column {
        Column { label, numeric: true }
    }
}

/// One cell: its markup (already escaped) and the key it sorts by.
pub struct Cell {
    html: String,
    sort: String,
    class: Option<&'static str>,
}

impl Cell {
    /// Text, escaped; sorts by the text.
    pub fn text(s: &str) -> Cell {
        Cell { html: esc(s), sort: s.to_lowercase(), class: None }
    }

    /// Text in the package-name style.
    pub fn name(s: &str) -> Cell {
        Cell { class: Some("name"), ..Cell::text(s) }
    }

    /// A file location: small and wrapped.
    pub fn location(s: &str) -> Cell {
        Cell { class: Some("loc"), ..Cell::text(s) }
    }

    /// A count.
    pub fn number(n: usize) -> Cell {
        Cell { html: n.to_string(), sort: n.to_string(), class: None }
    }

    /// A status badge; sorts by how bad it is.
    pub fn status(status: &'static str) -> Cell {
        Cell { html: format!("<span class=\"st {status}\">{status}</span>"), sort: rank(status).to_string(), class: None }
    }

    /// The risk score and level of `alerts`; `known` false: nothing is known about the
    /// package, shown as "— unknown" (never "0", which would read as "safe").
    pub fn risk(alerts: &[Finding], known: bool) -> Cell {
        if !known {
            return Cell { html: "<span class=\"lv none\">— unknown</span>".into(), sort: "-1".into(), class: None };
        }
        let r = score::score(alerts);
        Cell { html: format!("<span class=\"lv {0}\">{1} {0}</span>", r.level.as_str(), r.score), sort: r.score.to_string(), class: None }
    }

    /// Markup the caller built from escaped parts; sorts by `sort`.
    pub fn html(html: String, sort: &str) -> Cell {
        Cell { html, sort: sort.to_lowercase(), class: None }
    }
}

/// One package (or file) of the table, with its details.
pub struct Row {
    /// The name `#pkg=NAME` opens.
    pub name: String,
    /// One of the [`rank`]ed statuses: filters the row and sorts it by default.
    pub status: &'static str,
    /// Risk score for the default order (-1 unknown).
    pub score: i32,
    pub cells: Vec<Cell>,
    /// Extra words the text filter finds it by (alert ids, files); name and cells are in.
    pub search: String,
    pub detail: Detail,
}

/// A whole page.
pub struct Page<'a> {
    /// The command, shown as the title: `check`, `scan`, `diff`, `audit`.
    pub command: &'static str,
    /// What was looked at (lockfiles, paths, site folders), as text.
    pub subject: String,
    /// The line under the title, before the counts, as text: "100 packages in".
    pub lead: String,
    /// Extra header lines (already escaped markup), e.g. the recommendation of a diff.
    pub notes: Vec<String>,
    pub columns: &'a [Column],
    pub rows: Vec<Row>,
    /// Sections after the table (already escaped markup).
    pub after: String,
    /// The sentence under the table.
    pub foot: &'static str,
}

/// The details of a row, built section by section (each escapes what it is given).
#[derive(Default)]
pub struct Detail(String);

impl Detail {
    pub fn new() -> Detail {
        Detail::default()
    }

    /// The reason for the status and, for errors, what to do.
    pub fn reason(mut self, reason: &str, hint: Option<&str>) -> Detail {
        let _ = write!(self.0, "<p class=\"reason\">{}</p>", esc(reason));
        if let Some(h) = hint {
            let _ = write!(self.0, "<p class=\"hint\">hint: {}</p>", esc(h));
        }
        self
    }

    /// A titled section of markup the caller escaped.
    pub fn section(mut self, title: &str, html: &str) -> Detail {
        let _ = write!(self.0, "<h3>{}</h3>{html}", esc(title));
        self
    }

    /// The alerts: severity, id and title, file and line, when it runs, message and evidence.
    pub fn alerts(mut self, findings: &[Finding]) -> Detail {
        let out = &mut self.0;
        if findings.is_empty() {
            out.push_str("<h3>Alerts</h3><p class=\"none\">none</p>");
            return self;
        }
        out.push_str("<h3>Alerts</h3><table class=\"alerts\"><tr><th>Severity</th><th>Alert</th><th>Where</th><th>When</th><th>What</th></tr>");
        for f in findings {
            let place = match f.line {
                Some(l) => format!("{}:{l}", f.file),
                None => f.file.clone(),
            };
            let evidence = if f.evidence.is_empty() { String::new() } else { format!("<pre>{}</pre>", esc(&f.evidence)) };
            let _ = write!(
                out,
                "<tr class=\"sev {sev}\"><td>{sev}</td><td><code>{id}</code><br><small>{title}</small></td><td><code>{place}</code></td><td>{when}</td><td>{msg}{evidence}</td></tr>",
                sev = f.severity().as_str(),
                id = f.alert.id(),
                title = esc(f.alert.info().title),
                place = esc(&place),
                when = f.context.map(|c| c.describe()).unwrap_or("—"),
                msg = esc(&f.message),
            );
        }
        out.push_str("</table>");
        self
    }

    /// The capabilities seen and where they run (as `vet` groups them).
    pub fn behaviour(mut self, findings: &[Finding]) -> Detail {
        let seen = crate::vet::behaviour(findings);
        if seen.is_empty() {
            return self;
        }
        self.0.push_str("<h3>Behaviour</h3><ul class=\"beh\">");
        for b in seen {
            let _ = write!(
                self.0,
                "<li><b>{}</b> at {} <small>({}; first at <code>{}</code>)</small></li>",
                esc(b.capability),
                esc(&b.contexts.join(", ")),
                esc(&b.alerts.join(", ")),
                esc(&b.example)
            );
        }
        self.0.push_str("</ul>");
        self
    }

    /// The project's analyses in the verdict DB, newest first.
    pub fn history(mut self, history: &[HistoryEntry]) -> Detail {
        let out = &mut self.0;
        out.push_str("<h3>History</h3>");
        if history.is_empty() {
            out.push_str("<p class=\"none\">the verdict DB has analysed no file of this project</p>");
            return self;
        }
        out.push_str("<table class=\"hist\"><tr><th>Analysed</th><th>Version</th><th>File</th><th>Verdict</th><th>Risk</th></tr>");
        for e in history.iter().take(HISTORY_SHOWN) {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td><span class=\"st {v}\">{v}</span></td><td>{}</td></tr>",
                crate::analysis::metadata::time::format_date(e.scanned_at),
                esc(e.version.as_deref().unwrap_or("?")),
                esc(&e.filename),
                e.score,
                v = esc(&e.verdict),
            );
        }
        out.push_str("</table>");
        if history.len() > HISTORY_SHOWN {
            let _ = write!(out, "<p class=\"none\">… {} older analyses</p>", history.len() - HISTORY_SHOWN);
        }
        self
    }

    /// The decisions documented for the project (allow / deny, versions, alerts, who, when, why).
    pub fn decisions(mut self, policy: &Policy, name: &str) -> Detail {
        let norm = crate::pep503::normalize_name(name);
        let decisions: Vec<_> = policy.decisions.iter().filter(|d| crate::pep503::normalize_name(&d.package) == norm).collect();
        if decisions.is_empty() {
            return self;
        }
        self.0.push_str("<h3>Decisions</h3><ul class=\"dec\">");
        for d in decisions {
            let alerts = d.alerts.iter().map(|a| a.id()).collect::<Vec<_>>().join(", ");
            let _ = write!(
                self.0,
                "<li><b>{}</b> {} {} — by {} on {}: {}</li>",
                d.action.as_str(),
                esc(&d.spec()),
                if alerts.is_empty() { String::new() } else { format!("accepting <code>{}</code>", esc(&alerts)) },
                esc(&d.by),
                d.date,
                esc(&d.reason)
            );
        }
        self.0.push_str("</ul>");
        self
    }

    /// For a typosquat the project it imitates, otherwise popular projects with close names.
    pub fn similar(mut self, name: &str) -> Detail {
        let squat = crate::analysis::names::check_typosquat(name);
        let list = crate::vet::similar_packages(&crate::pep503::normalize_name(name), squat.as_ref());
        if list.is_empty() {
            return self;
        }
        self.0.push_str("<h3>Similar packages</h3><ul class=\"sim\">");
        for s in list {
            let _ = write!(self.0, "<li><code>{}</code> (#{} on PyPI) — {}</li>", esc(&s.name), s.rank, esc(&s.why));
        }
        self.0.push_str("</ul>");
        self
    }

    /// History, decisions and similar packages: the sections every command shows.
    pub fn project(self, history: &[HistoryEntry], policy: &Policy, name: &str) -> Detail {
        self.history(history).decisions(policy, name).similar(name)
    }
}

/// The verdict DB's history of each project named, by normalised name (asked once per project).
pub fn histories<'a>(names: impl Iterator<Item = &'a str>, gate: &Gate) -> Result<HashMap<String, Vec<HistoryEntry>>, GateError> {
    let mut out: HashMap<String, Vec<HistoryEntry>> = HashMap::new();
    for name in names {
        if let std::collections::hash_map::Entry::Vacant(slot) = out.entry(crate::pep503::normalize_name(name)) {
            slot.insert(gate.history(name)?);
        }
    }
    Ok(out)
}

/// The history of `name` in `histories` (empty when none was read).
pub fn history_of<'a>(histories: &'a HashMap<String, Vec<HistoryEntry>>, name: &str) -> &'a [HistoryEntry] {
    histories.get(&crate::pep503::normalize_name(name)).map_or(&[], Vec::as_slice)
}

/// Counts per status, in the order of [`STATUSES`], for the statuses present.
fn counts(rows: &[Row]) -> Vec<(&'static str, usize)> {
    STATUSES.iter().map(|(s, _)| (*s, rows.iter().filter(|r| r.status == *s).count())).filter(|(_, n)| *n > 0).collect()
}

/// The page as one self-contained HTML document.
pub fn render(page: Page) -> String {
    let counts = counts(&page.rows);
    let badges = counts.iter().map(|(s, n)| format!("<span class=\"st {s}\">{n} {s}</span>")).collect::<Vec<_>>().join(" ");
    let options = counts.iter().map(|(s, _)| format!("<option>{s}</option>")).collect::<String>();
    let mut head = String::new();
    for (i, c) in page.columns.iter().enumerate() {
        let _ = write!(head, "<th data-key=\"c{i}\"{}>{}</th>", if c.numeric { " data-num=\"1\"" } else { "" }, esc(c.label));
    }
    let mut rows = String::new();
    let width = page.columns.len();
    for r in &page.rows {
        let mut search = format!("{} {}", r.name, r.search);
        let mut keys = String::new();
        for (i, c) in r.cells.iter().enumerate() {
            let _ = write!(keys, " data-c{i}=\"{}\"", esc(&c.sort));
            // the text filter finds words, not the numbers columns sort by
            if !page.columns.get(i).is_some_and(|col| col.numeric) {
                search.push(' ');
                search.push_str(&c.sort);
            }
        }
        let _ = write!(
            rows,
            "<tbody class=\"pkg\" data-name=\"{name}\" data-status=\"{status}\" data-rank=\"{rank}\" data-score=\"{score}\" data-search=\"{search}\"{keys}>\n<tr class=\"row\" tabindex=\"0\">",
            name = esc(&r.name),
            status = r.status,
            rank = rank(r.status),
            score = r.score,
            search = esc(&search.to_lowercase()),
        );
        for c in &r.cells {
            match c.class {
                Some(class) => {
                    let _ = write!(rows, "<td class=\"{class}\">{}</td>", c.html);
                }
                None => {
                    let _ = write!(rows, "<td>{}</td>", c.html);
                }
            }
        }
        let _ = write!(rows, "</tr>\n<tr class=\"detail\" hidden><td colspan=\"{width}\">{}</td></tr>\n</tbody>\n", r.detail.0);
    }
    let notes = page.notes.iter().map(|n| format!("<p class=\"note\">{n}</p>")).collect::<String>();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>safe-pip {command}: {subject}</title>\n<style>{CSS}</style></head><body>\n\
         <header><h1>safe-pip {command}</h1><p class=\"sub\">{lead} <code>{subject}</code> · safe-pip {version} · {badges}</p>\n{notes}\
         <div class=\"controls\"><input id=\"q\" type=\"search\" placeholder=\"Filter: name, alert, file…\" aria-label=\"filter\">\n\
         <select id=\"status\" aria-label=\"status\"><option value=\"\">every status</option>{options}</select>\n\
         <span id=\"shown\"></span></div></header>\n<main id=\"main\">\n\
         <table id=\"pkgs\"><thead><tr>{head}</tr></thead>\n{rows}</table>\n\
         <p class=\"foot\">{foot}</p>\n{after}</main>\n\
         <script>{JS}</script></body></html>\n",
        command = page.command,
        subject = esc(&page.subject),
        lead = esc(&page.lead),
        version = env!("CARGO_PKG_VERSION"),
        foot = esc(page.foot),
        after = page.after,
    )
}

/// The sentence under a table of packages read as data.
pub const FOOT: &str = "Every package was read as data only — never installed, imported or run. Click a row for its alerts, behaviour, history and similar packages; click a column to sort.";

const CSS: &str = r#"
html,body{height:100%}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2330;background:#f6f7f9;display:flex;flex-direction:column}
header{flex:none;background:#fff;border-bottom:1px solid #d9dde3;padding:12px 20px}
main{flex:1 1 auto;min-height:0;overflow:auto}
h1{font-size:20px;margin:0 0 4px}.sub{margin:0 0 8px;color:#4a5262}.note{margin:0 0 8px}
.controls{display:flex;gap:8px;align-items:center}#q{flex:0 1 360px;padding:5px 8px}#shown{color:#4a5262}
table#pkgs{border-collapse:collapse;width:calc(100% - 40px);margin:12px 20px;background:#fff}
#pkgs>thead th{position:sticky;top:0;z-index:1;background:#eef0f4;text-align:left;padding:6px 8px;cursor:pointer;user-select:none;border-bottom:1px solid #c9ced6}
#pkgs>thead th.asc::after{content:" ▲"}#pkgs>thead th.desc::after{content:" ▼"}
tr.row td{padding:5px 8px;border-bottom:1px solid #eceef2}tr.row{cursor:pointer}tr.row:hover{background:#f1f5ff}
td.name{font-weight:600}td.loc{color:#5b6475;font-size:12px;word-break:break-all}
.st{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;color:#fff;background:#7b8494}
.st.blocked,.st.block,.st.error,.st.tampered{background:#c62828}.st.unverified{background:#8e24aa}.st.warned,.st.warn{background:#e08a00}.st.allowed,.st.allow{background:#2e7d32}.st.skipped,.st.removed{background:#9aa1ad}
.lv{font-variant-numeric:tabular-nums}.lv.critical{color:#c62828;font-weight:700}.lv.high{color:#d84315;font-weight:600}.lv.medium{color:#b26a00}.lv.low,.lv.none{color:#5b6475}
tr.detail>td{background:#fafbfc;padding:8px 16px 14px;border-bottom:2px solid #d9dde3}
h3{font-size:13px;margin:10px 0 4px;text-transform:uppercase;letter-spacing:.04em;color:#4a5262}
table.alerts,table.hist,table.plain{border-collapse:collapse;width:100%}table.alerts td,table.alerts th,table.hist td,table.hist th,table.plain td,table.plain th{border:1px solid #e1e4ea;padding:3px 6px;vertical-align:top;text-align:left}
tr.sev.critical td:first-child{color:#c62828;font-weight:700}tr.sev.high td:first-child{color:#d84315;font-weight:600}tr.sev.medium td:first-child{color:#b26a00}
ul.chg li.add{color:#8a1c1c}ul.chg li.gone{color:#2e5d32}
pre{margin:4px 0 0;padding:4px 6px;background:#f0f1f4;white-space:pre-wrap;word-break:break-all;font-size:12px}
.none{color:#7b8494;margin:2px 0}.reason{margin:2px 0 4px}.hint{color:#4a5262}.foot{margin:0 20px 20px;color:#5b6475}
section.after{margin:0 20px 20px;background:#fff;padding:8px 12px;border:1px solid #d9dde3}
@media print{html,body{height:auto;display:block}main{overflow:visible}}
"#;

const JS: &str = r#"
(function(){
  var main=document.getElementById('main'), table=document.getElementById('pkgs'), q=document.getElementById('q'), st=document.getElementById('status'), shown=document.getElementById('shown');
  var bodies=Array.prototype.slice.call(table.tBodies);
  var heads=Array.prototype.slice.call(table.tHead.rows[0].cells);
  function apply(){
    var text=q.value.toLowerCase(), want=st.value, n=0;
    bodies.forEach(function(b){
      var ok=(!want||b.dataset.status===want)&&(!text||b.dataset.search.indexOf(text)>=0);
      b.hidden=!ok; if(ok){n++;}
    });
    shown.textContent=n+' of '+bodies.length+' shown';
  }
  q.addEventListener('input',apply); st.addEventListener('change',apply);
  bodies.forEach(function(b){
    var row=b.rows[0], detail=b.rows[1];
    function toggle(){detail.hidden=!detail.hidden;}
    row.addEventListener('click',toggle);
    row.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();toggle();}});
  });
  heads.forEach(function(th){
    th.addEventListener('click',function(){
      var key=th.dataset.key, num=!!th.dataset.num, desc=!th.classList.contains('desc');
      heads.forEach(function(o){o.classList.remove('asc','desc');});
      th.classList.add(desc?'desc':'asc');
      bodies.sort(function(a,b){
        var x=a.dataset[key], y=b.dataset[key], c=num?(Number(x)-Number(y)):x.localeCompare(y);
        if(c===0){c=a.dataset.name.localeCompare(b.dataset.name);}
        return desc?-c:c;
      });
      bodies.forEach(function(b){table.appendChild(b);});
    });
  });
  bodies.sort(function(a,b){return (Number(b.dataset.rank)-Number(a.dataset.rank))||(Number(b.dataset.score)-Number(a.dataset.score))||a.dataset.name.localeCompare(b.dataset.name);});
  bodies.forEach(function(b){table.appendChild(b);});
  apply();
  // #pkg=NAME opens that package's details (a link to share, or a screenshot of them).
  // Only <main> scrolls: the window and the header above it stay put.
  if(location.hash.indexOf('#pkg=')===0){
    var wanted=decodeURIComponent(location.hash.slice(5)), found=null;
    bodies.forEach(function(b){if(!found&&b.dataset.name===wanted){found=b;}});
    if(found){
      found.rows[1].hidden=false;
      main.scrollTop=found.getBoundingClientRect().top-main.getBoundingClientRect().top+main.scrollTop-table.tHead.offsetHeight;
    }
  }
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_leaves_no_markup_and_shows_control_characters() {
        assert_eq!(esc("<script>alert('x')</script> & \"q\""), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
        assert_eq!(esc("a\u{202e}b\x1b"), "a\\u{202e}b\\x1b");
    }

    #[test]
    fn a_page_escapes_every_cell_and_sort_key_and_counts_statuses() {
        let columns = [Column::text("Package"), Column::number("Alerts")];
        let rows = vec![
            Row {
                name: "a<b>".into(),
                status: "blocked",
                score: 90,
                cells: vec![Cell::name("a<b>"), Cell::number(2)],
                search: "x\"y".into(),
                detail: Detail::new().reason("<i>why</i>", Some("do & see")),
            },
            Row { name: "ok".into(), status: "allowed", score: 0, cells: vec![Cell::name("ok"), Cell::number(0)], search: String::new(), detail: Detail::new() },
        ];
        let html = render(Page { command: "scan", subject: "</title><script>".into(), lead: "2 files in".into(), notes: Vec::new(), columns: &columns, rows, after: String::new(), foot: FOOT });
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(html.contains("<title>safe-pip scan: &lt;/title&gt;&lt;script&gt;</title>"), "{html}");
        assert!(html.contains("data-c0=\"a&lt;b&gt;\"") && html.contains("<td class=\"name\">a&lt;b&gt;</td>"), "{html}");
        assert!(html.contains("data-search=\"a&lt;b&gt; x&quot;y a&lt;b&gt;\""), "{html}");
        assert!(html.contains("&lt;i&gt;why&lt;/i&gt;") && html.contains("hint: do &amp; see"), "{html}");
        assert!(html.contains("<span class=\"st blocked\">1 blocked</span> <span class=\"st allowed\">1 allowed</span>"), "{html}");
        assert!(html.contains("<option>blocked</option><option>allowed</option></select>") && !html.contains("<option>error</option>"), "{html}");
        assert!(html.contains("<th data-key=\"c1\" data-num=\"1\">Alerts</th>"), "{html}");
        assert!(html.contains("<main id=\"main\">") && html.contains("main.scrollTop="), "the page scrolls in <main>, not the window");
        assert!(!html.contains("window.scrollTo"), "{html}");
    }
}
