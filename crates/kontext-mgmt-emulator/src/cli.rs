//! The `kontext-emulator` program: its arguments and its run loop.
//!
//! Prints `listening on http://HOST:PORT` as the first line of stdout, then the
//! bootstrap credentials; logs go to stderr (`RUST_LOG`). Stops on SIGINT/SIGTERM.

use crate::{Config, Emulator, FaultSpec, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use clap::Parser;
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "kontext-emulator", version, about = "In-memory Kontext Management API server")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Client id of the bootstrap service account.
    #[arg(long, env = "KONTEXT_EMULATOR_CLIENT_ID", default_value = DEFAULT_CLIENT_ID)]
    client_id: String,
    /// Client secret of the bootstrap service account.
    #[arg(long, env = "KONTEXT_EMULATOR_CLIENT_SECRET", default_value = DEFAULT_CLIENT_SECRET, hide_env_values = true)]
    client_secret: String,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl: u64,
    /// Requests per minute per credential; 0 turns the limit off.
    #[arg(long, default_value_t = 120)]
    rate_limit: u32,
    /// Fixture data (JSON) applied at start to a fresh state.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Persist all state to this JSON file and reload it at start.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Fault injection, e.g. `latency=20ms,error_rate=0.1,seed=42` (off unless given).
    #[arg(long)]
    faults: Option<FaultSpec>,
    /// Largest accepted request body, in bytes (larger: 413).
    #[arg(long, default_value_t = 1 << 20)]
    max_body_bytes: usize,
    /// Seconds a client has to send a request's headers (also the idle keep-alive
    /// timeout); the connection is closed after it.
    #[arg(long, default_value = "30", value_parser = seconds)]
    header_timeout: Duration,
    /// Seconds a client has to send a request's body (else 408 and the connection is closed).
    #[arg(long, default_value = "30", value_parser = seconds)]
    body_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog.
    #[arg(long, default_value_t = 10_000)]
    max_connections: usize,
    /// Longest body text kept per request in the request log (longer: a prefix, the size and SHA-256).
    #[arg(long, default_value_t = 16 << 10)]
    log_body_bytes: usize,
    /// Memory ceiling of the request log, in bytes.
    #[arg(long, default_value_t = 16 << 20)]
    log_max_bytes: usize,
}

/// A positive number of seconds (fractions allowed, at most a day).
fn seconds(text: &str) -> Result<Duration, String> {
    let s: f64 = text.trim().parse().map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(s > 0.0 && s <= 86_400.0) {
        return Err(format!("{text} must be more than 0 and at most 86400 seconds"));
    }
    Ok(Duration::from_secs_f64(s))
}

/// What the command line asks for: a server with this configuration, or to exit at once
/// (`--help`, `--version`, a bad argument) with this status after printing `output`
/// (to stdout when the status is 0, else to stderr).
pub enum Invocation {
    Serve(Box<Config>),
    Exit { status: u8, output: String },
}

/// Parses the program's arguments (the first is the program's name). The Python and Node
/// packages' `kontext-emulator` commands parse with this too, so every form of the command
/// takes the same arguments.
pub fn parse<I, T>(args: I) -> Invocation
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args = match Args::try_parse_from(args) {
        Ok(a) => a,
        // --help and --version are "errors" that print to stdout and succeed.
        Err(e) => {
            return Invocation::Exit { status: if e.use_stderr() { 2 } else { 0 }, output: e.render().to_string() }
        }
    };
    Invocation::Serve(Box::new(Config {
        host: args.host,
        port: args.port,
        client_id: args.client_id,
        client_secret: args.client_secret,
        token_ttl: Duration::from_secs(args.token_ttl),
        rate_limit: args.rate_limit,
        seed: args.seed,
        state: args.state,
        faults: args.faults,
        max_body_bytes: args.max_body_bytes,
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
        max_connections: args.max_connections,
        log_body_bytes: args.log_body_bytes,
        log_max_bytes: args.log_max_bytes,
    }))
}

/// What the program prints once it listens; tests and scripts read the first line,
/// `listening on URL`, to learn the port.
pub fn banner(emulator: &Emulator) -> String {
    let url = emulator.url();
    format!(
        "listening on {url}\nclient id:     {}\nclient secret: {}\ntoken url:     {url}/oauth2/token\napi base url:  {url}/api/v1\n",
        emulator.client_id(),
        emulator.client_secret()
    )
}

/// Runs the program with these arguments (the first is the program's name) until SIGINT or
/// SIGTERM; the exit status. The Python package's `kontext-emulator` command calls this too.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let config = match parse(args) {
        Invocation::Serve(config) => config,
        Invocation::Exit { status, output } => {
            if status == 0 {
                print!("{output}");
            } else {
                eprint!("{output}");
            }
            return status;
        }
    };
    // try_init: a host process (Python) may have installed a subscriber already.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kontext-emulator: cannot start the runtime: {e}");
            return 1;
        }
    };
    runtime.block_on(serve(*config))
}

/// Raises the soft limit of open files for `max_connections` connections: each takes a
/// descriptor, and a low soft limit would cap them well below what the hard limit allows.
pub fn raise_open_files(max_connections: usize) {
    let wanted = u64::try_from(max_connections).unwrap_or(u64::MAX).saturating_add(256);
    if let Err(e) = rlimit::increase_nofile_limit(wanted) {
        tracing::warn!("cannot raise the open-file limit: {e}");
    }
}

async fn serve(config: Config) -> u8 {
    raise_open_files(config.max_connections);
    let emulator = match Emulator::start(config).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("kontext-emulator: error: {e}");
            return 1;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(banner(&emulator).as_bytes());
        let _ = out.flush();
    }
    wait_for_signal().await;
    emulator.shutdown().await;
    0
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
