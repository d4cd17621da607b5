//! Compile-time and offline properties of the generated surface.

use kontext_mgmt::{enums, types, Client, ErrorKind};

fn assert_send<T: Send>(_: &T) {}

#[test]
fn futures_are_send_and_streams_exist() {
    let client = Client::builder().base_url("http://127.0.0.1:9").token("t").build().unwrap();
    let fut = client.applications_list().limit(5).send();
    assert_send(&fut);
    let stream = client.applications_list().limit(5).stream();
    assert_send(&stream);
    let traces = client.traces_list().limit(5).stream_from(0);
    assert_send(&traces);
}

#[test]
fn unknown_enum_values_and_extra_fields_decode() {
    let json = serde_json::json!({
        "type": "device_flow",
        "clientId": "app_1",
        "redirectUris": [],
        "pkceRequired": true,
        "scopes": [],
        "allowedResources": [],
        "brandNewField": {"nested": 1}
    });
    let oauth: types::ApplicationOAuth = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(oauth.type_, enums::OAuthClientType::Unknown("device_flow".into()));
    assert_eq!(oauth.extra.get("brandNewField"), Some(&serde_json::json!({"nested": 1})));
    // And both survive a round trip unchanged.
    assert_eq!(serde_json::to_value(&oauth).unwrap(), json);
    let known: enums::OAuthClientType = serde_json::from_str("\"public\"").unwrap();
    assert_eq!(known, enums::OAuthClientType::Public);
}

#[tokio::test]
async fn bad_input_is_rejected_before_sending() {
    // Port 9 (discard) is never served here: any request that went out would be a
    // connection error, not InvalidInput.
    let client = Client::builder().base_url("http://127.0.0.1:9").token("t").max_retries(0).build().unwrap();
    let e = kontext_mgmt::Error::from(client.applications_get().id("").send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let e = kontext_mgmt::Error::from(client.traces_get().trace_id("").send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let e = kontext_mgmt::Error::from(client.applications_list().limit(0).send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let e = kontext_mgmt::Error::from(client.applications_list().limit(500).send().await.unwrap_err());
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("`limit` must be between 1 and 200"), "{e}");
    let args = kontext_mgmt::ops::CallArgs { path: vec!["".into()], ..Default::default() };
    let e = client.call("applications_get", &args).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let e = Client::builder().base_url("not a url").token("t").build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
}

/// The rustdoc of the generated client comes from the spec's descriptions; maintainers'
/// notes (`x-kontext-notes`) must not reach it.
#[test]
fn generated_client_docs_carry_no_maintainers_notes() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/generated.rs"));
    assert!(generated.contains("Partial update."), "not the generated client");
    for marker in ["Chosen:", "Conflict:"] {
        assert!(!generated.contains(marker), "generated.rs contains {marker:?}");
    }
}
