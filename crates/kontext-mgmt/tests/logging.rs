//! A trace-level log of a full run: its own test binary, because tracing caches callsite
//! interest process-wide and a subscriber must be in place before any request is made.

use kontext_mgmt::{types, Client, RetryPolicy};
use kontext_mgmt_emulator::{Config, Emulator, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use serde_json::json;
use std::time::Duration;

fn app_input(name: &str) -> types::builder::CreateApplicationInput {
    types::CreateApplicationInput::builder()
        .name(name.to_string())
        .oauth(types::CreateApplicationOAuthInput::builder().redirect_uris(vec!["http://localhost/cb".to_string()]))
}

#[tokio::test]
async fn trace_logs_contain_no_secret_and_no_token() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let emu = Emulator::start(Config { rate_limit: 0, ..Config::default() }).await.unwrap();
    let c = Client::builder()
        .base_url(emu.url())
        .credentials(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        .retry_policy(RetryPolicy { initial_backoff: Duration::from_millis(20), ..Default::default() })
        .build()
        .unwrap();
    let sa = c
        .service_accounts_create()
        .body(types::CreateServiceAccountInput::builder().name("logger"))
        .send()
        .await
        .unwrap()
        .into_inner();
    let secret = sa.credentials.client_secret.clone();
    let c2 = Client::builder()
        .base_url(emu.url())
        .credentials(sa.credentials.client_id.clone(), secret.clone())
        .build()
        .unwrap();
    c2.applications_create().body(app_input("logged")).send().await.unwrap();
    c2.applications_list().send().await.unwrap();
    reqwest::Client::new()
        .put(format!("{}/_emulator/faults", emu.url()))
        .json(&json!({ "script": [{ "path": "/api/v1/applications", "status": 401, "count": 1 }] }))
        .send()
        .await
        .unwrap();
    c2.applications_list().send().await.unwrap();
    let _ = c2.applications_get().id(uuid::Uuid::new_v4()).send().await;
    let debug = format!("{c2:?}");

    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let ours: String = logs.lines().filter(|l| l.contains("kontext_mgmt")).collect::<Vec<_>>().join("\n");
    assert!(ours.contains("kontext.request"), "no request spans were logged:\n{ours}");
    assert!(logs.contains("status=200"), "statuses are logged:\n{logs}");
    for text in [&logs, &debug] {
        assert!(!text.contains(&secret), "the client secret leaked");
        assert!(!text.contains(DEFAULT_CLIENT_SECRET), "the bootstrap secret leaked");
        assert!(!text.contains("ory_at_"), "a token leaked");
    }
}
