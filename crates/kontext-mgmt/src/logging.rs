//! `KONTEXT_LOG=debug|trace` turns on human-readable logs on stderr.

use std::sync::Once;

/// Installs a stderr subscriber for this crate when `KONTEXT_LOG` is set and no global
/// subscriber exists yet. Called by [`crate::ClientBuilder::build`].
pub fn init_from_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let Ok(level) = std::env::var("KONTEXT_LOG") else {
            return;
        };
        let filter = tracing_subscriber::EnvFilter::try_new(format!("kontext_mgmt={level}"))
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("kontext_mgmt=debug"));
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    });
}
