//! Real-world transport, all on loopback: an https target with a self-signed certificate trusted
//! through `--ca-cert` (and refused without it), HTTP/2 negotiated by ALPN, HTTP_PROXY and
//! HTTPS_PROXY honoured for remote targets (a tiny forward/CONNECT proxy), and loopback targets
//! never sent to a proxy.

mod common;

use common::{groupcheck_command, run, tmp_dir};
use groupcheck::emulator::{Emulator, EmulatorConfig};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

const TOKEN: &str = "transport-token-7c1e99a4b2";
const PLAN: &str = "P1";
/// A name no resolver knows: only a proxy can reach it (the proxy maps it to 127.0.0.1).
const PROXIED_HOST: &str = "groupcheck.test";

/// A runtime on its own thread, for the servers of one test.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// Run groupcheck with no proxy settings but `envs`; the token must not show in its output.
fn groupcheck(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = groupcheck_command();
    cmd.args(args);
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "REQUEST_METHOD",
    ] {
        cmd.env_remove(var);
    }
    let (code, text) = run(cmd.envs(envs.iter().copied()));
    assert!(!text.contains(TOKEN), "the token never prints");
    (code, text)
}

/// A one-step list scenario.
fn list_scenario(dir: &Path) -> PathBuf {
    let file = dir.join("list.yaml");
    std::fs::write(
        &file,
        "name: list over the transport\nsteps:\n  - request: list\n    query: {page_size: 5}\n",
    )
    .unwrap();
    file
}

// ---- an https server: self-signed, h2 and http/1.1 by ALPN ------------------------------------

struct Https {
    addr: SocketAddr,
    cert_pem: PathBuf,
    /// The HTTP version of every request served.
    versions: Arc<Mutex<Vec<String>>>,
}

fn https_server(dir: &Path) -> Https {
    let names = vec![
        "127.0.0.1".to_owned(),
        "localhost".to_owned(),
        PROXIED_HOST.to_owned(),
    ];
    let key = rcgen::generate_simple_self_signed(names).unwrap();
    let cert_pem = dir.join("cert.pem");
    std::fs::write(&cert_pem, key.cert.pem()).unwrap();
    let cert_der = key.cert.der().clone();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.signing_key.serialize_der().into());
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert_der], key_der)
    .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let versions = Arc::new(Mutex::new(Vec::new()));
    let seen = versions.clone();
    let listener = runtime()
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime().spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let (acceptor, seen) = (acceptor.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let seen = seen.clone();
                    async move {
                        seen.lock()
                            .unwrap()
                            .push(format!("{:?}", request.version()));
                        let body = r#"{"page":0,"page_size":0,"count":0,"groups":[]}"#;
                        let answer = hyper::Response::builder()
                            .status(200)
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from(body)))
                            .unwrap();
                        Ok::<_, std::convert::Infallible>(answer)
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Https {
        addr,
        cert_pem,
        versions,
    }
}

// ---- a forward and CONNECT proxy that maps every host to 127.0.0.1 --------------------------

struct Proxy {
    addr: SocketAddr,
    /// The first request line of every proxied connection.
    seen: Arc<Mutex<Vec<String>>>,
}

fn proxy() -> Proxy {
    let listener = runtime()
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    runtime().spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                continue;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let _ = tunnel(client, log).await;
            });
        }
    });
    Proxy { addr, seen }
}

async fn tunnel(mut client: TcpStream, log: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).await? == 0 || head.len() > 64 * 1024 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let line = text.lines().next().unwrap_or("").to_owned();
    log.lock().unwrap().push(line.clone());
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    // CONNECT host:port, or GET http://host:port/path: only the port is used.
    let authority = if method == "CONNECT" {
        target.to_owned()
    } else {
        target
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or("")
            .to_owned()
    };
    let port: u16 = authority
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(80);
    let mut upstream = TcpStream::connect(("127.0.0.1", port)).await?;
    if method == "CONNECT" {
        client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await?;
    } else {
        upstream.write_all(&head).await?;
    }
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

fn emulator() -> Emulator {
    runtime()
        .block_on(Emulator::start_local(EmulatorConfig {
            token: Some(TOKEN.into()),
            ..EmulatorConfig::default()
        }))
        .unwrap()
}

// ---- the tests --------------------------------------------------------------------------------

#[test]
fn an_https_target_is_checked_over_http2_with_its_ca_certificate() {
    let dir = tmp_dir("https");
    let server = https_server(&dir);
    let scenario = list_scenario(&dir);
    let url = format!("https://127.0.0.1:{}", server.addr.port());
    let base = [
        "check",
        scenario.to_str().unwrap(),
        "--target",
        &url,
        "--service-plan-id",
        PLAN,
        "--token",
        TOKEN,
    ];
    let reports = dir.join("reports");
    let with_ca = [
        "--ca-cert",
        server.cert_pem.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ];
    let (code, out) = groupcheck(&[&base[..], &with_ca[..]].concat(), &[]);
    assert_eq!(code, 0, "{out}");
    let versions = server.versions.lock().unwrap().clone();
    assert!(!versions.is_empty());
    assert!(
        versions.iter().all(|v| v == "HTTP/2.0"),
        "ALPN chose HTTP/2 for every request: {versions:?}"
    );
    // Without the certificate: refused, nothing sent, and the reason is given.
    server.versions.lock().unwrap().clear();
    let (code, out) = groupcheck(&base, &[]);
    println!("{out}");
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("unreachable") && out.contains("certificate"),
        "{out}"
    );
    assert!(server.versions.lock().unwrap().is_empty());
}

#[test]
fn a_ca_certificate_that_cannot_be_read_is_a_usage_error() {
    let dir = tmp_dir("bad-ca");
    let garbage = dir.join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    for file in [garbage, empty, dir.join("missing.pem")] {
        let (code, out) = groupcheck(
            &[
                "check",
                "scenarios/update/add-before-remove.yaml",
                "--target",
                "https://127.0.0.1:9",
                "--service-plan-id",
                PLAN,
                "--token",
                TOKEN,
                "--ca-cert",
                file.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(code, 2, "{out}");
        assert!(out.contains("--ca-cert"), "{out}");
        assert!(!out.contains("panicked"), "{out}");
    }
}

#[test]
fn https_proxy_tunnels_with_connect() {
    let dir = tmp_dir("https-proxy");
    let server = https_server(&dir);
    let proxy = proxy();
    let scenario = list_scenario(&dir);
    let url = format!("https://{PROXIED_HOST}:{}", server.addr.port());
    let proxy_url = format!("http://{}", proxy.addr);
    let (code, out) = groupcheck(
        &[
            "check",
            scenario.to_str().unwrap(),
            "--target",
            &url,
            "--service-plan-id",
            PLAN,
            "--token",
            TOKEN,
            "--ca-cert",
            server.cert_pem.to_str().unwrap(),
            "--report-dir",
            dir.join("reports").to_str().unwrap(),
        ],
        &[("HTTPS_PROXY", &proxy_url)],
    );
    assert_eq!(code, 0, "{out}");
    let seen = proxy.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|l| l.starts_with(&format!("CONNECT {PROXIED_HOST}:{}", server.addr.port()))),
        "{seen:?}"
    );
    assert!(
        server
            .versions
            .lock()
            .unwrap()
            .iter()
            .all(|v| v == "HTTP/2.0"),
        "h2 inside the tunnel too"
    );
}

#[test]
fn http_proxy_forwards_plain_http() {
    let emulator = emulator();
    let proxy = proxy();
    let dir = tmp_dir("http-proxy");
    let url = format!("http://{PROXIED_HOST}:{}", emulator.addr().port());
    let proxy_url = format!("http://{}", proxy.addr);
    let (code, out) = groupcheck(
        &[
            "check",
            "scenarios/update/add-before-remove.yaml",
            "--target",
            &url,
            "--service-plan-id",
            PLAN,
            "--token",
            TOKEN,
            "--report-dir",
            dir.join("reports").to_str().unwrap(),
        ],
        &[("HTTP_PROXY", &proxy_url)],
    );
    assert_eq!(code, 0, "{out}");
    let seen = proxy.seen.lock().unwrap().clone();
    assert!(
        seen.iter().any(|l| l.contains(&format!(
            "http://{PROXIED_HOST}:{}/xms/v1/{PLAN}/groups",
            emulator.addr().port()
        ))),
        "{seen:?}"
    );
    // NO_PROXY names the host: no proxy, so the name cannot be resolved: unreachable.
    let (code, out) = groupcheck(
        &[
            "check",
            "scenarios/update/add-before-remove.yaml",
            "--target",
            &url,
            "--service-plan-id",
            PLAN,
            "--token",
            TOKEN,
            "--connect-timeout",
            "5",
            "--report-dir",
            dir.join("reports-2").to_str().unwrap(),
        ],
        &[("HTTP_PROXY", &proxy_url), ("NO_PROXY", PROXIED_HOST)],
    );
    assert_eq!(code, 3, "{out}");
}

#[test]
fn loopback_targets_never_go_through_a_proxy() {
    // A proxy that is not there: a loopback target must not depend on it (a CI runner with
    // HTTP_PROXY set and no NO_PROXY would otherwise fail against the embedded emulator).
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let envs = [
        ("HTTP_PROXY", dead.as_str()),
        ("HTTPS_PROXY", dead.as_str()),
        ("ALL_PROXY", dead.as_str()),
    ];
    let dir = tmp_dir("loopback");
    let (code, out) = groupcheck(
        &[
            "check",
            "scenarios/update/add-before-remove.yaml",
            "--report-dir",
            dir.join("embedded").to_str().unwrap(),
        ],
        &envs,
    );
    assert_eq!(code, 0, "the embedded emulator: {out}");
    let emulator = emulator();
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("http://{host}:{}", emulator.addr().port());
        let (code, out) = groupcheck(
            &[
                "check",
                "scenarios/update/add-before-remove.yaml",
                "--target",
                &url,
                "--service-plan-id",
                PLAN,
                "--token",
                TOKEN,
                "--report-dir",
                dir.join(host).to_str().unwrap(),
            ],
            &envs,
        );
        assert_eq!(code, 0, "{url}: {out}");
    }
}
