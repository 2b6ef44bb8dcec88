//! `groupcheck proxy`: forward live traffic to a target and judge it; on Ctrl-C or SIGTERM write
//! the reports of `check` (summary.json, junit.xml, report.md, report.html) and exit as it does.

use super::error::{Error, Result};
use crate::check::outcome::Profile;
use crate::client::TransportError;
use crate::exit::Outcome;
use crate::report;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ProxyArgs {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: String,
    /// The API's origin to forward to, e.g. https://us.sms.api.sinch.com or http://127.0.0.1:8080.
    #[arg(long)]
    pub target: String,
    /// Where the reports go when the proxy stops (default: reports/<run id>/).
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// default: `should` rules warn; strict: they fail.
    #[arg(long, value_enum, default_value_t = Profile::Default)]
    pub profile: Profile,
}

pub fn run(args: ProxyArgs) -> Result<Outcome> {
    let url = reqwest::Url::parse(&args.target)
        .map_err(|e| Error::Usage(format!("--target {}: {e}", args.target)))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Usage(format!(
            "--target {}: expected an http(s) origin such as https://us.sms.api.sinch.com",
            args.target
        )));
    }
    let runtime = tokio::runtime::Runtime::new().map_err(Error::runtime)?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: ProxyArgs) -> Result<Outcome> {
    // Reachability first, as `check` does: any HTTP answer will do.
    let probe = crate::proxy::forward::http_client(false)
        .map_err(|e| Error::Environment(format!("cannot build the HTTP client: {e}")))?;
    if let Err(e) = probe
        .get(&args.target)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
    {
        return Err(Error::Unreachable {
            target: args.target.clone(),
            source: TransportError::Connect(e.to_string()),
        });
    }
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| Error::Usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the listening address", e))?;
    let run_id = report::run_id();
    let dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(&run_id));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    eprintln!(
        "groupcheck proxy listening on {addr}\n  forwarding to {}\n  point a client's base URL at http://{addr}; Ctrl-C or SIGTERM writes the reports to {}",
        args.target,
        dir.display()
    );
    let outcome = crate::proxy::run(
        listener,
        &args.target,
        args.profile,
        run_id,
        super::signal::terminated(),
    )
    .await
    .map_err(|e| Error::io("the proxy stopped", e))?;
    let console = report::console::Console::new(false);
    console.finish(&outcome);
    match report::write_all(&outcome, &dir) {
        Ok(files) => {
            let names: Vec<String> = files
                .iter()
                .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            eprintln!("reports: {}/ ({})", dir.display(), names.join(", "));
        }
        Err(e) => {
            return Err(Error::io(
                format!("cannot write the reports in {}", dir.display()),
                e,
            ));
        }
    }
    Ok(outcome.outcome())
}
