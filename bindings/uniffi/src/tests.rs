//! Checks on the generated glue itself.

/// Every exported async method must reach the network through `crate::support` (which runs
/// it on the core's runtime): the generated text has no other call path.
#[test]
fn every_async_method_goes_through_support() {
    let glue = include_str!(concat!(env!("OUT_DIR"), "/surface.rs"));
    let mut methods = 0;
    for chunk in glue.split("pub async fn ").skip(1) {
        methods += 1;
        let body_start = chunk.find('{').expect("method body");
        let body = &chunk[body_start..chunk.find("\n    }").expect("method end")];
        assert!(
            body.contains("crate::support::call") || body.contains("self.inner.next_page"),
            "an async method does not go through crate::support: {}",
            &chunk[..body_start]
        );
    }
    assert!(methods >= 39, "only {methods} async methods generated");
}

#[test]
fn unknown_fields_and_enum_values_decode() {
    let json = r#"{"type": "hybrid", "clientId": "c", "redirectUris": [], "pkceRequired": false,
                   "scopes": ["a"], "allowedResources": [], "newThing": {"x": [1, null]}}"#;
    let oauth: crate::ApplicationOAuth = serde_json::from_str(json).unwrap();
    assert_eq!(oauth.r#type, crate::OAuthClientType::Unknown { value: "hybrid".into() });
    assert_eq!(oauth.extra.get("newThing"), Some(&crate::JsonValue(r#"{"x":[1,null]}"#.into())));
    assert_eq!(oauth.client_secret, None);
    // Sent back unchanged, unknown field included.
    let again = serde_json::to_value(&oauth).unwrap();
    assert_eq!(again["type"], "hybrid");
    assert_eq!(again["newThing"], serde_json::json!({"x": [1, null]}));
}

#[test]
fn optional_fields_are_left_out_and_clear_sends_null() {
    let mut input = crate::UpdateApplicationInput {
        name: None,
        description: None,
        external_auth: None,
        clear_description: false,
        clear_external_auth: true,
        extra: Default::default(),
    };
    assert_eq!(serde_json::to_value(&input).unwrap(), serde_json::json!({"externalAuth": null}));
    input.description = Some("d".into());
    input.clear_description = true; // a value wins over clear
    input.extra.insert("future".into(), crate::JsonValue("1".into()));
    input.extra.insert("description".into(), crate::JsonValue("\"shadow\"".into()));
    assert_eq!(
        serde_json::to_value(&input).unwrap(),
        serde_json::json!({"description": "d", "externalAuth": null, "future": 1})
    );
    input.extra.insert("bad".into(), crate::JsonValue("{not json".into()));
    assert!(serde_json::to_value(&input).is_err(), "invalid JSON text is refused");
}

#[test]
fn secrets_are_masked() {
    let creds = crate::ServiceAccountCredentials {
        client_id: "sa_1".into(),
        client_secret: "top-secret-value".into(),
        extra: Default::default(),
    };
    for text in [format!("{creds:?}"), creds.to_string()] {
        assert!(!text.contains("top-secret-value"), "{text}");
        assert_eq!(text, r#"ServiceAccountCredentials(clientId="sa_1", clientSecret=********)"#);
    }
}

#[test]
fn date_times_round_trip() {
    let t: crate::DateTime = serde_json::from_str(r#""2026-01-15T10:30:00.250Z""#).unwrap();
    assert_eq!(serde_json::to_string(&t).unwrap(), r#""2026-01-15T10:30:00.250Z""#);
    assert!(serde_json::from_str::<crate::DateTime>(r#""yesterday""#).is_err());
}

#[test]
fn core_errors_map_to_their_kinds() {
    let api = kontext_mgmt::ApiError {
        status: 429,
        message: "slow down".into(),
        request_id: Some("req-1".into()),
        body: "{}".into(),
        retry_after: Some(std::time::Duration::from_secs(7)),
        missing_scopes: Vec::new(),
        diagnostics: Vec::new(),
    };
    let e = crate::KontextError::from(kontext_mgmt::Error::Api(Box::new(api)));
    assert_eq!(
        e,
        crate::KontextError::RateLimited {
            status: 429,
            message: "slow down".into(),
            request_id: Some("req-1".into()),
            body: "{}".into(),
            retry_after: Some(std::time::Duration::from_secs(7)),
        }
    );
    assert_eq!(e.to_string(), "429 RateLimited: slow down (retry after 7.000s) [request id req-1]");
    let e = crate::KontextError::from(kontext_mgmt::Error::InvalidInput("limit".into()));
    assert_eq!(e.to_string(), "invalid input: limit");
    assert_eq!(e.info().kind, "InvalidInput");
}

#[test]
fn a_forbidden_names_the_missing_scopes() {
    let body = r#"{"error":"insufficient_scope","missingScopes":["traces:read"],"hint":"ask"}"#;
    let api = kontext_mgmt::ApiError {
        status: 403,
        message: "insufficient_scope; missing scopes: traces:read; hint: ask".into(),
        request_id: None,
        body: body.into(),
        retry_after: None,
        missing_scopes: vec!["traces:read".into()],
        diagnostics: Vec::new(),
    };
    let e = crate::KontextError::from(kontext_mgmt::Error::Api(Box::new(api)));
    assert!(matches!(e, crate::KontextError::Forbidden { .. }), "{e:?}");
    assert_eq!(e.missing_scopes(), ["traces:read"]);
    assert_eq!(e.info().missing_scopes, ["traces:read"]);
    assert_eq!(e.to_string(), "403 Forbidden: insufficient_scope; missing scopes: traces:read; hint: ask");
}

#[test]
fn an_unprocessable_entity_lists_its_diagnostics() {
    let body = r#"{"message":"not valid Cedar","diagnostics":[{"severity":"error","message":"unexpected token","policyId":"policy0","start":0,"end":7}]}"#;
    let e = crate::KontextError::from(kontext_mgmt::Error::Api(Box::new(kontext_mgmt::ApiError {
        status: 422,
        message: "not valid Cedar".into(),
        request_id: None,
        body: body.into(),
        retry_after: None,
        missing_scopes: Vec::new(),
        diagnostics: Vec::new(),
    })));
    assert!(matches!(e, crate::KontextError::UnprocessableEntity { .. }), "{e:?}");
    let expected = crate::ErrorDiagnostic {
        severity: Some("error".into()),
        message: "unexpected token".into(),
        policy_id: Some("policy0".into()),
        start: Some(0),
        end: Some(7),
    };
    assert_eq!(e.diagnostics(), std::slice::from_ref(&expected));
    assert_eq!(e.info().diagnostics, [expected]);
}

#[test]
fn a_decode_error_keeps_the_body_and_names_the_missing_field() {
    let body = br#"{"application": {"id": "a1"}}"#;
    let e =
        crate::support::decode::<crate::ApplicationResponse>("applications_get", body).expect_err("`name` is required");
    assert!(matches!(e, crate::KontextError::DecodeError { .. }), "{e:?}");
    assert!(e.to_string().contains("missing field `name`"), "{e}");
    assert_eq!(e.info().body.as_deref(), Some(std::str::from_utf8(body).expect("utf-8")));
}
