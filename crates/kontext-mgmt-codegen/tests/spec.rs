//! The checked-in spec: complete against the reference, valid by an independent validator,
//! and the gate rejects what progenitor cannot handle with a clear message.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn spec_text() -> String {
    std::fs::read_to_string(root().join("openapi/kontext-management.yaml")).unwrap()
}

/// The 39 (method, path) pairs of the reference's §3 table.
const REFERENCE: &[(&str, &str)] = &[
    ("POST", "/applications"),
    ("GET", "/applications"),
    ("GET", "/applications/access-graph"),
    ("GET", "/applications/{id}"),
    ("PATCH", "/applications/{id}"),
    ("DELETE", "/applications/{id}"),
    ("POST", "/applications/{id}/rotate-secret"),
    ("GET", "/applications/{id}/oauth"),
    ("PATCH", "/applications/{id}/oauth"),
    ("GET", "/applications/{id}/integrations"),
    ("PUT", "/applications/{id}/integrations"),
    ("POST", "/applications/{id}/integrations/{integrationId}"),
    ("DELETE", "/applications/{id}/integrations/{integrationId}"),
    ("GET", "/applications/{applicationId}/sessions"),
    ("GET", "/applications/{applicationId}/sessions/{sessionId}"),
    ("DELETE", "/applications/{applicationId}/sessions"),
    ("POST", "/integrations"),
    ("GET", "/integrations"),
    ("GET", "/integrations/{id}"),
    ("PATCH", "/integrations/{id}"),
    ("DELETE", "/integrations/{id}"),
    ("POST", "/integrations/{id}/validate"),
    ("GET", "/integrations/{id}/oauth"),
    ("PUT", "/integrations/{id}/oauth"),
    ("DELETE", "/integrations/{id}/oauth"),
    ("POST", "/integrations/{id}/connection"),
    ("GET", "/integrations/{id}/connection"),
    ("DELETE", "/integrations/{id}/connection"),
    ("POST", "/service-accounts"),
    ("GET", "/service-accounts"),
    ("GET", "/service-accounts/{id}"),
    ("POST", "/service-accounts/{id}/rotate-secret"),
    ("DELETE", "/service-accounts/{id}"),
    ("GET", "/traces"),
    ("GET", "/traces/stats"),
    ("GET", "/traces/{traceId}"),
    ("GET", "/mcp-events"),
    ("GET", "/policy/settings"),
    ("GET", "/policy/rules"),
];

/// The newer admin surface, `shared/reference/kontext-api.md` §7 (Cedar variant B; variant
/// A's `PUT /policy/deployment` is left out).
const SECTION_7: &[(&str, &str)] = &[
    ("GET", "/policy"),
    ("PUT", "/policy"),
    ("POST", "/policy/validations"),
    ("GET", "/policy/deployment"),
    ("GET", "/policy/versions"),
    ("GET", "/policy/versions/{id}"),
    ("GET", "/policy/rule-templates"),
    ("POST", "/policy/actions"),
    ("POST", "/policy/replay"),
    ("GET", "/policy/blocked"),
    ("PATCH", "/policy/settings"),
    ("GET", "/decisions"),
    ("GET", "/decisions/{id}"),
    ("GET", "/deployments/releases"),
    ("GET", "/deployments/releases/latest"),
    ("POST", "/deployments/releases/{version}/artifacts/{kind}/download-url"),
    ("GET", "/organizations/current/install-tokens"),
    ("POST", "/organizations/current/install-tokens"),
    ("POST", "/organizations/current/install-tokens/{sha256}/revoke"),
    ("GET", "/organizations/current/directory/scim-tokens"),
    ("POST", "/organizations/current/directory/scim-tokens"),
    ("POST", "/organizations/current/directory/scim-tokens/{sha256}/revoke"),
    ("GET", "/organizations/current/directory/status"),
    ("GET", "/organizations/current/directory/groups"),
    ("GET", "/organizations/current/directory/reconciliation"),
];

#[test]
fn every_reference_operation_is_in_the_spec_with_a_response() {
    let api = kontext_mgmt_codegen::load(&spec_text()).unwrap();
    assert_eq!((REFERENCE.len(), SECTION_7.len()), (39, 25));
    for (method, path) in REFERENCE.iter().chain(SECTION_7) {
        let op = api
            .operations
            .iter()
            .find(|o| o.http_method == *method && o.path == *path)
            .unwrap_or_else(|| panic!("{method} {path} is missing from the spec"));
        // A 2xx with a JSON schema, or an explicit 204 for operations the SDK types as void.
        assert!(
            op.response.is_some() || op.success_status == 204,
            "{method} {path} ({}) has neither a response schema nor a 204",
            op.id
        );
    }
    assert_eq!(
        api.operations.len(),
        REFERENCE.len() + SECTION_7.len(),
        "the spec has operations the reference does not list"
    );
    let namespaces = api.namespaces();
    for ns in ["applications", "integrations", "serviceAccounts", "agentSessions", "traces", "events", "policies"] {
        assert!(namespaces.contains(&ns), "namespace {ns} missing");
    }
}

#[test]
fn every_documented_error_status_uses_the_error_schema() {
    let spec: serde_yaml::Value = serde_yaml::from_str(&spec_text()).unwrap();
    for (name, response) in spec["components"]["responses"].as_mapping().unwrap() {
        let schema = &response["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(schema.as_str(), Some("#/components/schemas/ErrorResponse"), "response {name:?}");
    }
    let error = &spec["components"]["schemas"]["ErrorResponse"];
    let required: Vec<&str> = error["required"].as_sequence().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(required, ["message", "statusCode"]);
}

/// An independent validator (openapi-spec-validator from PyPI), installed here if needed.
#[test]
fn an_independent_validator_accepts_the_spec() {
    let venv = root().join("target/tools/venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let ok = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().expect("python3 is required");
        assert!(ok.success(), "creating {} failed", venv.display());
    }
    let have = Command::new(&python).args(["-c", "import openapi_spec_validator"]).status().unwrap();
    if !have.success() {
        let ok = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "openapi-spec-validator==0.7.2"])
            .status()
            .unwrap();
        assert!(ok.success(), "pip install openapi-spec-validator failed");
    }
    let out = Command::new(&python)
        .args(["-m", "openapi_spec_validator"])
        .arg(root().join("openapi/kontext-management.yaml"))
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("OK"), "validator rejected the spec:\n{text}");
}

#[test]
fn the_gate_rejects_duplicate_operation_ids_by_name() {
    let text = spec_text().replacen("operationId: applications_get\n", "operationId: applications_list\n", 1);
    let err = kontext_mgmt_codegen::parse_and_check(&text).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("operationId \"applications_list\" is also used by"), "{msg}");
    assert!(msg.contains("GET /applications/{id}") || msg.contains("GET /applications"), "{msg}");
}

#[test]
fn the_gate_rejects_two_success_body_types_by_name() {
    // A typed 200 plus a `default` response with another body: progenitor would panic.
    let text = spec_text().replacen(
        "        '401': {$ref: '#/components/responses/Unauthorized'}\n",
        "        '401': {$ref: '#/components/responses/Unauthorized'}\n        default: {$ref: '#/components/responses/ServerError'}\n",
        1,
    );
    let err = kontext_mgmt_codegen::parse_and_check(&text).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("operation applications_list: 2 different success body types"), "{msg}");
}

#[test]
fn the_gate_rejects_other_versions_and_content_types() {
    let err = kontext_mgmt_codegen::parse_and_check(&spec_text().replacen("openapi: 3.0.3", "openapi: 3.1.0", 1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("only 3.0.x"), "{err}");
    let text = spec_text().replacen(
        "            schema: {$ref: '#/components/schemas/CreateApplicationInput'}",
        "            schema: {$ref: '#/components/schemas/CreateApplicationInput'}\n          application/x-www-form-urlencoded:\n            schema: {$ref: '#/components/schemas/CreateApplicationInput'}",
        1,
    );
    let err = kontext_mgmt_codegen::parse_and_check(&text).unwrap_err().to_string();
    assert!(err.contains("operation applications_create: request body content type"), "{err}");
}

#[test]
fn a_bad_spec_fails_the_core_build_with_a_message_not_a_panic() {
    // The real build script, on a spec with a duplicate operationId.
    let dir = tempdir();
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        spec_text().replacen("operationId: applications_get\n", "operationId: applications_list\n", 1),
    )
    .unwrap();
    let out = Command::new(env!("CARGO"))
        .current_dir(root())
        .args(["check", "-p", "kontext-mgmt", "--message-format=short"])
        .env("KONTEXT_SPEC", &bad)
        .env("CARGO_TARGET_DIR", root().join("target/gate-check"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the build accepted a bad spec");
    assert!(text.contains("is also used by"), "no clear message:\n{text}");
    assert!(!text.contains("panicked"), "the build panicked:\n{text}");
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kontext-gate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_gate_rejects_maintainers_notes_in_descriptions() {
    let text = spec_text().replacen(
        "      description: 'The error body of every API error;",
        "      description: 'Conflict: two sources disagree. The error body of every API error;",
        1,
    );
    let text = text.replacen(
        "      description: 'Partial update.'\n",
        "      description: 'Partial update. Chosen: a guess.'\n",
        1,
    );
    let err = kontext_mgmt_codegen::parse_and_check(&text).unwrap_err().to_string();
    assert!(err.contains("/components/schemas/ErrorResponse/description"), "{err}");
    assert!(err.contains("x-kontext-notes"), "{err}");
    assert!(err.contains("/paths/~1applications~1{id}~1oauth/patch/description"), "{err}");
}

/// Maintainers' notes live in `x-kontext-notes` and stay out of every user-facing file:
/// the checked-in generated files, the uniffi glue (whose doc comments become the Kotlin
/// and Swift docs) and the operations list outside its "Decisions" section.
#[test]
fn generated_user_facing_files_carry_no_maintainers_notes() {
    let api = kontext_mgmt_codegen::load(&spec_text()).unwrap();
    let notes: usize = api.operations.iter().map(|o| o.notes.len()).sum::<usize>()
        + api.models.values().map(|m| m.notes.len()).sum::<usize>();
    assert!(notes >= 40, "the spec's notes were not read: {notes}");
    let mut files: Vec<(String, String)> = kontext_mgmt_codegen::artifacts::all(&api)
        .unwrap()
        .into_iter()
        .map(|a| {
            let text = if a.path == "openapi/operations.md" {
                a.contents.split("\n## Decisions\n").next().unwrap().to_string()
            } else {
                a.contents
            };
            (a.path, text)
        })
        .collect();
    files.push(("uniffi glue".into(), kontext_mgmt_codegen::uniffi::rust_glue(&api).unwrap()));
    for name in [
        "bindings/python/python/kontext_mgmt/_generated.py",
        "bindings/python/python/kontext_mgmt/_generated.pyi",
        "bindings/node/index.d.ts",
        "bindings/node/lib/generated.js",
        "bindings/uniffi/kotlin/src/main/kotlin/dev/kontext/mgmt/Generated.kt",
        "bindings/uniffi/swift/Sources/KontextMgmt/Generated.swift",
    ] {
        files.push((name.into(), std::fs::read_to_string(root().join(name)).unwrap()));
    }
    for (path, text) in &files {
        for marker in kontext_mgmt_codegen::gate::NOTE_MARKERS {
            assert!(!text.contains(marker), "{path} contains {marker:?}");
        }
    }
    // The notes are kept for maintainers, in the generated operations list.
    let md = std::fs::read_to_string(root().join("openapi/operations.md")).unwrap();
    assert!(
        md.contains("\n## Decisions\n") && md.contains("- Chosen: status 201."),
        "operations.md lost the decisions"
    );
}

/// OpenAPI 3.0 schema → JSON Schema (draft 4): `nullable: true` becomes a `"null"` type.
fn to_json_schema(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            if map.remove("nullable") == Some(serde_json::Value::Bool(true)) {
                if let Some(serde_json::Value::String(ty)) = map.get("type").cloned() {
                    map.insert("type".into(), serde_json::json!([ty, "null"]));
                }
            }
            map.values_mut().for_each(to_json_schema);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(to_json_schema),
        _ => {}
    }
}

/// A validator for one body schema of the spec, `$ref`s resolved against its components.
fn body_validator(schema: &serde_json::Value, components: &serde_json::Value) -> jsonschema::Validator {
    let mut schema = schema.clone();
    to_json_schema(&mut schema);
    let root = serde_json::json!({"allOf": [schema], "components": components});
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Every request and success body carries an example that matches its schema, checked by an
/// independent JSON Schema validator (the `jsonschema` crate).
#[test]
fn every_body_has_an_example_that_matches_its_schema() {
    let spec: serde_json::Value = serde_yaml::from_str(&spec_text()).unwrap();
    let mut components = spec["components"].clone();
    to_json_schema(&mut components);
    let (mut checked, mut problems) = (0, Vec::new());
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap().iter().filter(|(m, _)| *m != "parameters") {
            let mut bodies =
                vec![(format!("{method} {path} request"), &op["requestBody"]["content"]["application/json"])];
            for (code, response) in op["responses"].as_object().unwrap() {
                if code.starts_with('2') {
                    bodies.push((format!("{method} {path} {code}"), &response["content"]["application/json"]));
                }
            }
            for (at, media) in bodies.into_iter().filter(|(_, m)| !m.is_null()) {
                checked += 1;
                let Some(example) = media.get("example") else {
                    problems.push(format!("{at}: no example"));
                    continue;
                };
                let validator = body_validator(&media["schema"], &components);
                problems.extend(validator.iter_errors(example).map(|e| format!("{at}: {e} at {}", e.instance_path())));
            }
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
    assert_eq!(checked, 74, "every request and success body of the 64 operations");
}

/// The validator the example test relies on sees the spec's nullability and types.
#[test]
fn the_example_validator_rejects_what_the_schema_forbids() {
    let spec: serde_json::Value = serde_yaml::from_str(&spec_text()).unwrap();
    let mut components = spec["components"].clone();
    to_json_schema(&mut components);
    let app = body_validator(&serde_json::json!({"$ref": "#/components/schemas/Application"}), &components);
    let mut good = serde_json::json!({"id": "550e8400-e29b-41d4-a716-446655440000", "name": "a",
        "clientId": "app_1", "createdAt": "2026-01-15T10:30:00Z", "updatedAt": "2026-01-15T10:30:00Z", "externalAuth": null});
    assert!(app.is_valid(&good), "a null externalAuth is allowed");
    good["externalAuth"] = serde_json::json!(5);
    assert!(!app.is_valid(&good), "a number is not an externalAuth");
    good["externalAuth"] = serde_json::Value::Null;
    good["createdAt"] = serde_json::json!("yesterday");
    assert!(!app.is_valid(&good), "formats are checked");
    let status = body_validator(&serde_json::json!({"$ref": "#/components/schemas/ValidationStatus"}), &components);
    assert!(status.is_valid(&serde_json::json!("pending")), "ValidationStatus is open");
    assert!(!status.is_valid(&serde_json::json!(1)), "but a string");
}

/// `default` beside `$ref` is ignored in 3.0.3, so a documented default on an enum field is
/// written `allOf: [$ref]` + `default`. The Rust client keeps such a field `Option<X>` (left
/// out when unset, as in every other language) rather than typify's required field that
/// always sends the default.
#[test]
fn documented_defaults_on_references_are_in_the_spec_and_stay_optional_in_rust() {
    use openapiv3::{ReferenceOr, SchemaKind, Type};
    let spec = kontext_mgmt_codegen::parse_and_check(&spec_text()).expect("the spec passes the gate");
    let field = |spec: &openapiv3::OpenAPI, name: &str| {
        let Some(ReferenceOr::Item(schema)) = spec.components.as_ref().unwrap().schemas.get("CreateIntegrationInput")
        else {
            panic!("CreateIntegrationInput is missing")
        };
        let SchemaKind::Type(Type::Object(o)) = &schema.schema_kind else { panic!("not an object") };
        let Some(ReferenceOr::Item(p)) = o.properties.get(name) else { panic!("{name} is not an inline schema") };
        assert!(matches!(&p.schema_kind, SchemaKind::AllOf { all_of } if all_of.len() == 1), "{name}");
        p.schema_data.default.clone()
    };
    for (name, default) in [("category", "gateway_remote_mcp"), ("authMode", "none")] {
        assert_eq!(field(&spec, name), Some(serde_json::json!(default)), "{name}");
        let prepared = kontext_mgmt_codegen::rust::prepare_for_progenitor(&spec);
        assert_eq!(field(&prepared, name), None, "{name}: progenitor sees no default");
    }
}
