//! The quick start: a short tour of the Management API against the embedded emulator.
//!
//! `cargo run -q -p kontext-mgmt --example tour`

use futures::TryStreamExt;
use kontext_mgmt::{types, Client, ErrorKind};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. An in-process emulator: the real API is not needed to try the SDK.
    let emulator = kontext_mgmt_emulator::Emulator::start(kontext_mgmt_emulator::Config::default()).await?;
    println!("1. emulator listening on {}", emulator.url());

    // 2. Bootstrap with the emulator's built-in service account...
    let admin = Client::builder()
        .base_url(emulator.url())
        .credentials(kontext_mgmt_emulator::DEFAULT_CLIENT_ID, kontext_mgmt_emulator::DEFAULT_CLIENT_SECRET)
        .build()?;
    let created = admin
        .service_accounts_create()
        .body(types::CreateServiceAccountInput::builder().name("tour-bot"))
        .send()
        .await?
        .into_inner();
    println!(
        "2. created service account {} (client id {}; the secret is shown once and not printed here)",
        created.service_account.name, created.credentials.client_id
    );

    // 3. ...and continue as the new service account: the SDK fetches and caches its token.
    let client = Client::builder()
        .base_url(emulator.url())
        .credentials(created.credentials.client_id.clone(), created.credentials.client_secret.clone())
        .build()?;
    let app = client
        .applications_create()
        .body(
            types::CreateApplicationInput::builder().name("PR Reviewer").oauth(
                types::CreateApplicationOAuthInput::builder()
                    .type_(Some(kontext_mgmt::enums::OAuthClientType::Confidential))
                    .redirect_uris(vec!["http://localhost:3000/callback".to_string()])
                    .scopes(vec!["mcp:invoke".to_string()]),
            ),
        )
        .send()
        .await?
        .into_inner();
    println!(
        "3. authenticated as tour-bot and created application {:?} ({}, oauth type {})",
        app.application.name, app.application.id, app.oauth.type_
    );

    // 4. An integration, attached to the application.
    let integration = client
        .integrations_create()
        .body(types::CreateIntegrationInput::builder().name("GitHub").url("https://mcp.github.com/sse"))
        .send()
        .await?
        .into_inner()
        .integration;
    let attached = client
        .applications_attach_integration()
        .id(app.application.id)
        .integration_id(integration.id)
        .send()
        .await?
        .into_inner();
    println!(
        "4. created integration {:?} (auth mode {}) and attached it: {} integration(s) attached",
        integration.name,
        // The server may leave `authMode` out; absent means `none`.
        integration.auth_mode.map_or_else(|| "none".to_string(), |m| m.to_string()),
        attached.integration_ids.len()
    );

    // 5. Pagination: one page, then a lazy walk over every page.
    for i in 0..12 {
        client
            .applications_create()
            .body(types::CreateApplicationInput::builder().name(format!("agent-{i:02}")).oauth(
                types::CreateApplicationOAuthInput::builder().redirect_uris(vec!["http://localhost/cb".to_string()]),
            ))
            .send()
            .await?;
    }
    let page = client.applications_list().limit(5).send().await?.into_inner();
    println!("5. first page: {} applications, next cursor {:?}", page.items.len(), page.next_cursor);
    let mut names = Vec::new();
    let mut stream = client.applications_list().limit(5).stream();
    while let Some(app) = stream.try_next().await? {
        names.push(app.name);
    }
    println!("   streamed all {} applications in pages of 5: {}", names.len(), names.join(", "));

    // 6. Errors are typed.
    let missing = uuid::Uuid::new_v4();
    match client.applications_get().id(missing).send().await.map_err(kontext_mgmt::Error::from) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            println!("6. typed error: {:?} -> {e}", e.kind());
        }
        other => return Err(format!("expected NotFound, got {other:?}").into()),
    }

    emulator.shutdown().await;
    println!("done.");
    Ok(())
}
