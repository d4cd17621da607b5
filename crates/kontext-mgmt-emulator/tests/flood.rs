//! The emulator under a flood, as a separate process whose peak memory is read from
//! `/proc/<pid>/status`: 200 unauthenticated 1 MB JSON bodies and 1,500 slow clients
//! (half trickling headers, half a body) at once. It must stay under 300 MB peak RSS
//! and close every slow connection within its configured timeout.
#![cfg(target_os = "linux")]

mod common;

use bytes::Bytes;
use common::{spawn_binary, Running, BIN};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SLOW_CLIENTS: usize = 1500;
const BIG_BODIES: usize = 200;
const UPLOADERS: usize = 20;
const TIMEOUT: Duration = Duration::from_secs(2);
/// How late a slow connection may be closed after the timeout on a loaded 2-core
/// machine running a debug build.
const SLACK: Duration = Duration::from_millis(1500);
const MAX_PEAK_KB: u64 = 300 * 1024;

fn spawn() -> Running {
    let timeout = TIMEOUT.as_secs().to_string();
    spawn_binary(
        Command::new(BIN)
            .args(["--port", "0", "--rate-limit", "0", "--header-timeout", &timeout, "--body-timeout", &timeout])
            .stderr(Stdio::null()),
    )
}

/// Peak resident set size of a process, in KiB.
fn peak_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc status")
}

/// One slow client: sends part of a request, then waits for the server to give up.
/// Returns how long after its last byte the connection was closed, and the answer.
async fn slow_client(host: String, trickle_body: bool) -> (Duration, String) {
    let mut s = TcpStream::connect(&host).await.expect("connect");
    let part = if trickle_body {
        "POST /flood/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n[0,0,0"
    } else {
        "POST /flood/slow HTTP/1.1\r\nHost: x\r\nContent-Ty"
    };
    s.write_all(part.as_bytes()).await.expect("write");
    let sent = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let left = (TIMEOUT * 10).saturating_sub(sent.elapsed());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Err(_) => panic!("a slow connection was still open after {:?}", TIMEOUT * 10),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
    (sent.elapsed(), String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_anonymous_bodies_and_slow_clients_cannot_make_it_eat_memory() {
    // 1,500 sockets here and there; a low soft limit would fail the test, not the emulator.
    rlimit::increase_nofile_limit(4 * SLOW_CLIENTS as u64).expect("raise the open-file limit");
    let emu = spawn();
    let host = emu.base.strip_prefix("http://").expect("an http URL").to_owned();
    let pid = emu.child.id();
    let before = peak_kb(pid);
    let started = Instant::now();

    let slow: Vec<_> = (0..SLOW_CLIENTS).map(|i| tokio::spawn(slow_client(host.clone(), i % 2 == 1))).collect();

    // A JSON array of about 1 MB: the kind of body that used to be parsed and kept.
    let mut text = String::with_capacity(1_000_001);
    text.push('[');
    text.push_str(&"0,".repeat(499_999));
    text.push_str("0]");
    let body = Bytes::from(text);
    let client = Arc::new(common::client());
    let uploads: Vec<_> = (0..UPLOADERS)
        .map(|w| {
            let (client, body, url) = (client.clone(), body.clone(), format!("http://{host}/flood/{w}"));
            tokio::spawn(async move {
                for _ in 0..BIG_BODIES / UPLOADERS {
                    let r = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .expect("upload");
                    assert_eq!(r.status(), 404);
                }
            })
        })
        .collect();
    for u in uploads {
        u.await.expect("uploader");
    }
    let uploaded = started.elapsed();

    let mut worst = Duration::ZERO;
    let mut earliest = Duration::MAX;
    for (i, t) in slow.into_iter().enumerate() {
        let (took, answer) = t.await.expect("slow client");
        worst = worst.max(took);
        earliest = earliest.min(took);
        if i % 2 == 1 {
            assert!(answer.starts_with("HTTP/1.1 408"), "a trickled body got {answer:?}");
        } else {
            assert!(answer.is_empty(), "trickled headers got {answer:?}");
        }
    }
    let peak = peak_kb(pid);
    println!(
        "flood: {BIG_BODIES} x {} B bodies in {uploaded:?}; {SLOW_CLIENTS} slow connections closed after {earliest:?}..{worst:?} \
         (timeout {TIMEOUT:?}); emulator peak RSS {} MiB (at start {} MiB)",
        body.len(),
        peak / 1024,
        before / 1024
    );
    assert!(earliest >= TIMEOUT.mul_f64(0.9), "a slow connection was closed after {earliest:?}, before its timeout");
    assert!(worst <= TIMEOUT + SLACK, "a slow connection stayed open {worst:?} (timeout {TIMEOUT:?})");
    assert!(peak < MAX_PEAK_KB, "emulator peak RSS {} MiB >= 300 MiB", peak / 1024);

    // The bodies are counted in the log, not kept.
    let url = format!("http://{host}/_emulator/requests?limit=1000");
    let log = common::to_resp(client.get(url).send().await.expect("request log")).await.body;
    let big = log["items"].as_array().unwrap().iter().filter(|e| e["bodyBytes"] == body.len()).count();
    assert_eq!(big, BIG_BODIES);
    assert!(log["bytes"].as_u64().unwrap() < 1 << 20, "log holds {} bytes", log["bytes"]);
}
