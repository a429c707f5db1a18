//! Whole-environment collection.
//!
//! **Detects** the whole `os.environ` being serialised, written or sent (`env-harvest`):
//! `json.dumps(dict(os.environ))`, `str(os.environ)`, `f.write(str(os.environ))`.
//! Passing `env=os.environ.copy()` to a subprocess is not collection.
//!
//! **Why risky:** environment variables carry CI tokens, cloud keys and passwords.
//!
//! **Example:** `requests.post(URL, data=json.dumps(dict(os.environ)))`.
//!
//! **Remedy:** check where the collected environment goes.

use crate::analysis::python::{evidence::at, labels::Labels, model::Model, names};
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    for c in &m.calls {
        let serialise = matches!(
            c.q.as_str(),
            "json.dumps" | "json.dump" | "pickle.dumps" | "str" | "repr" | "base64.b64encode" | "yaml.dump" | "marshal.dumps"
        ) || c.q.ends_with(".write")
            || names::network_call(&c.q).is_some()
            || names::socket_send(&c.q);
        if !serialise {
            continue;
        }
        let env_in_args = c.args.iter().any(|a| a.labels.has(Labels::ENV)) || c.kwargs.iter().any(|(k, v)| k != "env" && v.labels.has(Labels::ENV));
        if env_in_args {
            out.push(at(m, AlertId::EnvHarvest, c.scope, c.line, format!("{}() receives the whole os.environ {}", c.q, m.scope(c.scope).describe())));
        }
    }
}
