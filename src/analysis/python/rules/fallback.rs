//! Token-level fallback for files the parser could only partly recover (Python 2,
//! broken or deliberately malformed code): the raw lines are scanned for the strong
//! shapes, so a parse failure never hides a file.

use crate::analysis::python::{evidence::{clip, webhook_kind}, model::Model, shellcmd};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    let ctx = m.scope(0).ctx;
    for (i, line) in m.text.lines().enumerate() {
        if line.len() > 20_000 {
            continue;
        }
        let lineno = i as u32 + 1;
        let lower = line.to_ascii_lowercase();
        let push = |out: &mut Vec<Finding>, alert: AlertId, msg: String| {
            out.push(Finding::new(alert, m.path, msg).at_line(lineno).with_evidence(line.trim()).in_context(ctx));
        };
        if let Some(why) = shellcmd::download_and_run(&lower) {
            push(out, AlertId::DownloadExec, format!("command `{}` ({why}) in a file that does not parse cleanly", clip(line.trim())));
            continue;
        }
        let exec_like = lower.contains("exec(") || lower.contains("eval(");
        if exec_like && ["b64decode", "decompress(", "marshal.loads", "fromhex(", "unhexlify("].iter().any(|k| lower.contains(k)) {
            push(out, AlertId::DecodeExec, "exec/eval of decoded data in a file that does not parse cleanly".into());
            continue;
        }
        if m.role == FileRole::SetupScript || ctx == ExecContext::Install {
            let runs = ["os.system", "subprocess", "popen", "startfile"].iter().any(|k| lower.contains(k));
            if runs {
                if let Some(tok) = shellcmd::suspicious_tokens(&lower) {
                    push(out, AlertId::InstallShell, format!("shell command with {tok} in setup code that does not parse cleanly"));
                    continue;
                }
            }
            if ["urlopen(", "urlretrieve(", "requests.get(", "requests.post(", ".connect(("].iter().any(|k| lower.contains(k)) {
                push(out, AlertId::InstallNetwork, "network call in setup code that does not parse cleanly".into());
                continue;
            }
        }
        if let Some(kind) = webhook_kind(line) {
            push(out, AlertId::WebhookUrl, format!("hard-coded {kind} URL"));
        }
    }
}
