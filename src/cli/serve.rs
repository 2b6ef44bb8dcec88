//! `groupcheck serve`: the emulator as a local Groups API.

use super::error::{Error, Result};
use crate::emulator::{Emulator, EmulatorConfig};
use crate::exit::Outcome;
use std::net::SocketAddr;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Bearer token to require; without it any non-empty token is accepted.
    #[arg(long, env = "SINCH_API_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Inject a defect (repeatable), to see the gate catch it: a fault (breaks a must rule) or a
    /// deviation (takes the other side where Sinch's documents disagree).
    #[arg(long = "fault", value_enum)]
    pub faults: Vec<crate::emulator::Fault>,
    /// Take a choice the documents leave open the other way (repeatable, or `all`): a correct
    /// server, which no profile of the gate may fail. `--liberty help` lists them.
    #[arg(long = "liberty", value_name = "NAME", value_parser = parse_liberty)]
    pub liberties: Vec<Vec<crate::emulator::Liberty>>,
    /// Do not print a line per request.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_liberty(
    text: &str,
) -> std::result::Result<Vec<crate::emulator::Liberty>, crate::emulator::liberties::UnknownLiberty>
{
    crate::emulator::Liberty::parse_list(text)
}

pub fn run(args: ServeArgs) -> Result<Outcome> {
    let liberties: Vec<crate::emulator::Liberty> =
        args.liberties.iter().flatten().copied().collect();
    let runtime = tokio::runtime::Runtime::new().map_err(Error::runtime)?;
    runtime.block_on(async {
        let config = EmulatorConfig {
            token: args.token.clone(),
            log_requests: !args.quiet,
            faults: args.faults.clone(),
            liberties: liberties.clone(),
            ..EmulatorConfig::default()
        };
        let emulator = Emulator::start(config, args.addr)
            .await
            .map_err(|e| Error::io(format!("cannot listen on {}", args.addr), e))?;
        let auth = if args.token.is_some() {
            "the configured Bearer token"
        } else {
            "any non-empty Bearer token"
        };
        for fault in &args.faults {
            let kind = match fault.kind() {
                crate::emulator::faults::Kind::Fault => "fault",
                crate::emulator::faults::Kind::Deviation => "deviation",
            };
            eprintln!("injected {kind}: {}", fault.name());
        }
        for liberty in &liberties {
            eprintln!("liberty taken: {}", liberty.name());
        }
        eprintln!(
            "groupcheck emulator listening on {}\n  base URL: {}/xms/v1/{{service_plan_id}}/groups (any service plan id)\n  auth: {auth}\n  Ctrl-C to stop",
            emulator.addr(),
            emulator.base_url()
        );
        tokio::select! {
            result = emulator.wait() => match result {
                Ok(()) => Ok(Outcome::Passed),
                Err(e) => Err(Error::Environment(e.to_string())),
            },
            _ = tokio::signal::ctrl_c() => {
                eprintln!("stopped");
                Ok(Outcome::Passed)
            }
        }
    })
}
