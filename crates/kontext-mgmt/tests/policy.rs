//! The Cedar policy surface through the core: the `ETag` header as the result's `etag`
//! (typed and untyped), `If-Match` as an argument, and two writers racing with one ETag.

use kontext_mgmt::ops::CallArgs;
use kontext_mgmt::{types, Client, ErrorKind};
use kontext_mgmt_emulator::{Config, Emulator, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use serde_json::{json, Value};

async fn emulator() -> Emulator {
    Emulator::start(Config { rate_limit: 0, ..Config::default() }).await.expect("emulator starts")
}

fn client(emu: &Emulator) -> Client {
    Client::builder().base_url(emu.url()).credentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).build().unwrap()
}

fn add(template: &str) -> types::PolicyActionInput {
    serde_json::from_value(json!({"action": "add", "templateId": template})).expect("a valid action")
}

#[tokio::test]
async fn two_writers_with_one_etag_one_wins_and_the_other_is_precondition_failed() {
    let emu = emulator().await;
    let (a, b) = (client(&emu), client(&emu));
    let etag = a.policies_get_deployment().send().await.unwrap().into_inner().etag.expect("the ETag as etag");
    let first = a.policies_apply_action().if_match(etag.clone()).body(add("block-rm-rf")).send();
    let second = b.policies_apply_action().if_match(etag.clone()).body(add("block-shell-exec")).send();
    let (first, second) = tokio::join!(first, second);
    let (won, lost) = match (first, second) {
        (Ok(w), Err(l)) => (w.into_inner(), (l, "block-shell-exec")),
        (Err(l), Ok(w)) => (w.into_inner(), (l, "block-rm-rf")),
        (x, y) => panic!("exactly one writer must win: {x:?} / {y:?}"),
    };
    let (error, loser_template) = lost;
    let error: kontext_mgmt::Error = error.into();
    assert_eq!(error.kind(), ErrorKind::PreconditionFailed, "{error}");
    assert_eq!(error.status(), Some(412));
    assert_ne!(won.etag.as_deref(), Some(etag.as_str()), "every write changes the ETag");
    assert_eq!(won.observing.policies.len(), 1);

    // The loser re-reads and retries: both changes are kept, nothing is lost.
    let fresh = b.policies_get_deployment().send().await.unwrap().into_inner();
    assert_eq!(fresh.etag, won.etag, "a read returns the ETag of the last write");
    let after = b.policies_apply_action().if_match(fresh.etag.unwrap()).body(add(loser_template)).send().await;
    let after = after.expect("the retry with the fresh ETag succeeds").into_inner();
    let templates: Vec<_> = after.observing.policies.iter().filter_map(|p| p.template_id.clone()).collect();
    assert_eq!(templates.len(), 2, "{templates:?}");
    assert!(templates.contains(&"block-rm-rf".to_string()) && templates.contains(&"block-shell-exec".to_string()));
    emu.shutdown().await;
}

#[tokio::test]
async fn the_untyped_path_carries_the_etag_and_sends_header_arguments_as_headers() {
    let emu = emulator().await;
    let c = client(&emu);
    let read = c.call("policies_getDeployment", &CallArgs::default()).await.unwrap();
    let body: Value = serde_json::from_slice(&read.body).unwrap();
    let etag = body["etag"].as_str().expect("the ETag in the answer's object").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "a strong ETag, quotes included: {etag}");

    let args = |if_match: Value| CallArgs {
        query: vec![("ifMatch".into(), if_match)],
        body: Some(json!({"action": "add", "templateId": "block-rm-rf"})),
        ..CallArgs::default()
    };
    // Without it the server asks for one; with it the change is made.
    let e = c.call("policies_applyAction", &CallArgs { query: vec![], ..args(Value::Null) }).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PreconditionRequired, "{e}");
    let done = c.call("policies_applyAction", &args(json!(etag))).await.unwrap();
    let done: Value = serde_json::from_slice(&done.body).unwrap();
    assert_ne!(done["etag"], json!(etag));
    assert_eq!(done["observing"]["policies"][0]["templateId"], "block-rm-rf");

    // A header value that could smuggle another header, or is absurdly long, never leaves.
    for bad in [json!("\"x\"\r\nX-Injected: 1"), json!("x".repeat(5000))] {
        let e = c.call("policies_applyAction", &args(bad)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains("ifMatch"), "{e}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn invalid_cedar_is_unprocessable_with_typed_diagnostics() {
    let emu = emulator().await;
    let c = client(&emu);
    let input: types::PolicyTextInput =
        serde_json::from_value(json!({"policyText": "permitt(principal, action, resource);"})).unwrap();
    let e: kontext_mgmt::Error =
        c.policies_put_policy().if_none_match("*").body(input).send().await.unwrap_err().into();
    assert_eq!(e.kind(), ErrorKind::UnprocessableEntity, "{e}");
    let d = e.diagnostics();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!((d[0].policy_id.as_deref(), d[0].start, d[0].end), (Some("policy0"), Some(0), Some(7)));
    assert!(e.to_string().contains("(policy0 at 0..7)"), "{e}");
    emu.shutdown().await;
}
