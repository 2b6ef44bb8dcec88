//! `groupcheck validate --schema NAME FILE`: a JSON document against a named schema.

use crate::exit;
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

pub fn run(args: ValidateArgs) -> u8 {
    let schemas = Schemas::get();
    if !schemas.contains(&args.schema) {
        let names: Vec<&str> = schemas.names().collect();
        eprintln!(
            "groupcheck validate: unknown schema '{}'; known schemas: {}",
            args.schema,
            names.join(", ")
        );
        return exit::USAGE;
    }
    let shown = super::show(&args.file);
    let text = if args.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(&args.file)
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            eprintln!("groupcheck validate: cannot read {shown}: {e}");
            return exit::USAGE;
        }
    };
    let instance: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{shown}:{}:{}: not JSON: {e}", e.line(), e.column());
            return exit::USAGE;
        }
    };
    let violations = schemas
        .validate(&args.schema, &instance)
        .unwrap_or_default();
    if violations.is_empty() {
        println!("{shown}: valid against schema '{}'", args.schema);
        return exit::OK;
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
    exit::FAILURES
}
