//! `groupcheck cleanup --ledger FILE`: delete what a run created and did not delete, from its
//! ledger. Never deletes anything the ledger does not name.

use super::error::{Error, Result};
use super::target::TargetArgs;
use crate::check::outcome::Profile;
use crate::check::{RunContext, delete_group};
use crate::client::ledger::{Ledger, outstanding};
use crate::exit::Outcome;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

#[derive(Debug, clap::Args)]
pub struct CleanupArgs {
    /// The run's ledger (reports/<run>/ledger.jsonl).
    #[arg(long)]
    pub ledger: PathBuf,
    #[command(flatten)]
    pub target: TargetArgs,
    /// List what would be deleted, delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: CleanupArgs) -> Result<Outcome> {
    let groups = outstanding(&args.ledger)?;
    if groups.is_empty() {
        eprintln!("groupcheck cleanup: nothing to delete: every group in the ledger was deleted");
        return Ok(Outcome::Passed);
    }
    if args.dry_run {
        for g in &groups {
            println!(
                "{} {} {} ({})",
                g.base_url, g.service_plan_id, g.id, g.scenario
            );
        }
        return Ok(Outcome::Passed);
    }
    if args.target.target.is_none() {
        return Err(Error::Usage(format!(
            "--target is required (the ledger names {}); with the plan's token",
            groups[0].base_url
        )));
    }
    let runtime = tokio::runtime::Runtime::new().map_err(Error::runtime)?;
    runtime.block_on(async {
        let resolved = args.target.resolve().await?;
        let plan = resolved.client.target().service_plan_id.clone();
        let ledger = match Ledger::create(&args.ledger) {
            Ok(l) => Some(Arc::new(l)),
            Err(e) => {
                eprintln!("groupcheck cleanup: cannot append to the ledger: {e}");
                None
            }
        };
        let ctx = RunContext {
            client: resolved.client,
            ledger,
            profile: Profile::Default,
            run_tag: String::new(),
            cancel: Arc::new(AtomicBool::new(false)),
        };
        let (mut deleted, mut failed, mut skipped) = (0, 0, 0);
        for g in &groups {
            if g.service_plan_id != plan {
                skipped += 1;
                continue;
            }
            match delete_group(&ctx, &g.id).await {
                Ok(()) => {
                    deleted += 1;
                    println!("deleted {}", g.id);
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("cannot delete {}: {e}", g.id);
                }
            }
        }
        eprintln!(
            "groupcheck cleanup: {deleted} deleted, {failed} failed, {skipped} of other service plans skipped"
        );
        // A group that could not be deleted: the target did not let us (exit 3).
        Ok(if failed > 0 {
            Outcome::Aborted
        } else {
            Outcome::Passed
        })
    })
}
