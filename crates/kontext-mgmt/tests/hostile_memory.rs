//! Peak memory of a call against a 2 GB body and an endless body: alone in its test binary
//! (its own process), so the peak RSS it reads is its own.

use kontext_mgmt::ops::CallArgs;
use kontext_mgmt::{Client, ErrorKind};

/// `VmHWM` (peak RSS) and `VmRSS` in bytes, from /proc/self/status.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("field in /proc/self/status")
            * 1024
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Resets the peak to the current RSS (Linux ≥ 4.0), so each case is measured alone.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
}

#[test]
fn peak_memory_stays_near_the_limit() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = kontext_mgmt_hostile::Server::start().await.unwrap();
        let limit = kontext_mgmt::Limits::default().max_body_bytes;
        let bound = 2 * limit + 50 * 1024 * 1024;
        for scenario in ["chunked-2000000000", "body-2000000000", "endless"] {
            let client = Client::builder().base_url(server.base(scenario)).token("t").build().unwrap();
            // Warm up (TLS config, pools) so the measurement is the body alone.
            let _ = client.call("applications_list", &CallArgs::default()).await;
            reset_peak();
            let (_, before) = memory();
            let started = std::time::Instant::now();
            let e = client.call("applications_list", &CallArgs::default()).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{scenario}: {e}");
            let (peak, _) = memory();
            let growth = peak.saturating_sub(before);
            println!(
                "{scenario}: peak RSS growth {:.1} MB (bound {:.0} MB) in {:.2}s",
                growth as f64 / 1e6,
                bound as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            assert!(growth < bound, "{scenario}: grew {growth} bytes");
        }
    });
}
