//! `groupcheck validate --schema NAME FILE`: a JSON document against a named schema.

use super::error::{Error, Result};
use crate::exit::Outcome;
use crate::spec::Schemas;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Schema name: group, create-request, replace-request, update-request, list-response,
    /// members-response or error.
    #[arg(long)]
    pub schema: String,
    /// The JSON document ("-" for standard input).
    pub file: PathBuf,
}

pub fn run(args: ValidateArgs) -> Result<Outcome> {
    let schemas = Schemas::get();
    if !schemas.contains(&args.schema) {
        let names: Vec<&str> = schemas.names().collect();
        return Err(Error::Usage(format!(
            "unknown schema '{}'; known schemas: {}",
            args.schema,
            names.join(", ")
        )));
    }
    let shown = super::show(&args.file);
    let text = if args.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(&args.file)
    };
    let text = text.map_err(|e| Error::io(format!("cannot read {shown}"), e))?;
    let instance: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::Located(format!(
            "{shown}:{}:{}: not JSON: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let violations = schemas
        .validate(&args.schema, &instance)
        .unwrap_or_default();
    if violations.is_empty() {
        println!("{shown}: valid against schema '{}'", args.schema);
        return Ok(Outcome::Passed);
    }
    println!(
        "{shown}: {} error{} against schema '{}'",
        violations.len(),
        if violations.len() == 1 { "" } else { "s" },
        args.schema
    );
    for v in &violations {
        println!("  {v}");
    }
    Ok(Outcome::Failed)
}
