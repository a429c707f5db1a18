//! `safe-pip explain`: the catalogue entry of an alert, or the whole catalogue.

use super::outcome::Outcome;
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::alerts::{self, AlertId};
use crate::report::ColorChoice;
use crate::alerts::exception_advice;
use clap::{Args, ValueEnum};
use std::io::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum ExplainFormat {
    #[default]
    Terminal,
    Markdown,
    Json,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Alert id, e.g. install-network.
    #[arg(required_unless_present = "all")]
    pub id: Option<String>,
    /// Every alert in the catalogue.
    #[arg(long, conflicts_with = "id")]
    pub all: bool,
    #[arg(long, value_enum, default_value_t = ExplainFormat::Terminal)]
    pub format: ExplainFormat,
}

pub(crate) fn run(args: ExplainArgs, _color: ColorChoice) -> Outcome {
    let ids: Vec<AlertId> = match &args.id {
        None => AlertId::ALL.to_vec(),
        Some(id) => match AlertId::from_id(id.trim()) {
            Some(a) => vec![a],
            None => {
                let near = AlertId::nearest(id);
                return Err(Error::new(format!("unknown alert id `{id}`"), format!("did you mean `{near}`? `safe-pip explain --all` lists every alert")));
            }
        },
    };
    let text = match args.format {
        ExplainFormat::Markdown if args.all => alerts::render_markdown(),
        ExplainFormat::Markdown => ids.iter().map(|a| alerts::render_markdown_entry(*a)).collect(),
        ExplainFormat::Json => {
            let v: Vec<_> = ids.iter().map(|a| {
                let i = a.info();
                serde_json::json!({"id": i.id, "severity": i.severity, "category": i.category, "title": i.title, "explanation": i.explanation, "remediation": i.remediation, "exception": exception_advice(*a)})
            }).collect();
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        ExplainFormat::Terminal => ids.iter().map(|a| terminal_entry(*a)).collect::<Vec<_>>().join("\n"),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitStatus::Allowed)
}

fn terminal_entry(a: AlertId) -> String {
    let i = a.info();
    format!(
        "{}  ({} · {})\n{}\n\n{}\n\nWhat to do: {}\nDefault action: {}\nException: {}\n",
        i.id,
        i.severity,
        i.category,
        i.title,
        i.explanation,
        i.remediation,
        i.severity.guidance(),
        exception_advice(a)
    )
}


