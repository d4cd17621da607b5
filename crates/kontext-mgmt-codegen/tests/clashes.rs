//! Names that two spec elements would share in a target language (or that the language or
//! the binding reserves) are refused by that language's generator with a typed
//! `CodegenError::NameClash` naming the schema or operation, instead of generating code that
//! does not compile or silently hides one of them.

use kontext_mgmt_codegen::ir::Api;
use kontext_mgmt_codegen::CodegenError;
use std::path::Path;

fn spec() -> serde_yaml::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/kontext-management.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn uniffi_error(spec: &serde_yaml::Value) -> String {
    let e = refused(spec, "uniffi", kontext_mgmt_codegen::uniffi::artifacts);
    let api = kontext_mgmt_codegen::load(&serde_yaml::to_string(spec).unwrap()).unwrap();
    let glue = kontext_mgmt_codegen::uniffi::rust_glue(&api).expect_err("the glue refuses it too");
    assert_eq!(glue.to_string(), e);
    e
}

#[test]
fn the_unchanged_spec_has_no_clash() {
    let api = kontext_mgmt_codegen::load(&serde_yaml::to_string(&spec()).unwrap()).unwrap();
    kontext_mgmt_codegen::uniffi::artifacts(&api).unwrap();
    kontext_mgmt_codegen::node::artifacts(&api).unwrap();
    kontext_mgmt_codegen::python::artifacts(&api).unwrap();
}

#[test]
fn two_fields_with_one_kotlin_name_are_refused() {
    let mut spec = spec();
    let props = &mut spec["components"]["schemas"]["Application"]["properties"];
    props["client_id"] = serde_yaml::from_str("{type: string}").unwrap();
    let e = uniffi_error(&spec);
    assert!(e.contains("schema Application") && e.contains("clientId"), "{e}");
}

#[test]
fn two_parameters_with_one_kotlin_name_are_refused() {
    let mut spec = spec();
    let params = spec["paths"]["/applications"]["get"]["parameters"].as_sequence_mut().unwrap();
    params.push(serde_yaml::from_str("{name: include_archived, in: query, schema: {type: boolean}}").unwrap());
    params.push(serde_yaml::from_str("{name: includeArchived, in: query, schema: {type: boolean}}").unwrap());
    let e = uniffi_error(&spec);
    assert!(e.contains("applications_list") && e.contains("includeArchived"), "{e}");
}

#[test]
fn a_schema_the_generators_cannot_express_is_a_typed_error_naming_it() {
    let mut spec = spec();
    let props = &mut spec["components"]["schemas"]["Application"]["properties"];
    props["mood"] = serde_yaml::from_str("{type: string, enum: [calm, busy]}").unwrap();
    match kontext_mgmt_codegen::load(&serde_yaml::to_string(&spec).unwrap()) {
        Err(kontext_mgmt_codegen::CodegenError::Schema { schema, reason }) => {
            assert_eq!(schema, "Application.mood");
            assert!(reason.contains("inline string enums"), "{reason}");
        }
        other => panic!("expected a Schema error naming Application.mood, got {other:?}"),
    }
}

/// A schema referenced from `Application` (so the uniffi surface reaches it).
fn with_schema(name: &str) -> serde_yaml::Value {
    let mut spec = spec();
    spec["components"]["schemas"][name] =
        serde_yaml::from_str("{type: object, properties: {a: {type: string}}}").unwrap();
    spec["components"]["schemas"]["Application"]["properties"]["extraThing"] =
        serde_yaml::from_str(&format!("{{$ref: '#/components/schemas/{name}'}}")).unwrap();
    spec
}

#[test]
fn a_schema_named_like_a_type_of_the_binding_is_refused() {
    let e = uniffi_error(&with_schema("PagedSequence"));
    assert!(e.contains("schema PagedSequence") && e.contains("the binding itself"), "{e}");
}

#[test]
fn a_schema_named_like_a_reserved_word_is_refused() {
    let e = uniffi_error(&with_schema("Protocol"));
    assert!(e.contains("schema Protocol") && e.contains("reserved word"), "{e}");
}

#[test]
fn two_schemas_with_one_kotlin_type_name_are_refused() {
    let mut spec = with_schema("ApplicationExtra");
    spec["components"]["schemas"]["application_extra"] =
        serde_yaml::from_str("{type: object, properties: {b: {type: string}}}").unwrap();
    spec["components"]["schemas"]["Application"]["properties"]["otherThing"] =
        serde_yaml::from_str("{$ref: '#/components/schemas/application_extra'}").unwrap();
    let e = uniffi_error(&spec);
    assert!(e.contains("schema ApplicationExtra") && e.contains("schema application_extra"), "{e}");
}

type Generator = fn(&Api) -> Result<Vec<kontext_mgmt_codegen::artifact::Artifact>, CodegenError>;

/// The message of the typed clash error `generate` refuses the spec with.
fn refused(spec: &serde_yaml::Value, language: &str, generate: Generator) -> String {
    let api = kontext_mgmt_codegen::load(&serde_yaml::to_string(spec).unwrap()).expect("the edited spec loads");
    match generate(&api) {
        Ok(_) => panic!("the {language} generator accepted a clash"),
        Err(e @ CodegenError::NameClash { language: l, .. }) if l == language => e.to_string(),
        Err(e) => panic!("a clash is a typed NameClash error of {language}: {e:?}"),
    }
}

fn node_error(spec: &serde_yaml::Value) -> String {
    refused(spec, "node", kontext_mgmt_codegen::node::artifacts)
}

#[test]
fn a_schema_named_like_a_node_namespace_class_is_refused() {
    let e = node_error(&with_schema("ApplicationsApi"));
    assert!(e.contains("ApplicationsApi"), "{e}");
}

#[test]
fn a_schema_named_like_a_typescript_builtin_is_refused() {
    let e = node_error(&with_schema("Promise"));
    assert!(e.contains("schema Promise") && e.contains("built-in"), "{e}");
}

fn python_error(spec: &serde_yaml::Value) -> String {
    refused(spec, "python", kontext_mgmt_codegen::python::artifacts)
}

#[test]
fn two_fields_with_one_python_name_are_refused() {
    let mut spec = spec();
    let props = &mut spec["components"]["schemas"]["Application"]["properties"];
    props["client_id"] = serde_yaml::from_str("{type: string}").unwrap();
    let e = python_error(&spec);
    assert!(e.contains("Application") && e.contains("client_id"), "{e}");
}

#[test]
fn a_schema_named_like_a_python_namespace_class_or_export_is_refused() {
    let e = python_error(&with_schema("AsyncApplications"));
    assert!(e.contains("schema AsyncApplications") && e.contains("namespace applications"), "{e}");
    let e = python_error(&with_schema("NotFound"));
    assert!(e.contains("schema NotFound") && e.contains("_errors.NotFound"), "{e}");
}
