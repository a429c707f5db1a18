//! The HTML report (`check --format html`): one self-contained file — inline CSS and
//! JavaScript, no external asset, a Content-Security-Policy that forbids loading any — for
//! the organisation's "look at each project's packages on a dashboard". Per package: the
//! status, risk score and level, alerts with file, line and evidence, the behaviour seen
//! (capabilities and whether they run at install, import or runtime), the history from the
//! verdict DB (versions seen, verdicts) with the documented decisions (who, when, why), and
//! similar packages (for a typosquat, the project it imitates). Rows sort by any column and
//! filter by text and status, in the page, without a server.
//!
//! Every string that comes from a lockfile, an index, a package or the DB is escaped by
//! [`esc`] (control and bidirectional characters made visible, then `& < > " '` as
//! entities); the script reads only `data-` attributes and text, never inserts HTML.

use super::{CheckReport, PackageCheck, Status};
use crate::db::HistoryEntry;
use crate::finding::Finding;
use crate::gate::{Gate, GateError};
use crate::policy::Policy;
use crate::report::display::escape_terminal;
use crate::score;
use std::collections::HashMap;
use std::fmt::Write;

/// History rows shown per package (newest first).
const HISTORY_SHOWN: usize = 10;

/// `s` safe as HTML text and as a quoted attribute value: control and bidirectional
/// characters made visible, then escaped as the proxy's pages escape names.
pub(super) fn esc(s: &str) -> String {
    crate::proxy::pages::escape(&escape_terminal(s))
}

/// The check report as HTML, with each package's history read from the gate's DB.
pub(crate) fn from_check(r: &CheckReport, gate: &Gate) -> Result<String, GateError> {
    let mut histories: HashMap<String, Vec<HistoryEntry>> = HashMap::new();
    for p in &r.packages {
        if let std::collections::hash_map::Entry::Vacant(slot) = histories.entry(crate::pep503::normalize_name(&p.name)) {
            slot.insert(gate.history(&p.name)?);
        }
    }
    Ok(render_check(r, &histories, &gate.options().policy))
}

/// The check report as HTML (see the module doc); `histories` by normalised name.
pub(super) fn render_check(r: &CheckReport, histories: &HashMap<String, Vec<HistoryEntry>>, policy: &Policy) -> String {
    let files = r.lockfiles.iter().map(|l| l.path.display().to_string()).collect::<Vec<_>>().join(", ");
    let counts = [Status::Blocked, Status::Error, Status::Unverified, Status::Warned, Status::Allowed, Status::Skipped]
        .iter()
        .map(|s| format!("<span class=\"st {0}\">{1} {0}</span>", s.as_str(), r.count(*s)))
        .collect::<Vec<_>>()
        .join(" ");
    let mut rows = String::new();
    for p in &r.packages {
        let empty = Vec::new();
        let history = histories.get(&crate::pep503::normalize_name(&p.name)).unwrap_or(&empty);
        package(&mut rows, p, history, policy);
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>safe-pip check: {title}</title>\n<style>{CSS}</style></head><body>\n\
         <header><h1>safe-pip check</h1><p class=\"sub\">{n} packages in <code>{title}</code> · safe-pip {version} · {counts}</p>\n\
         <div class=\"controls\"><input id=\"q\" type=\"search\" placeholder=\"Filter: name, alert, file…\" aria-label=\"filter\">\n\
         <select id=\"status\" aria-label=\"status\"><option value=\"\">every status</option><option>blocked</option><option>error</option><option>unverified</option><option>warned</option><option>allowed</option><option>skipped</option></select>\n\
         <span id=\"shown\"></span></div></header>\n\
         <table id=\"pkgs\"><thead><tr>\
         <th data-key=\"name\">Package</th><th data-key=\"version\">Version</th><th data-key=\"rank\">Status</th>\
         <th data-key=\"score\" data-num=\"1\">Risk</th><th data-key=\"alerts\" data-num=\"1\">Alerts</th><th data-key=\"location\">Where</th>\
         </tr></thead>\n{rows}</table>\n<p class=\"foot\">Every package was read as data only — never installed, imported or run. Click a row for its alerts, behaviour, history and similar packages; click a column to sort.</p>\n\
         <script>{JS}</script></body></html>\n",
        title = esc(&files),
        n = r.packages.len(),
        version = env!("CARGO_PKG_VERSION"),
    )
}

fn package(out: &mut String, p: &PackageCheck, history: &[HistoryEntry], policy: &Policy) {
    let risk = score::score(&p.alerts);
    // A package nothing is known about has no score: "0 none" would read as "safe".
    let unknown = p.alerts.is_empty() && matches!(p.status, Status::Unverified | Status::Error);
    let (score_key, risk_text) = if unknown { (-1, "— unknown".to_string()) } else { (i32::from(risk.score), format!("{} {}", risk.score, risk.level.as_str())) };
    let rank = match p.status {
        Status::Blocked => 5,
        Status::Error => 4,
        Status::Unverified => 3,
        Status::Warned => 2,
        Status::Allowed => 1,
        Status::Skipped => 0,
    };
    let version = p.version.as_deref().unwrap_or("");
    let search = format!("{} {} {}", p.name, p.alerts.iter().map(|f| format!("{} {}", f.alert.id(), f.file)).collect::<Vec<_>>().join(" "), p.location).to_lowercase();
    let _ = write!(
        out,
        "<tbody class=\"pkg\" data-name=\"{name}\" data-version=\"{v}\" data-rank=\"{rank}\" data-status=\"{status}\" data-score=\"{score_key}\" data-alerts=\"{alerts}\" data-location=\"{loc}\" data-search=\"{search}\">\n\
         <tr class=\"row\" tabindex=\"0\"><td class=\"name\">{name}</td><td>{v}</td><td><span class=\"st {status}\">{status}</span></td>\
         <td><span class=\"lv {level}\">{risk_text}</span></td><td>{alerts}</td><td class=\"loc\">{loc}</td></tr>\n\
         <tr class=\"detail\" hidden><td colspan=\"6\">",
        name = esc(&p.name),
        v = esc(version),
        status = p.status.as_str(),
        level = if unknown { "none" } else { risk.level.as_str() },
        alerts = p.alerts.len(),
        loc = esc(&p.location),
        search = esc(&search),
    );
    let _ = write!(out, "<p class=\"reason\">{}</p>", esc(&p.reason));
    if let Some(h) = &p.hint {
        let _ = write!(out, "<p class=\"hint\">hint: {}</p>", esc(h));
    }
    alerts(out, &p.alerts);
    behaviour(out, &p.alerts);
    history_and_decisions(out, p, history, policy);
    similar(out, &p.name);
    out.push_str("</td></tr>\n</tbody>\n");
}

fn alerts(out: &mut String, findings: &[Finding]) {
    if findings.is_empty() {
        out.push_str("<h3>Alerts</h3><p class=\"none\">none</p>");
        return;
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
}

fn behaviour(out: &mut String, findings: &[Finding]) {
    let seen = crate::vet::behaviour(findings);
    if seen.is_empty() {
        return;
    }
    out.push_str("<h3>Behaviour</h3><ul class=\"beh\">");
    for b in seen {
        let _ = write!(
            out,
            "<li><b>{}</b> at {} <small>({}; first at <code>{}</code>)</small></li>",
            esc(b.capability),
            esc(&b.contexts.join(", ")),
            esc(&b.alerts.join(", ")),
            esc(&b.example)
        );
    }
    out.push_str("</ul>");
}

fn history_and_decisions(out: &mut String, p: &PackageCheck, history: &[HistoryEntry], policy: &Policy) {
    out.push_str("<h3>History</h3>");
    if history.is_empty() {
        out.push_str("<p class=\"none\">the verdict DB has analysed no file of this project</p>");
    } else {
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
    }
    let decisions: Vec<_> = policy.decisions.iter().filter(|d| crate::pep503::normalize_name(&d.package) == crate::pep503::normalize_name(&p.name)).collect();
    if !decisions.is_empty() {
        out.push_str("<h3>Decisions</h3><ul class=\"dec\">");
        for d in decisions {
            let alerts = d.alerts.iter().map(|a| a.id()).collect::<Vec<_>>().join(", ");
            let _ = write!(
                out,
                "<li><b>{}</b> {} {} — by {} on {}: {}</li>",
                d.action.as_str(),
                esc(&d.spec()),
                if alerts.is_empty() { String::new() } else { format!("accepting <code>{}</code>", esc(&alerts)) },
                esc(&d.by),
                d.date,
                esc(&d.reason)
            );
        }
        out.push_str("</ul>");
    }
}

fn similar(out: &mut String, name: &str) {
    let squat = crate::analysis::names::check_typosquat(name);
    let list = crate::vet::similar_packages(&crate::pep503::normalize_name(name), squat.as_ref());
    if list.is_empty() {
        return;
    }
    out.push_str("<h3>Similar packages</h3><ul class=\"sim\">");
    for s in list {
        let _ = write!(out, "<li><code>{}</code> (#{} on PyPI) — {}</li>", esc(&s.name), s.rank, esc(&s.why));
    }
    out.push_str("</ul>");
}

const CSS: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#fff;border-bottom:1px solid #d9dde3;padding:12px 20px;position:sticky;top:0;z-index:1}
h1{font-size:20px;margin:0 0 4px}.sub{margin:0 0 8px;color:#4a5262}
.controls{display:flex;gap:8px;align-items:center}#q{flex:0 1 360px;padding:5px 8px}#shown{color:#4a5262}
table#pkgs{border-collapse:collapse;width:calc(100% - 40px);margin:12px 20px;background:#fff}
#pkgs>thead th{position:sticky;top:92px;background:#eef0f4;text-align:left;padding:6px 8px;cursor:pointer;user-select:none;border-bottom:1px solid #c9ced6}
#pkgs>thead th.asc::after{content:" ▲"}#pkgs>thead th.desc::after{content:" ▼"}
tr.row td{padding:5px 8px;border-bottom:1px solid #eceef2}tr.row{cursor:pointer}tr.row:hover{background:#f1f5ff}
td.name{font-weight:600}td.loc{color:#5b6475;font-size:12px;word-break:break-all}
.st{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;color:#fff;background:#7b8494}
.st.blocked,.st.block,.st.error{background:#c62828}.st.unverified{background:#8e24aa}.st.warned,.st.warn{background:#e08a00}.st.allowed,.st.allow{background:#2e7d32}.st.skipped{background:#9aa1ad}
.lv{font-variant-numeric:tabular-nums}.lv.critical{color:#c62828;font-weight:700}.lv.high{color:#d84315;font-weight:600}.lv.medium{color:#b26a00}.lv.low,.lv.none{color:#5b6475}
tr.detail>td{background:#fafbfc;padding:8px 16px 14px;border-bottom:2px solid #d9dde3}
h3{font-size:13px;margin:10px 0 4px;text-transform:uppercase;letter-spacing:.04em;color:#4a5262}
table.alerts,table.hist{border-collapse:collapse;width:100%}table.alerts td,table.alerts th,table.hist td,table.hist th{border:1px solid #e1e4ea;padding:3px 6px;vertical-align:top;text-align:left}
tr.sev.critical td:first-child{color:#c62828;font-weight:700}tr.sev.high td:first-child{color:#d84315;font-weight:600}tr.sev.medium td:first-child{color:#b26a00}
pre{margin:4px 0 0;padding:4px 6px;background:#f0f1f4;white-space:pre-wrap;word-break:break-all;font-size:12px}
.none{color:#7b8494;margin:2px 0}.reason{margin:2px 0 4px}.hint{color:#4a5262}.foot{margin:0 20px 20px;color:#5b6475}
"#;

const JS: &str = r#"
(function(){
  var table=document.getElementById('pkgs'), q=document.getElementById('q'), st=document.getElementById('status'), shown=document.getElementById('shown');
  var bodies=Array.prototype.slice.call(table.tBodies);
  var headerHeight=document.querySelector('header').offsetHeight;
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th){th.style.top=headerHeight+'px';});
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
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th){
    th.addEventListener('click',function(){
      var key=th.dataset.key, num=th.dataset.num||key==='rank', desc=!th.classList.contains('desc');
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(o){o.classList.remove('asc','desc');});
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
  // #pkg=NAME opens that package's details (a link to share, or a screenshot of them)
  if(location.hash.indexOf('#pkg=')===0){
    var wanted=decodeURIComponent(location.hash.slice(5));
    bodies.forEach(function(b){if(b.dataset.name===wanted){b.rows[1].hidden=false;window.scrollTo(0,b.getBoundingClientRect().top+window.scrollY-headerHeight-40);}});
  }
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    use crate::check::{CheckOptions, check};
    use crate::pipeline::ScanOptions;
    use crate::test_fixtures::{clean_sdist, sdist};
    use sha2::{Digest, Sha256};

    #[test]
    fn check_report_as_one_page_with_every_string_escaped() {
        let dir = tempfile::tempdir().expect("tmp");
        let gate = Gate::open(Some(&dir.path().join("v.sqlite3")), ScanOptions::default()).expect("gate");
        let evil = sdist("canary-pkg", "1.0", &[("setup.py", "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/<script>alert(1)</script>')\n")]);
        let clean = clean_sdist("tidy-numbers", "1.0");
        for (name, bytes) in [("canary-pkg-1.0.tar.gz", &evil), ("tidy-numbers-1.0.tar.gz", &clean)] {
            gate.judge_bytes(name, bytes, None, Vec::new()).expect("judge");
        }
        let folder = dir.path().join("a<script>alert(2)</script>");
        std::fs::create_dir_all(&folder).expect("mkdir");
        let req = folder.join("requirements.txt");
        let sha = |b: &[u8]| crate::hex::hex(&Sha256::digest(b));
        std::fs::write(&req, format!("canary-pkg==1.0 --hash=sha256:{}\ntidy-numbers==1.0 --hash=sha256:{}\nreqeusts==2.0\n", sha(&evil), sha(&clean))).expect("write");
        let lock = crate::lockfile::read_lockfile(&req).expect("read");
        let report = check(std::slice::from_ref(&lock), &gate, &CheckOptions::default()).expect("check");
        let html = from_check(&report, &gate).expect("html");

        assert_eq!(html.matches("<script").count(), 1, "only the page's own script: {html}");
        assert_eq!(html.matches("</script>").count(), 1);
        assert!(html.contains("alert(1)&lt;/script&gt;") && html.contains("a&lt;script&gt;alert(2)&lt;/script&gt;"), "{html}");
        assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "no external asset");
        assert!(html.contains("default-src 'none'"));
        // per package: status and risk, alerts with evidence, behaviour, history, similar packages
        assert!(html.contains("data-name=\"canary-pkg\"") && html.contains("data-status=\"blocked\""), "{html}");
        assert!(html.contains("<code>install-network</code>") && html.contains("install time"), "{html}");
        assert!(html.contains("<h3>Behaviour</h3>") && html.contains("<b>install-time code</b> at install"), "{html}");
        assert!(html.contains("<code>canary-pkg-1.0.tar.gz</code>"), "history from the DB: {html}");
        assert!(html.contains("<code>requests</code> (#"), "the typosquat's target: {html}");
    }

    #[test]
    fn esc_leaves_no_markup_and_shows_control_characters() {
        assert_eq!(esc("<script>alert('x')</script> & \"q\""), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
        assert_eq!(esc("a\u{202e}b\x1b"), "a\\u{202e}b\\x1b");
    }
}
