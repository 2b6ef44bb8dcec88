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
    /// Inject a defect (repeatable), to see the gate catch it.
    #[arg(long = "fault", value_enum)]
    pub faults: Vec<crate::emulator::Fault>,
    /// Do not print a line per request.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: ServeArgs) -> Result<Outcome> {
    let runtime = tokio::runtime::Runtime::new().map_err(Error::runtime)?;
    runtime.block_on(async {
        let config = EmulatorConfig {
            token: args.token.clone(),
            log_requests: !args.quiet,
            faults: args.faults.clone(),
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
            eprintln!("injected fault: {}", fault.name());
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
