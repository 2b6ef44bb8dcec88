//! The emulator's simulated inbound SMS (`POST /emulator/v1/{service_plan_id}/mo`, auto_update
//! keywords): the done-when case over HTTP, its error statuses, and the scenario that
//! needs it reported skipped (never silently) against a target not declared to be the emulator.

mod common;

use common::{ServeProcess, groupcheck, tmp_dir};
use groupcheck::emulator::{Emulator, EmulatorConfig};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::path::Path;

const TOKEN: &str = "mo-test-token-0123";

struct Api {
    client: Client,
    base: String,
    _emulator: Emulator,
}

impl Api {
    async fn start() -> Api {
        let config = EmulatorConfig {
            token: Some(TOKEN.into()),
            ..Default::default()
        };
        let emulator = Emulator::start_local(config).await.unwrap();
        Api {
            client: Client::new(),
            base: emulator.base_url(),
            _emulator: emulator,
        }
    }

    async fn send(&self, method: reqwest::Method, url: String, body: Value) -> (StatusCode, Value) {
        let response = self
            .client
            .request(method, url)
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn mo(&self, body: Value) -> (StatusCode, Value) {
        let url = format!("{}/emulator/v1/P/mo", self.base);
        self.send(reqwest::Method::POST, url, body).await
    }

    async fn size(&self, id: &str) -> Value {
        let url = format!("{}/xms/v1/P/groups/{id}", self.base);
        let (status, group) = self.send(reqwest::Method::GET, url, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{group}");
        group["size"].clone()
    }
}

/// Done when: a group with auto_update to 12345, add JOIN, remove LEAVE: an MO "join" from
/// +46700000009 makes its size 1; an MO "Leave now" from 46700000009 makes it 0.
#[tokio::test]
async fn join_then_leave_now_over_http() {
    let api = Api::start().await;
    let url = format!("{}/xms/v1/P/groups", api.base);
    let body = json!({"name": "mo", "auto_update": {
        "to": "12345", "add": {"first_word": "JOIN"}, "remove": {"first_word": "LEAVE"}}});
    let (status, group) = api.send(reqwest::Method::POST, url, body).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let id = group["id"].as_str().unwrap().to_owned();
    assert_eq!(group["size"], 0);

    let (status, answer) = api
        .mo(json!({"from": "+46700000009", "to": "12345", "body": "join"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({"changed": [id]}));
    assert_eq!(api.size(&id).await, 1);

    let (status, answer) = api
        .mo(json!({"from": "46700000009", "to": "12345", "body": "Leave now"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({"changed": [id]}));
    assert_eq!(api.size(&id).await, 0);
}

#[tokio::test]
async fn errors_are_the_emulators() {
    let api = Api::start().await;
    let url = format!("{}/emulator/v1/P/mo", api.base);
    // 400 with the emulator's codes.
    for (body, code) in [
        (
            json!({"from": "+1", "to": "12345", "body": "join"}),
            "syntax_invalid_parameter_format",
        ),
        (
            json!({"from": "46700000009", "to": "1", "body": "join"}),
            "syntax_invalid_parameter_format",
        ),
        (
            json!({"to": "12345", "body": "join"}),
            "syntax_constraint_violation",
        ),
        (
            json!({"from": "46700000009", "to": "12345", "body": 7}),
            "syntax_invalid_json",
        ),
        (json!(["not", "an", "object"]), "syntax_invalid_json"),
    ] {
        let (status, answer) = api.mo(body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} -> {answer}");
        assert_eq!(answer["code"], code, "{body} -> {answer}");
        assert!(answer["text"].is_string(), "{answer}");
    }
    // 401 on a bad token, 415 without JSON.
    let valid = json!({"from": "46700000009", "to": "12345", "body": "join"});
    let response = api
        .client
        .post(&url)
        .bearer_auth("wrong")
        .json(&valid)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = api
        .client
        .post(&url)
        .bearer_auth(TOKEN)
        .header("Content-Type", "text/plain")
        .body(valid.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A message to a plan with no groups changes nothing.
    let (status, answer) = api.mo(valid).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"changed": []})));
}

/// Many senders joining at once: none is lost (the message is applied under the plan's lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_joins_lose_nothing() {
    let api = std::sync::Arc::new(Api::start().await);
    let url = format!("{}/xms/v1/P/groups", api.base);
    let body = json!({"auto_update": {"to": "12345", "add": {"first_word": "JOIN"}}});
    let (_, group) = api.send(reqwest::Method::POST, url, body).await;
    let id = group["id"].as_str().unwrap().to_owned();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..64 {
        let api = api.clone();
        tasks.spawn(async move {
            let from = format!("467000001{n:02}");
            api.mo(json!({"from": from, "to": "12345", "body": "join"}))
                .await
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (status, answer) = done.unwrap();
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(
            answer["changed"].as_array().map(Vec::len),
            Some(1),
            "{answer}"
        );
    }
    assert_eq!(api.size(&id).await, 64);
}

/// `emulator: true` addresses a path, not one of the seven operations.
#[test]
fn an_emulator_step_needs_method_and_path() {
    let text = "name: x\nsteps:\n  - request: create\n    emulator: true\n";
    let err = groupcheck::scenario::parse::parse(Path::new("x.yaml"), text).unwrap_err();
    assert!(err.to_string().contains("emulator: true"), "{err}");
    let ok = "name: x\nsteps:\n  - method: POST\n    path: /mo\n    emulator: true\n";
    let scenario = groupcheck::scenario::parse::parse(Path::new("x.yaml"), ok).unwrap();
    assert!(scenario.requires_emulator());
}

/// The scenario that needs the emulator, `check`ed against a `groupcheck serve` target: without
/// `--target-is-emulator` it is reported skipped, with its reason, in the console and in every
/// report, and the run passes; with it, the scenario runs and passes.
#[test]
fn the_mo_scenario_is_skipped_visibly_unless_the_target_is_declared_the_emulator() {
    let server = ServeProcess::start(TOKEN, &[]);
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/autoupdate/mo-keywords.yaml")
        .display()
        .to_string();
    let check = |reports: &Path, extra: &[&str]| {
        let mut args = vec![
            "check",
            &scenario,
            "--target",
            &server.url,
            "--service-plan-id",
            "P",
            "--token",
            TOKEN,
            "--report-dir",
            reports.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        groupcheck(&args, &[])
    };

    let reports = tmp_dir("skipped");
    let (code, out) = check(&reports, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("0 passed") && out.contains("1 skipped"),
        "{out}"
    );
    assert!(
        out.contains("skipped:") && out.contains("--target-is-emulator"),
        "{out}"
    );
    let read = |name: &str| std::fs::read_to_string(reports.join(name)).unwrap();
    let summary: Value = serde_json::from_str(&read("summary.json")).unwrap();
    assert_eq!(summary["totals"]["skipped"], 1, "{summary}");
    assert_eq!(summary["totals"]["requests"], 0, "{summary}");
    assert_eq!(summary["scenarios"][0]["verdict"], "skipped");
    assert!(
        summary["scenarios"][0]["skipped"]
            .as_str()
            .unwrap()
            .contains("emulator")
    );
    let junit = read("junit.xml");
    assert!(
        junit.contains("skipped=\"1\"") && junit.contains("<skipped message="),
        "{junit}"
    );
    assert!(read("report.md").contains("### ⏭️ Skipped"));
    assert!(read("report.html").contains("Skipped (not run):"));

    let reports = tmp_dir("declared");
    let (code, out) = check(&reports, &["--target-is-emulator"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1 passed") && out.contains("0 skipped"),
        "{out}"
    );
}
