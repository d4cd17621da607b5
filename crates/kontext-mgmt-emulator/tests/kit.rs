//! The test kits' entry points: `KitOptions`, `Emulator::start_kit` and `Emulator::admin`,
//! which every language's kit calls (no HTTP between the kit and its emulator).

mod common;

use kontext_mgmt_emulator::{Emulator, KitOptions};
use serde_json::{json, Value};

fn body(reply: &kontext_mgmt_emulator::AdminReply) -> Value {
    serde_json::from_slice(&reply.body).expect("JSON")
}

#[tokio::test]
async fn a_kit_emulator_applies_options_and_seed_and_answers_admin_calls_in_process() {
    let options = KitOptions::from_json(
        r#"{"seed": {"applications": [{"name": "seeded"}]}, "faults": "latency=1ms", "clientId": "kit", "clientSecret": "s3cret"}"#,
    )
    .expect("parses");
    let shown = format!("{options:?}");
    assert!(!shown.contains("s3cret") && shown.contains("kit"), "{shown}");
    let emu = Emulator::start_kit(options).await.expect("starts");
    assert_eq!((emu.client_id(), emu.client_secret()), ("kit", "s3cret"));
    let stats = emu.admin("POST", "seed", br#"{"applications": [{"name": "second"}]}"#);
    assert_eq!(body(&stats)["applications"], 2);
    let faults = emu.admin("GET", "faults", b"");
    assert_eq!(body(&faults)["latencyMs"], 1);
    let refused = emu.admin("POST", "seed", br#"{"applications": [{}]}"#);
    assert_eq!(refused.status, 400);
    assert!(refused.message().contains("name"), "{}", refused.message());
    assert_eq!(emu.admin("GET", "nowhere", b"").status, 404);
    assert_eq!(emu.admin("NOT A METHOD", "stats", b"").status, 400);

    // Over HTTP too: the seeded state is the server's.
    let token = body(&emu.admin("POST", "tokens", b"{}"))["access_token"].as_str().expect("a token").to_owned();
    let list: Value = common::client()
        .get(format!("{}/api/v1/applications", emu.url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    let log = body(&emu.admin("GET", "requests?limit=5", b""));
    assert_eq!(log["items"][0]["path"], "/api/v1/applications");
    // The typed log is the same log: one entry per request, the same fields and values.
    let typed = emu.requests(5);
    assert_eq!(typed.len(), 1);
    assert_eq!(
        (typed[0].method.as_str(), typed[0].path.as_str(), typed[0].status),
        ("GET", "/api/v1/applications", 200)
    );
    assert_eq!(serde_json::to_value(&typed[0]).expect("serializes"), log["items"][0]);
    emu.shutdown().await;
}

#[tokio::test]
async fn kit_emulators_are_independent_and_a_bad_seed_or_option_is_an_error() {
    let a = Emulator::start_kit(KitOptions::default()).await.expect("starts");
    let b = Emulator::start_kit(KitOptions::default()).await.expect("starts");
    assert_ne!(a.url(), b.url());
    a.admin("POST", "seed", br#"{"applications": [{"name": "only-in-a"}]}"#);
    assert_eq!(body(&a.admin("GET", "stats", b"")), body(&b.admin("GET", "stats", b"")), "stats count API calls only");
    let seeded_b = body(&b.admin("POST", "seed", b"{}"));
    assert_eq!(seeded_b["applications"], 0);
    a.shutdown().await;
    b.shutdown().await;

    let bad_seed = KitOptions::from_json(&json!({"seed": {"applications": [{}]}}).to_string()).expect("parses");
    let e = Emulator::start_kit(bad_seed).await.expect_err("a seed without a name is refused");
    assert!(e.to_string().contains("seed"), "{e}");
    for (text, expected) in [
        (r#"{"noSuch": 1}"#, "unknown field `noSuch`"),
        (r#"{"tokenTtl": -1}"#, "tokenTtl"),
        (r#"{"faults": "error_rate=7"}"#, "faults"),
        ("[1]", "options"),
    ] {
        let e = KitOptions::from_json(text).and_then(KitOptions::into_config).map(drop).expect_err(text);
        assert!(e.to_string().contains(expected), "{text}: {e}");
    }
    assert!(KitOptions::names().contains(&"rateLimit") && KitOptions::names().len() >= 15);
}
