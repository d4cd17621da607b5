//! The shared state of one emulator ([`App`]): the store, tokens, faults, statistics, the
//! request log, rate windows and the state file.

use crate::faults::Faults;
use crate::fixtures::Fixtures;
use crate::locks::{lock, read, write};
use crate::reqlog::RequestLog;
use crate::spec::{self, Spec};
use crate::store::{Persisted, PersistedRef, Store, Tokens, STATE_VERSION};
use crate::{Config, EmulatorError};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::Instant;

/// Requests per route since start (or the last reset).
pub struct Stats {
    pub tokens_minted: AtomicU64,
    /// One counter per spec operation (index of `Spec::ops`): the hot path takes no lock.
    ops: Vec<AtomicU64>,
    other: Mutex<HashMap<String, u64>>,
}

impl Stats {
    pub(crate) fn new(n: usize) -> Stats {
        Stats {
            tokens_minted: AtomicU64::new(0),
            ops: (0..n).map(|_| AtomicU64::new(0)).collect(),
            other: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn count(&self, op: Option<usize>, key: impl FnOnce() -> String) {
        match op.and_then(|i| self.ops.get(i)) {
            Some(c) => {
                c.fetch_add(1, Ordering::Relaxed);
            }
            None => *lock(&self.other).entry(key()).or_insert(0) += 1,
        }
    }

    pub fn reset(&self) {
        self.tokens_minted.store(0, Ordering::Relaxed);
        for c in &self.ops {
            c.store(0, Ordering::Relaxed);
        }
        lock(&self.other).clear();
    }

    pub fn to_json(&self, spec: &Spec) -> Value {
        let mut requests = serde_json::Map::new();
        for (op, c) in spec.ops.iter().zip(&self.ops) {
            let n = c.load(Ordering::Relaxed);
            if n > 0 {
                requests.insert(op.stat_key.clone(), n.into());
            }
        }
        for (k, n) in lock(&self.other).iter() {
            requests.insert(k.clone(), (*n).into());
        }
        json!({
            "tokensMinted": self.tokens_minted.load(Ordering::Relaxed),
            "requests": requests,
        })
    }
}

/// Fixed-window request counter of one credential.
struct Window {
    start: Instant,
    count: u32,
}

/// Shared state of one emulator.
pub struct App {
    pub config: Config,
    pub spec: &'static Spec,
    pub store: RwLock<Store>,
    pub tokens: RwLock<Tokens>,
    pub faults: Faults,
    pub stats: Stats,
    pub log: RequestLog,
    rate: Mutex<HashMap<String, Window>>,
    persist_lock: Mutex<()>,
    pub gateway_url: String,
    /// `http://<listening address>/api/v1`: the audience tokens may name.
    pub api_url: String,
    /// Read-only data generated from a fixed seed (decisions, releases, directory).
    pub fixtures: Fixtures,
}

impl App {
    /// The state of `config.state` when that file exists, else empty; `true` with it when
    /// fresh (the caller seeds a fresh state, then calls [`App::persist_checked`]).
    pub fn open(config: Config, addr: SocketAddr) -> Result<(App, bool), EmulatorError> {
        let spec = spec::spec().map_err(EmulatorError::Config)?;
        let mut store = Store::default();
        let mut tokens = HashMap::new();
        let mut fresh = true;
        if let Some(path) = &config.state {
            match std::fs::read(path) {
                Ok(bytes) => {
                    let p: Persisted = serde_json::from_slice(&bytes)
                        .map_err(|e| EmulatorError::StateCorrupt { path: path.clone(), message: e.to_string() })?;
                    if p.version != STATE_VERSION {
                        return Err(EmulatorError::StateCorrupt {
                            path: path.clone(),
                            message: format!("unsupported version {}", p.version),
                        });
                    }
                    store = p.store;
                    store.reindex();
                    tokens = p.tokens;
                    fresh = false;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(EmulatorError::StateRead { path: path.clone(), source }),
            }
        }
        let app = App {
            faults: Faults::new(config.faults.clone()),
            stats: Stats::new(spec.ops.len()),
            gateway_url: format!("http://{addr}/mcp"),
            api_url: format!("http://{addr}/api/v1"),
            fixtures: Fixtures::generate(chrono::Utc::now()),
            log: RequestLog::new(config.log_body_bytes, config.log_max_bytes),
            config,
            spec,
            store: RwLock::new(store),
            tokens: RwLock::new(Tokens::from_map(tokens)),
            rate: Mutex::new(HashMap::new()),
            persist_lock: Mutex::new(()),
        };
        Ok((app, fresh))
    }

    /// Writes the state file (if any) after a mutation; failures are logged.
    pub fn persist(&self) {
        if let Err(e) = self.persist_checked() {
            tracing::error!("{e}");
        }
    }

    /// Writes the state file (if any); the emulator writes once at start, so that an
    /// unwritable state path fails then, not silently later.
    pub fn persist_checked(&self) -> Result<(), EmulatorError> {
        let Some(path) = &self.config.state else {
            return Ok(());
        };
        // One writer at a time, and it serializes the newest state, so the file never
        // goes back in time.
        let _guard = lock(&self.persist_lock);
        let bytes = {
            let store = read(&self.store);
            let tokens = read(&self.tokens);
            serde_json::to_vec(&PersistedRef { version: STATE_VERSION, store: &store, tokens: tokens.map() })
                .unwrap_or_default()
        };
        write_atomic(path, &bytes).map_err(|source| EmulatorError::StateWrite { path: path.clone(), source })
    }

    /// Counts a request of `client_id`; `Err(seconds)` when over the limit.
    pub fn rate_check(&self, client_id: &str) -> Result<(), u64> {
        let limit = self.config.rate_limit;
        if limit == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut map = lock(&self.rate);
        let w = match map.get_mut(client_id) {
            Some(w) => w,
            None => map.entry(client_id.to_owned()).or_insert(Window { start: now, count: 0 }),
        };
        let elapsed = now.duration_since(w.start).as_secs_f64();
        if elapsed >= 60.0 {
            w.start = now;
            w.count = 0;
        }
        if w.count >= limit {
            let left = (60.0 - now.duration_since(w.start).as_secs_f64()).ceil();
            return Err((left as u64).max(1));
        }
        w.count += 1;
        Ok(())
    }

    pub fn reset(&self) {
        *write(&self.store) = Store::default();
        write(&self.tokens).clear();
        lock(&self.rate).clear();
        self.log.clear();
        self.stats.reset();
        self.persist();
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    // The file holds client secrets and tokens: owner-only.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    std::io::Write::write_all(&mut file, bytes)?;
    drop(file);
    std::fs::rename(&tmp, path)
}
