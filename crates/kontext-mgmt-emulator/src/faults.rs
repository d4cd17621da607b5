//! Fault injection: random faults (`--faults SPEC`) and scripted, exact faults
//! (`PUT /_emulator/faults`). Off unless configured.
//!
//! # `--faults` syntax
//!
//! Comma-separated `key=value` pairs:
//!
//! | key | value | effect |
//! | --- | --- | --- |
//! | `latency` | `20ms`, `1s`, `10ms..30ms` | added latency (fixed, or uniform in the range) |
//! | `error_rate` | `0.1` | fraction of requests answered `error_status` |
//! | `error_status` | `503` | status of those errors (default 500) |
//! | `burst429` | `5` | the first N matching requests answer 429 |
//! | `retry_after` | `1` | `Retry-After` seconds of the burst 429s (default 1) |
//! | `drop_rate` | `0.05` | fraction of connections closed without a response |
//! | `malformed_rate` | `0.1` | fraction answered 200 with invalid JSON |
//! | `truncate_rate` | `0.1` | fraction whose JSON body is cut in half |
//! | `seed` | `42` | seed of the fault RNG (deterministic runs) |
//! | `paths` | `/api/v1/applications*` | glob(s) (`*` = anything, `\|` separates several) limiting which paths get faults |
//! | `token_faults` | `true` | also fault `/oauth2/token` (default: only `/api/v1`) |
//!
//! The same configuration as JSON (for `PUT /_emulator/faults`) uses camelCase keys
//! (`latencyMs`, `latencyMaxMs`, `errorRate`, `errorStatus`, `burst429`, `retryAfter`,
//! `dropRate`, `malformedRate`, `truncateRate`, `seed`, `paths`, `tokenFaults`) plus
//! `script`, a list of exact faults; see [`ScriptedFault`].

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// A fault configuration: the `--faults` syntax parses into it (see [`FromStr`]), and
/// `PUT /_emulator/faults` takes it as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct FaultSpec {
    /// Added latency in milliseconds (the lower bound when `latency_max_ms` is set).
    pub latency_ms: Option<u64>,
    /// Upper bound of a uniform latency range.
    pub latency_max_ms: Option<u64>,
    pub error_rate: f64,
    /// Status of injected errors; 500 when unset.
    pub error_status: Option<u16>,
    pub burst429: u32,
    /// `Retry-After` seconds of the burst 429s; 1 when unset.
    pub retry_after: Option<u64>,
    pub drop_rate: f64,
    pub malformed_rate: f64,
    pub truncate_rate: f64,
    pub seed: Option<u64>,
    /// Globs restricting the random faults to some paths (`*` matches anything, `|`
    /// separates alternatives).
    pub paths: Option<String>,
    /// Apply the random faults to `/oauth2/token` too.
    pub token_faults: bool,
    /// Exact faults for the next matching requests, in order.
    pub script: Vec<ScriptedFault>,
}

/// One scripted fault: the next `count` requests matching `method` and `path` get it.
///
/// JSON: `{"method": "POST", "path": "/api/v1/applications", "status": 500, "count": 1,
/// "retryAfter": null, "retryAfterMs": null, "drop": false, "malformed": false,
/// "truncate": false, "mergePatch": null, "delayMs": 0}`. Only `path` is required;
/// `method` absent matches every method, `path` may use `*` globs. With `status` the
/// answer is that status with a `{message, statusCode, error}` body (plus
/// `Retry-After: <retryAfter>` and `retry-after-ms: <retryAfterMs>` headers when given);
/// `drop` closes the connection without an answer; `malformed` answers 200 with invalid
/// JSON; `truncate` cuts the real answer's body in half; `mergePatch` applies an RFC 7386
/// merge patch to the real answer's JSON (the live API answering with fields this
/// emulator does not know, e.g. after a spec change); `delayMs` alone delays the real
/// answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScriptedFault {
    #[serde(default)]
    pub method: Option<String>,
    pub path: String,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub retry_after: Option<u64>,
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
    #[serde(default)]
    pub drop: bool,
    #[serde(default)]
    pub malformed: bool,
    #[serde(default)]
    pub truncate: bool,
    #[serde(default)]
    pub merge_patch: Option<Value>,
    #[serde(default)]
    pub delay_ms: u64,
}

fn one() -> u32 {
    1
}

impl FaultSpec {
    /// Checks ranges (rates in 0..=1, statuses 100..=599).
    pub fn check(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
            ("malformed_rate", self.malformed_rate),
            ("truncate_rate", self.truncate_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        if let Some(s) = self.error_status {
            if !(400..=599).contains(&s) {
                return Err("error_status must be between 400 and 599".into());
            }
        }
        if let (Some(lo), Some(hi)) = (self.latency_ms, self.latency_max_ms) {
            if hi < lo {
                return Err("latency range must be ascending".into());
            }
        }
        for s in &self.script {
            if let Some(st) = s.status {
                if !(100..=599).contains(&st) {
                    return Err("script status must be between 100 and 599".into());
                }
            }
        }
        Ok(())
    }
}

fn parse_ms(v: &str) -> Result<u64, String> {
    let v = v.trim();
    let (num, mult) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000)
    } else {
        (v, 1)
    };
    num.trim()
        .parse::<u64>()
        .map(|n| n.saturating_mul(mult))
        .map_err(|_| format!("bad duration {v:?} (use e.g. 20ms or 1s)"))
}

fn parse_num<T: FromStr>(key: &str, v: &str) -> Result<T, String> {
    v.trim().parse().map_err(|_| format!("bad value {v:?} for {key}"))
}

impl FromStr for FaultSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut spec = FaultSpec::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| format!("expected key=value, got {part:?}"))?;
            match key.trim() {
                "latency" => match value.split_once("..") {
                    Some((lo, hi)) => {
                        spec.latency_ms = Some(parse_ms(lo)?);
                        spec.latency_max_ms = Some(parse_ms(hi)?);
                    }
                    None => spec.latency_ms = Some(parse_ms(value)?),
                },
                "error_rate" => spec.error_rate = parse_num(key, value)?,
                "error_status" => spec.error_status = Some(parse_num(key, value)?),
                "burst429" => spec.burst429 = parse_num(key, value)?,
                "retry_after" => spec.retry_after = Some(parse_num(key, value)?),
                "drop_rate" => spec.drop_rate = parse_num(key, value)?,
                "malformed_rate" => spec.malformed_rate = parse_num(key, value)?,
                "truncate_rate" => spec.truncate_rate = parse_num(key, value)?,
                "seed" => spec.seed = Some(parse_num(key, value)?),
                "paths" => spec.paths = Some(value.trim().to_owned()),
                "token_faults" => spec.token_faults = parse_num(key, value)?,
                other => return Err(format!("unknown fault key {other:?}")),
            }
        }
        spec.check()?;
        Ok(spec)
    }
}

/// What to do with one request.
#[derive(Debug, Default, PartialEq)]
pub struct Decision {
    pub delay: Duration,
    pub action: Action,
}

#[derive(Debug, Default, PartialEq)]
pub enum Action {
    #[default]
    Normal,
    Status {
        status: u16,
        retry_after: Option<u64>,
        retry_after_ms: Option<u64>,
        /// A merge patch for the injected error body.
        patch: Option<Value>,
    },
    Drop,
    Malformed,
    Truncate,
    MergePatch(Value),
}

struct Active {
    spec: FaultSpec,
    rng: StdRng,
    burst_left: u32,
}

/// The live fault state of a server.
pub struct Faults {
    enabled: AtomicBool,
    state: Mutex<Option<Active>>,
}

impl Faults {
    pub fn new(spec: Option<FaultSpec>) -> Faults {
        let f = Faults { enabled: AtomicBool::new(false), state: Mutex::new(None) };
        f.set(spec);
        f
    }

    pub fn set(&self, spec: Option<FaultSpec>) {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        *guard = spec.map(|spec| Active {
            rng: match spec.seed {
                Some(seed) => StdRng::seed_from_u64(seed),
                None => StdRng::from_rng(&mut rand::rng()),
            },
            burst_left: spec.burst429,
            spec,
        });
        self.enabled.store(guard.is_some(), Ordering::Release);
    }

    pub fn get(&self) -> Option<FaultSpec> {
        let guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map(|a| a.spec.clone())
    }

    /// Decides the fate of a request. `api` is true for `/api/v1` paths, `token` for
    /// `/oauth2/token`.
    pub fn decide(&self, method: &str, path: &str, api: bool, token: bool) -> Decision {
        if !self.enabled.load(Ordering::Acquire) {
            return Decision::default();
        }
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(active) = guard.as_mut() else {
            return Decision::default();
        };
        // The random part (latency, rates) applies to /api/v1 (and the token endpoint
        // when asked), restricted by `paths`.
        let spec = &active.spec;
        let in_scope = (api || (token && spec.token_faults)) && spec.paths.as_deref().is_none_or(|g| glob_any(g, path));
        let delay = match (in_scope, spec.latency_ms, spec.latency_max_ms) {
            (false, _, _) => Duration::ZERO,
            (true, Some(lo), Some(hi)) if hi > lo => Duration::from_millis(active.rng.random_range(lo..=hi)),
            (true, Some(lo), _) => Duration::from_millis(lo),
            _ => Duration::ZERO,
        };
        // Scripted faults come first: they are exact and apply to whatever path they
        // name (the configured latency still adds to their delay).
        if let Some(i) = active.spec.script.iter().position(|s| {
            s.count > 0 && s.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)) && glob_any(&s.path, path)
        }) {
            let s = &mut active.spec.script[i];
            s.count -= 1;
            let decision = Decision {
                delay: delay + Duration::from_millis(s.delay_ms),
                action: if s.drop {
                    Action::Drop
                } else if s.malformed {
                    Action::Malformed
                } else if s.truncate {
                    Action::Truncate
                } else if let Some(status) = s.status {
                    Action::Status {
                        status,
                        retry_after: s.retry_after,
                        retry_after_ms: s.retry_after_ms,
                        patch: s.merge_patch.clone(),
                    }
                } else if let Some(patch) = &s.merge_patch {
                    Action::MergePatch(patch.clone())
                } else {
                    Action::Normal
                },
            };
            if s.count == 0 {
                active.spec.script.remove(i);
            }
            return decision;
        }
        if !in_scope {
            return Decision::default();
        }
        let spec = &active.spec;
        if active.burst_left > 0 {
            active.burst_left -= 1;
            return Decision {
                delay,
                action: Action::Status {
                    status: 429,
                    retry_after: Some(spec.retry_after.unwrap_or(1)),
                    retry_after_ms: None,
                    patch: None,
                },
            };
        }
        // One roll decides among the rates, laid end to end on [0, 1).
        let r: f64 = active.rng.random();
        let drop_edge = spec.drop_rate;
        let error_edge = drop_edge + spec.error_rate;
        let malformed_edge = error_edge + spec.malformed_rate;
        let truncate_edge = malformed_edge + spec.truncate_rate;
        let action = if r < drop_edge {
            Action::Drop
        } else if r < error_edge {
            Action::Status {
                status: spec.error_status.unwrap_or(500),
                retry_after: None,
                retry_after_ms: None,
                patch: None,
            }
        } else if r < malformed_edge {
            Action::Malformed
        } else if r < truncate_edge {
            Action::Truncate
        } else {
            Action::Normal
        };
        Decision { delay, action }
    }
}

/// `*` matches any run of characters; `|` separates alternatives.
fn glob_any(globs: &str, text: &str) -> bool {
    globs.split('|').any(|g| glob(g.trim().as_bytes(), text.as_bytes()))
}

fn glob(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative wildcard matching with backtracking to the last `*`.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_syntax() {
        let s: FaultSpec = "latency=10ms..30ms,error_rate=0.1,error_status=503,burst429=2,retry_after=3,drop_rate=0.05,malformed_rate=0.1,truncate_rate=0.1,seed=42,paths=/api/v1/applications*,token_faults=true"
            .parse()
            .expect("parse");
        assert_eq!(s.latency_ms, Some(10));
        assert_eq!(s.latency_max_ms, Some(30));
        assert_eq!(s.error_status, Some(503));
        assert_eq!(s.burst429, 2);
        assert_eq!(s.seed, Some(42));
        assert!(s.token_faults);
        assert!("latency=1s".parse::<FaultSpec>().is_ok());
        assert!("nope=1".parse::<FaultSpec>().is_err());
        assert!("error_rate=2".parse::<FaultSpec>().is_err());
        assert!("latency".parse::<FaultSpec>().is_err());
    }

    #[test]
    fn globs() {
        assert!(glob_any("/api/v1/applications*", "/api/v1/applications/x"));
        assert!(!glob_any("/api/v1/applications*", "/api/v1/integrations"));
        assert!(glob_any("/a|/b*", "/bcd"));
        assert!(glob_any("*/sessions", "/api/v1/applications/x/sessions"));
    }

    #[test]
    fn burst_then_normal_and_script_counts() {
        let f = Faults::new(Some("burst429=2".parse().expect("spec")));
        for _ in 0..2 {
            assert!(matches!(f.decide("GET", "/api/v1/x", true, false).action, Action::Status { status: 429, .. }));
        }
        assert_eq!(f.decide("GET", "/api/v1/x", true, false).action, Action::Normal);
        f.set(Some(FaultSpec {
            script: vec![ScriptedFault {
                method: Some("POST".into()),
                path: "/api/v1/applications".into(),
                status: Some(500),
                count: 2,
                retry_after: None,
                retry_after_ms: None,
                drop: false,
                malformed: false,
                truncate: false,
                merge_patch: None,
                delay_ms: 0,
            }],
            ..FaultSpec::default()
        }));
        assert_eq!(f.decide("GET", "/api/v1/applications", true, false).action, Action::Normal);
        for _ in 0..2 {
            assert!(matches!(
                f.decide("POST", "/api/v1/applications", true, false).action,
                Action::Status { status: 500, .. }
            ));
        }
        assert_eq!(f.decide("POST", "/api/v1/applications", true, false).action, Action::Normal);
    }
}
