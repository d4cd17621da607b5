//! The API-change drill, Rust side (tests/drill/README.md): copied into the drill's
//! workspace copy as `crates/kontext-mgmt/examples/drill.rs` and run there after
//! `cargo xtask regen`. Arguments: URL APP_ID WIDGET_ID. Prints one JSON line.

use kontext_mgmt::{types, Client, ErrorKind};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (url, app_id, widget_id) = (&args[1], args[2].parse::<uuid::Uuid>()?, &args[3]);
    let client = Client::builder()
        .base_url(url.as_str())
        .credentials("sa_11111111-1111-4111-8111-111111111111", "kontext-emulator-secret")
        .build()?;

    // The new optional field on Application: typed, and kept when the model is encoded.
    let app = client.applications_get().id(app_id).send().await?.into_inner().application;
    let color: Option<String> = app.color.clone();
    let encoded = serde_json::to_value(&app)?;
    let decoded: types::Application = serde_json::from_value(encoded.clone())?;

    // The new operation of the new tag, with its new schema.
    let spin = client
        .widgets_spin()
        .widget_id(widget_id.as_str())
        .body(types::SpinRequest::builder().speed(3).direction(Some(kontext_mgmt::enums::SpinDirection::Clockwise)))
        .send()
        .await
        .map_err(kontext_mgmt::Error::from);
    let (kind, status) = match &spin {
        Err(e) => (format!("{:?}", e.kind()), e.status()),
        Ok(_) => ("none".to_string(), None),
    };
    assert!(matches!(spin, Err(ref e) if e.kind() == ErrorKind::NotFound), "expected NotFound: {spin:?}");
    println!(
        "{}",
        serde_json::json!({
            "language": "rust", "color": color, "encodedColor": encoded["color"],
            "decodedColor": decoded.color, "error": kind, "status": status,
        })
    );
    Ok(())
}
