//! Header parameters and response headers as result properties: what the IR makes of them,
//! what every generator emits, and the specs it refuses (with the operation named).

use kontext_mgmt_codegen::ir::Api;
use std::path::Path;

fn spec() -> serde_yaml::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/kontext-management.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The spec with `applications_get` taking `If-Match` and answering with an `ETag` that
/// the spec makes the `etag` property.
fn with_headers() -> serde_yaml::Value {
    let mut spec = spec();
    spec["components"]["parameters"]["TestIfMatch"] =
        serde_yaml::from_str("{name: If-Match, in: header, description: The etag you read., schema: {type: string}}")
            .unwrap();
    spec["components"]["headers"]["TestETag"] =
        serde_yaml::from_str("{description: The version., x-kontext-property: etag, schema: {type: string}}").unwrap();
    let op = &mut spec["paths"]["/applications/{id}"]["get"];
    op["parameters"] = serde_yaml::from_str("[{$ref: '#/components/parameters/TestIfMatch'}]").unwrap();
    op["responses"]["200"]["headers"]["ETag"] =
        serde_yaml::from_str("{$ref: '#/components/headers/TestETag'}").unwrap();
    spec
}

fn load(spec: &serde_yaml::Value) -> Result<Api, String> {
    kontext_mgmt_codegen::load(&serde_yaml::to_string(spec).unwrap()).map_err(|e| e.to_string())
}

fn text(artifacts: Vec<kontext_mgmt_codegen::artifact::Artifact>) -> String {
    artifacts.into_iter().map(|a| a.contents).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_header_parameter_is_an_optional_named_argument_everywhere() {
    let api = load(&with_headers()).unwrap();
    let op = api.operations.iter().find(|o| o.id == "applications_get").unwrap();
    assert_eq!(op.header_params.len(), 1);
    let p = &op.header_params[0];
    assert_eq!((p.name.as_str(), p.header.as_deref(), p.required), ("ifMatch", Some("If-Match"), false));
    assert!(op.query_params.is_empty(), "a header is not a query parameter");

    let python = text(kontext_mgmt_codegen::python::artifacts(&api).unwrap());
    assert!(python.contains("if_match: builtins.str | None = None"), "Python keyword argument");
    assert!(python.contains("(\"ifMatch\", if_match)"), "Python passes it by name to the core");
    let node = text(kontext_mgmt_codegen::node::artifacts(&api).unwrap());
    assert!(node.contains("ApplicationsGetParams") && node.contains("ifMatch?: string"), "Node params type");
    let glue = kontext_mgmt_codegen::uniffi::rust_glue(&api).unwrap();
    assert!(glue.contains("if_match"), "Kotlin/Swift argument");
    let table = kontext_mgmt_codegen::rust::op_table(&api).to_string();
    assert!(table.contains("header : Some (\"If-Match\")"), "{table}");
}

#[test]
fn a_response_header_property_joins_the_result_model_everywhere() {
    let api = load(&with_headers()).unwrap();
    let op = api.operations.iter().find(|o| o.id == "applications_get").unwrap();
    assert_eq!(op.response_headers.len(), 1);
    assert_eq!((op.response_headers[0].header.as_str(), op.response_headers[0].property.as_str()), ("ETag", "etag"));
    let kontext_mgmt_codegen::ir::ModelKind::Object { fields } = &api.models["ApplicationResponse"].kind else {
        panic!("an object")
    };
    let etag = fields.iter().find(|f| f.name == "etag").expect("the etag property");
    assert!(!etag.required && etag.description == "The version.");
    let table = kontext_mgmt_codegen::rust::op_table(&api).to_string();
    assert!(table.contains("header : \"ETag\" , property : \"etag\""), "{table}");
    // progenitor reads the same models.
    let spec = kontext_mgmt_codegen::parse_and_check(&serde_yaml::to_string(&with_headers()).unwrap()).unwrap();
    let prepared = kontext_mgmt_codegen::rust::prepare_for_progenitor(&spec);
    let schema = serde_json::to_value(&prepared.components.unwrap().schemas["ApplicationResponse"]).unwrap();
    assert_eq!(schema["properties"]["etag"]["type"], "string");
}

#[test]
fn header_shapes_the_generators_cannot_express_are_refused_naming_the_operation() {
    let mut spec = with_headers();
    spec["components"]["parameters"]["TestIfMatch"]["required"] = serde_yaml::Value::Bool(true);
    let e = load(&spec).unwrap_err();
    assert!(e.contains("applications_get") && e.contains("must be optional"), "{e}");

    let mut spec = with_headers();
    spec["components"]["parameters"]["TestIfMatch"]["schema"] = serde_yaml::from_str("{type: integer}").unwrap();
    let e = load(&spec).unwrap_err();
    assert!(e.contains("applications_get") && e.contains("must be a string"), "{e}");

    let mut spec = with_headers();
    spec["components"]["schemas"]["ApplicationResponse"]["properties"]["etag"] =
        serde_yaml::from_str("{type: string}").unwrap();
    let e = load(&spec).unwrap_err();
    assert!(e.contains("applications_get") && e.contains("already has one"), "{e}");

    let mut spec = with_headers();
    spec["components"]["headers"]["TestETag"]["x-kontext-property"] = serde_yaml::from_str("e-tag").unwrap();
    let e = load(&spec).unwrap_err();
    assert!(e.contains("applications_get") && e.contains("camelCase name"), "{e}");
}

#[test]
fn a_reference_to_a_scalar_component_is_refused_naming_its_user() {
    let mut spec = spec();
    spec["components"]["schemas"]["Days"] = serde_yaml::from_str("{type: integer, enum: [7, 14, 30]}").unwrap();
    spec["components"]["schemas"]["Application"]["properties"]["days"] =
        serde_yaml::from_str("{$ref: '#/components/schemas/Days'}").unwrap();
    let e = load(&spec).unwrap_err();
    assert!(e.contains("Application") && e.contains("Days") && e.contains("inline scalar types"), "{e}");
}
