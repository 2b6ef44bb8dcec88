//! Resolving the target from flags and the environment, in one place: a remote URL with its
//! service plan and token, or (without `--target`) the embedded emulator started in-process; and
//! the preflight, one authenticated request before a run, so that a wrong token, plan or URL is
//! one line and exit 3 instead of a list of failures.

use super::error::Error;
use crate::client::{Auth, Client, ClientConfig, HttpRequest, Observation, Secret, Target};
use crate::emulator::{Emulator, EmulatorConfig};
use std::time::Duration;

#[derive(Clone, clap::Args)]
pub struct TargetArgs {
    /// Base URL of the Groups API to check (e.g. https://us.sms.api.sinch.com). Without it, the
    /// embedded emulator is started and checked.
    #[arg(long, env = "GROUPCHECK_TARGET")]
    pub target: Option<String>,
    /// Service plan id for the paths /xms/v1/{service_plan_id}/groups.
    #[arg(long, env = "SINCH_SERVICE_PLAN_ID")]
    pub service_plan_id: Option<String>,
    /// API token sent as a Bearer token; never printed.
    #[arg(long, env = "SINCH_API_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// A second service plan for the isolation checks (default: <plan>-second, which must not
    /// see the first plan's groups).
    #[arg(long, env = "SINCH_SECOND_SERVICE_PLAN_ID")]
    pub second_service_plan_id: Option<String>,
    /// The second plan's token (default: the first plan's token).
    #[arg(long, env = "SINCH_SECOND_API_TOKEN", hide_env_values = true)]
    pub second_token: Option<String>,
    /// Per-request timeout in seconds, body included.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
    /// Connect timeout in seconds.
    #[arg(long, default_value_t = 10.0)]
    pub connect_timeout: f64,
    /// Largest response body read, in MiB.
    #[arg(long, default_value_t = 64)]
    pub body_cap_mib: usize,
    /// A PEM file of CA certificates to trust for an https target, besides the system's (for a
    /// target behind a private CA or with a self-signed certificate). Certificates are always
    /// verified: there is no option to skip that, since the token travels on the connection.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Vec<std::path::PathBuf>,
}

/// Written by hand so that no `{:?}` can print a token.
impl std::fmt::Debug for TargetArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |t: &Option<String>| t.as_ref().map(|_| "[redacted]");
        f.debug_struct("TargetArgs")
            .field("target", &self.target)
            .field("service_plan_id", &self.service_plan_id)
            .field("token", &redacted(&self.token))
            .field("second_service_plan_id", &self.second_service_plan_id)
            .field("second_token", &redacted(&self.second_token))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("body_cap_mib", &self.body_cap_mib)
            .field("ca_cert", &self.ca_cert)
            .finish()
    }
}

/// The target of a run; keeps the embedded emulator alive while it is used.
pub struct Resolved {
    pub client: Client,
    /// How reports name the target.
    pub label: String,
    pub emulator: Option<Emulator>,
}

impl TargetArgs {
    fn client_config(&self) -> Result<ClientConfig, Error> {
        let secs = |v: f64, what: &str| {
            // try_from: a finite but huge value (1e30) would make from_secs_f64 panic.
            Duration::try_from_secs_f64(v)
                .ok()
                .filter(|d| !d.is_zero() && v > 0.0)
                .ok_or(Error::Usage(format!(
                    "--{what} must be a positive number of seconds, not {v}"
                )))
        };
        let mut ca_certs = Vec::new();
        for file in &self.ca_cert {
            ca_certs.push(
                std::fs::read(file)
                    .map_err(|e| Error::io(format!("--ca-cert {}", file.display()), e))?,
            );
        }
        Ok(ClientConfig {
            timeout: secs(self.timeout, "timeout")?,
            connect_timeout: secs(self.connect_timeout, "connect-timeout")?,
            body_cap: self
                .body_cap_mib
                .clamp(1, 1 << 20)
                .saturating_mul(1024 * 1024),
            ca_certs,
            ..ClientConfig::default()
        })
    }

    fn second_plan(&self, plan: &str) -> String {
        self.second_service_plan_id
            .clone()
            .unwrap_or_else(|| format!("{plan}-second"))
    }

    /// Start the emulator or check the remote settings. Errors are usage errors (exit 2).
    pub async fn resolve(&self) -> Result<Resolved, Error> {
        let config = self.client_config()?;
        match &self.target {
            None => {
                let token = format!("gc-{:032x}", rand::random::<u128>());
                let emulator = Emulator::start_local(EmulatorConfig {
                    token: Some(token.clone()),
                    ..EmulatorConfig::default()
                })
                .await
                .map_err(|e| Error::Usage(format!("cannot start the embedded emulator: {e}")))?;
                let plan = self
                    .service_plan_id
                    .clone()
                    .unwrap_or_else(|| "groupcheck".into());
                let target = Target {
                    base_url: emulator.base_url(),
                    second_plan_id: self.second_plan(&plan),
                    second_token: None,
                    service_plan_id: plan,
                    token: Secret::new(token),
                };
                let label = format!("embedded emulator ({})", emulator.base_url());
                Ok(Resolved {
                    client: Client::new(target, config)?,
                    label,
                    emulator: Some(emulator),
                })
            }
            Some(url) => {
                let base = url.trim_end_matches('/').to_owned();
                let parsed = reqwest::Url::parse(&base)
                    .map_err(|e| Error::Usage(format!("--target '{base}' is not a URL: {e}")))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(Error::Usage(format!(
                        "--target '{base}' must be an http or https URL"
                    )));
                }
                let (plan, token) =
                    match (&self.service_plan_id, &self.token) {
                        (Some(plan), Some(token)) => (plan.clone(), token.clone()),
                        (plan, token) => {
                            let missing: Vec<&str> = [
                            plan.is_none().then_some(
                                "a service plan id (--service-plan-id or SINCH_SERVICE_PLAN_ID)",
                            ),
                            token.is_none().then_some("a token (--token or SINCH_API_TOKEN)"),
                        ]
                        .into_iter()
                        .flatten()
                        .collect();
                            return Err(Error::Usage(format!(
                                "--target needs {}",
                                missing.join(" and ")
                            )));
                        }
                    };
                let target = Target {
                    base_url: base.clone(),
                    second_plan_id: self.second_plan(&plan),
                    second_token: self.second_token.clone().map(Secret::new),
                    service_plan_id: plan,
                    token: Secret::new(token),
                };
                Ok(Resolved {
                    client: Client::new(target, config)?,
                    label: base,
                    emulator: None,
                })
            }
        }
    }
}

/// One authenticated `GET` of the plan's groups (`page_size=1`) with `client` (its timeouts and
/// 429 handling); no answer at all is [`Error::Unreachable`]. `load` and `capacity` stop at this
/// (a load run with a refused token ends as "not one request succeeded", exit 3).
pub async fn probe(client: &Client, label: &str) -> Result<Observation, Error> {
    let probe = HttpRequest {
        method: "GET".into(),
        path: "/groups".into(),
        query: vec![("page_size".into(), "1".into())],
        auth: Auth::Token,
        ..HttpRequest::default()
    };
    client
        .send(&probe)
        .await
        .map_err(|source| Error::Unreachable {
            target: label.to_owned(),
            source,
        })
}

/// The preflight of `check` and `explore`: the [`probe`], then 401 or 403 is
/// [`Error::Preflight`] naming the plan and the status, and 404 a hint about the base URL and the
/// plan id (both exit 3). Any other answer lets the run start (the scenarios judge it).
pub async fn preflight(client: &Client, label: &str) -> Result<(), Error> {
    let answer = probe(client, label).await?;
    let target = client.target();
    let plan = &target.service_plan_id;
    match answer.status {
        status @ (401 | 403) => Err(Error::Preflight(format!(
            "the target rejected the token for service plan {plan}: {status} (check --token or \
             SINCH_API_TOKEN, and that the token belongs to this plan)"
        ))),
        404 => Err(Error::Preflight(format!(
            "GET {}/groups answered 404: is --target the API's base URL, without /xms/v1 (such \
             as https://us.sms.api.sinch.com), and {plan} the service plan id?",
            target.plan_root()
        ))),
        _ => Ok(()),
    }
}
