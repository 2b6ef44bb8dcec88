//! The emulator under hostile clients, over HTTP on loopback (in-process): random and malformed
//! bodies, query strings, paths and headers on every endpoint never get a 5xx, always a documented
//! status, and every error carries `{"code", "text"}` JSON; the request-body limit answers 413
//! JSON; 64 concurrent writers doing 1,000 adds each to one group lose nothing.

use groupcheck::emulator::{Emulator, EmulatorConfig};
use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const TOKEN: &str = "hardening-token";
const PLAN: &str = "HARD";
/// Statuses the emulator documents (src/emulator/mod.rs).
const DOCUMENTED: &[u16] = &[200, 201, 400, 401, 403, 404, 405, 413, 415];

/// One emulator for the property tests, on its own runtime, alive for the whole test binary.
struct Shared {
    base: String,
    ids: Vec<String>,
    _emulator: Emulator,
    _runtime: tokio::runtime::Runtime,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emulator = runtime
            .block_on(Emulator::start_local(EmulatorConfig {
                token: Some(TOKEN.into()),
                ..EmulatorConfig::default()
            }))
            .unwrap();
        let base = format!("{}/xms/v1/{PLAN}/groups", emulator.base_url());
        // A few real groups, so random operations also meet existing ids.
        let client = reqwest::blocking::Client::new();
        let mut ids = Vec::new();
        for i in 0..3 {
            let created: Value = client
                .post(&base)
                .bearer_auth(TOKEN)
                .json(&json!({"name": format!("g{i}"), "members": ["46700000001"]}))
                .send()
                .unwrap()
                .json()
                .unwrap();
            ids.push(created["id"].as_str().unwrap().to_owned());
        }
        Shared {
            base,
            ids,
            _emulator: emulator,
            _runtime: runtime,
        }
    })
}

fn client() -> &'static reqwest::blocking::Client {
    static CLIENT: OnceLock<reqwest::blocking::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    })
}

/// What one request got.
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// The contract every answer keeps, whatever was sent.
fn check_answer(what: &str, a: &Answer) -> Result<(), TestCaseError> {
    prop_assert!(
        a.status < 500,
        "{what}: {} {}",
        a.status,
        String::from_utf8_lossy(&a.body)
    );
    prop_assert!(
        DOCUMENTED.contains(&a.status),
        "{what}: undocumented status {}",
        a.status
    );
    if a.status >= 400 {
        prop_assert!(
            a.content_type.starts_with("application/json"),
            "{what}: {} with Content-Type {:?}",
            a.status,
            a.content_type
        );
        let body: Value = serde_json::from_slice(&a.body).map_err(|e| {
            TestCaseError::fail(format!(
                "{what}: {} body is not JSON ({e}): {}",
                a.status,
                String::from_utf8_lossy(&a.body)
            ))
        })?;
        prop_assert!(body["code"].is_string(), "{what}: no code in {body}");
        prop_assert!(body["text"].is_string(), "{what}: no text in {body}");
    } else if !a.body.is_empty() {
        prop_assert!(
            serde_json::from_slice::<Value>(&a.body).is_ok(),
            "{what}: a {} body that is not JSON",
            a.status
        );
    }
    Ok(())
}

fn send(request: reqwest::blocking::RequestBuilder) -> Answer {
    let response = request.send().expect("the emulator answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response.bytes().unwrap().to_vec();
    Answer {
        status,
        content_type,
        body,
    }
}

// ---- strategies -------------------------------------------------------------------------------

/// Keys of the API's request bodies, plus a few that are not.
const KEYS: &[&str] = &[
    "name",
    "members",
    "child_groups",
    "auto_update",
    "add",
    "remove",
    "add_from_group",
    "remove_from_group",
    "to",
    "first_word",
    "second_word",
    "bogus",
    "",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "(\\+|00)?[0-9 ()-]{0,20}".prop_map(Value::from),
        ".{0,30}".prop_map(Value::from),
        Just(Value::from("46700000001")),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

/// A request body: JSON the API might expect, any JSON, or any bytes.
fn body() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        Just(None),
        json_value().prop_map(|v| Some(serde_json::to_vec(&v).unwrap())),
        prop::collection::vec((prop::sample::select(KEYS), json_value()), 0..6).prop_map(|p| {
            let map: serde_json::Map<String, Value> =
                p.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            Some(serde_json::to_vec(&map).unwrap())
        }),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Some),
        ".{0,100}".prop_map(|s| Some(s.into_bytes())),
    ]
}

/// A raw query string: documented keys with odd values, odd keys, odd encodings.
fn query() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        "-?[0-9]{0,45}",
        ".{0,20}",
        Just("%FF%FE".to_owned()),
        Just("1e9".to_owned()),
        Just("".to_owned()),
    ];
    let key = prop_oneof![
        Just("page".to_owned()),
        Just("page_size".to_owned()),
        "[a-z_]{0,10}",
    ];
    prop::collection::vec((key, value, any::<bool>()), 0..5).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v, encode)| {
                let v = if encode {
                    form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                } else {
                    v.chars()
                        .filter(|c| c.is_ascii_graphic() && !"#&".contains(*c))
                        .collect()
                };
                format!("{k}={v}")
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

/// A group id for the path: an existing one, a plausible one, or anything percent-encoded,
/// including bytes that do not decode to UTF-8.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..3usize).prop_map(|i| shared().ids[i].clone()),
        "[0-9A-Z]{26}",
        prop::collection::vec(any::<u8>(), 1..40).prop_map(|bytes| {
            bytes
                .iter()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>()
        }),
        ".{1,20}".prop_map(|s| form_urlencoded::byte_serialize(s.as_bytes()).collect()),
    ]
}

fn auth() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        4 => Just(Some(format!("Bearer {TOKEN}").into_bytes())),
        1 => Just(None),
        1 => Just(Some(b"Bearer ".to_vec())),
        1 => Just(Some(b"Bearer wrong".to_vec())),
        1 => Just(Some(format!("bearer   {TOKEN}  ").into_bytes())),
        1 => Just(Some(format!("Basic {TOKEN}").into_bytes())),
        1 => prop::collection::vec(32u8..=255, 0..40).prop_map(Some),
    ]
}

fn content_type() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        3 => Just(Some(b"application/json".to_vec())),
        1 => Just(None),
        1 => Just(Some(b"application/json; charset=utf-8".to_vec())),
        1 => Just(Some(b"APPLICATION/JSON".to_vec())),
        1 => Just(Some(b"text/plain".to_vec())),
        1 => Just(Some(b"application/jsonx".to_vec())),
        1 => prop::collection::vec(32u8..=255, 0..30).prop_map(Some),
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::DELETE),
        Just(Method::PATCH),
        Just(Method::OPTIONS),
        Just(Method::HEAD),
        "[A-Z]{1,8}".prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
    ]
}

/// The path below the emulator's root: every route, and some that are not.
fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        id().prop_map(|id| format!("/{id}")),
        id().prop_map(|id| format!("/{id}/members")),
        id().prop_map(|id| format!("/{id}/members/extra")),
        Just("/".to_owned()),
        "[a-z/%0-9.]{0,30}".prop_map(|p| format!("/{p}")),
    ]
}

fn header_value(bytes: &[u8]) -> Option<reqwest::header::HeaderValue> {
    reqwest::header::HeaderValue::from_bytes(bytes).ok()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1500,
        max_shrink_iters: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any method, path, query, body, Content-Type and Authorization.
    #[test]
    fn any_request_gets_a_documented_answer(
        method in method(),
        path in path(),
        query in query(),
        body in body(),
        content_type in content_type(),
        auth in auth(),
        plan in prop_oneof![Just(PLAN.to_owned()), "[A-Za-z0-9_-]{1,12}", Just("%FF".to_owned())],
    ) {
        let shared = shared();
        let base = shared.base.replacen(&format!("/{PLAN}/"), &format!("/{plan}/"), 1);
        let mut url = format!("{base}{path}");
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        let Ok(parsed) = reqwest::Url::parse(&url) else {
            return Ok(());
        };
        let mut request = client().request(method.clone(), parsed);
        if let Some(v) = auth.as_deref().and_then(header_value) {
            request = request.header("Authorization", v);
        }
        if let Some(v) = content_type.as_deref().and_then(header_value) {
            request = request.header("Content-Type", v);
        }
        if let Some(b) = body.clone() {
            request = request.body(b);
        }
        let answer = send(request);
        let what = format!("{method} {url} body {:?}", body.as_deref().map(String::from_utf8_lossy));
        if method == Method::HEAD {
            prop_assert!(answer.status < 500, "{what}: {}", answer.status);
        } else {
            check_answer(&what, &answer)?;
        }
    }

    /// The documented operations with the right auth and Content-Type, and random bodies and
    /// queries: the answers the API documents, never a 5xx.
    #[test]
    fn every_operation_survives_random_bodies(
        op in 0..7usize,
        target in 0..3usize,
        body in body(),
        query in query(),
    ) {
        let shared = shared();
        let id = &shared.ids[target];
        let (method, url) = match op {
            0 => (Method::POST, shared.base.clone()),
            1 => (Method::GET, format!("{}?{query}", shared.base)),
            2 => (Method::GET, format!("{}/{id}", shared.base)),
            3 => (Method::POST, format!("{}/{id}", shared.base)),
            4 => (Method::PUT, format!("{}/{id}", shared.base)),
            5 => (Method::GET, format!("{}/{id}/members", shared.base)),
            // Delete a group of its own, so the shared ones stay.
            _ => {
                let created = send(
                    client()
                        .post(&shared.base)
                        .bearer_auth(TOKEN)
                        .json(&json!({"members": []})),
                );
                let v: Value = serde_json::from_slice(&created.body).unwrap();
                (Method::DELETE, format!("{}/{}", shared.base, v["id"].as_str().unwrap()))
            }
        };
        let mut request = client()
            .request(method.clone(), &url)
            .bearer_auth(TOKEN)
            .header("Content-Type", "application/json");
        if let Some(b) = body.clone() {
            request = request.body(b);
        }
        let answer = send(request);
        check_answer(
            &format!("{method} {url} body {:?}", body.as_deref().map(String::from_utf8_lossy)),
            &answer,
        )?;
    }
}

#[test]
fn paths_that_do_not_decode_to_utf8_are_json_404s() {
    // axum's path extractor answers these with a text/plain 400; the emulator answers a
    // {"code","text"} 404 like any unknown path.
    let shared = shared();
    let root = shared
        .base
        .trim_end_matches(&format!("/{PLAN}/groups"))
        .to_owned();
    for url in [
        format!("{root}/%FF/groups"),
        format!("{root}/{PLAN}/groups/%FF"),
        format!("{root}/{PLAN}/groups/%C3%28/members"),
        format!("{root}/{PLAN}/groups/%ED%A0%80"),
    ] {
        for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
            let answer = send(
                client()
                    .request(method.clone(), &url)
                    .bearer_auth(TOKEN)
                    .header("Content-Type", "application/json")
                    .body("{}"),
            );
            assert_eq!(answer.status, 404, "{method} {url}");
            check_answer(&format!("{method} {url}"), &answer).unwrap();
            let body: Value = serde_json::from_slice(&answer.body).unwrap();
            assert_eq!(body["code"], "not_found");
        }
        // Authentication still comes first.
        let answer = send(client().get(&url));
        assert_eq!(answer.status, 401, "{url}");
    }
}

#[test]
fn a_body_over_the_limit_is_a_json_413() {
    let shared = shared();
    let id = &shared.ids[0];
    let over = vec![b' '; 8 * 1024 * 1024 + 1];
    for url in [shared.base.clone(), format!("{}/{id}", shared.base)] {
        // With a Content-Length, and chunked (no length known in advance).
        let sized = send(
            client()
                .post(&url)
                .bearer_auth(TOKEN)
                .header("Content-Type", "application/json")
                .body(over.clone()),
        );
        let chunked = send(
            client()
                .post(&url)
                .bearer_auth(TOKEN)
                .header("Content-Type", "application/json")
                .body(reqwest::blocking::Body::new(std::io::Cursor::new(
                    over.clone(),
                ))),
        );
        for answer in [sized, chunked] {
            assert_eq!(answer.status, 413, "{url}");
            check_answer(&url, &answer).unwrap();
            let body: Value = serde_json::from_slice(&answer.body).unwrap();
            assert_eq!(body["code"], "payload_too_large", "{body}");
            assert!(
                body["text"].as_str().unwrap().contains("could not be read"),
                "{body}"
            );
        }
    }
    let put = send(
        client()
            .put(format!("{}/{id}", shared.base))
            .bearer_auth(TOKEN)
            .header("Content-Type", "application/json")
            .body(over),
    );
    assert_eq!(put.status, 413);
    // At the limit: read and judged on its content (a create with 8 MiB of padding is fine).
    let mut padded = b"{\"name\": \"padded\"}".to_vec();
    padded.resize(8 * 1024 * 1024, b' ');
    let at_limit = send(
        client()
            .post(&shared.base)
            .bearer_auth(TOKEN)
            .header("Content-Type", "application/json")
            .body(padded),
    );
    assert_eq!(at_limit.status, 201);
}

#[test]
fn sixty_four_writers_of_a_thousand_adds_each_lose_nothing() {
    const WRITERS: u64 = 64;
    const ADDS: u64 = 1000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    runtime.block_on(async {
        let emulator = Emulator::start_local(EmulatorConfig {
            token: Some(TOKEN.into()),
            ..EmulatorConfig::default()
        })
        .await
        .unwrap();
        let base = format!("{}/xms/v1/{PLAN}/groups", emulator.base_url());
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(WRITERS as usize)
            .build()
            .unwrap();
        let created: Value = client
            .post(&base)
            .bearer_auth(TOKEN)
            .json(&json!({"members": []}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let group = format!("{base}/{}", created["id"].as_str().unwrap());
        let mut writers = tokio::task::JoinSet::new();
        for w in 0..WRITERS {
            let (client, group) = (client.clone(), group.clone());
            writers.spawn(async move {
                for i in 0..ADDS {
                    let number = format!("467{:08}", w * ADDS + i);
                    let response = client
                        .post(&group)
                        .bearer_auth(TOKEN)
                        .json(&json!({"add": [number]}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200, "writer {w}, add {i}");
                    // Read the body, so the connection goes back to the pool.
                    response.bytes().await.unwrap();
                }
            });
        }
        while let Some(done) = writers.join_next().await {
            done.unwrap();
        }
        let group_view: Value = client
            .get(&group)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(group_view["size"], WRITERS * ADDS, "{group_view}");
        let members: Vec<String> = client
            .get(format!("{group}/members"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let distinct: std::collections::HashSet<&String> = members.iter().collect();
        assert_eq!(distinct.len() as u64, WRITERS * ADDS);
        for w in [0, WRITERS / 2, WRITERS - 1] {
            for i in [0, ADDS - 1] {
                let number = format!("467{:08}", w * ADDS + i);
                assert!(distinct.contains(&number), "{number} was lost");
            }
        }
        emulator.stop().await.unwrap();
    });
    println!(
        "{} adds by {WRITERS} writers in {:?}",
        WRITERS * ADDS,
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(60), "hang guard");
}
