//! Read-only data the emulator generates at start from a fixed seed: authorization
//! decisions (the one log that `GET /decisions` lists and policy replay and the blocked
//! list evaluate), releases with their artifacts, and the directory (groups,
//! reconciliation).
//!
//! The same seed gives the same rows (ids, fields, order) in every run, so cursor walks
//! and filters are testable; times are offsets back from the start of the current UTC
//! day, so "the last 7 days" always holds decisions.

use crate::store::ts;
use chrono::{DateTime, Duration, DurationRound, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The PRNG seed of every fixture.
pub const SEED: u64 = 0x6b6f_6e74_6578_7415;
/// How many decisions are generated.
pub const DECISIONS: usize = 600;
/// How far back decisions go.
const DECISION_DAYS: i64 = 30;

/// A provider: its name, the endpoint its tools are reached through, its tools with the
/// operation each performs.
type Provider = (&'static str, &'static str, &'static [(&'static str, &'static str)]);
const PROVIDERS: [Provider; 6] = [
    ("github", "ep_github", &[("search_issues", "read"), ("create_pull_request", "write"), ("delete_repo", "delete")]),
    ("linear", "ep_linear", &[("list_issues", "read"), ("update_issue", "write"), ("delete_project", "delete")]),
    ("slack", "ep_slack", &[("read_channel", "read"), ("post_message", "write"), ("archive_channel", "delete")]),
    ("google-drive", "ep_drive", &[("list_files", "read"), ("share_file", "write"), ("delete_file", "delete")]),
    ("postgres", "ep_postgres", &[("query", "read"), ("insert_rows", "write"), ("drop_table", "delete")]),
    ("shell", "ep_local", &[("read_file", "read"), ("run_shell", "execute")]),
];
const RISK: [&str; 4] = ["low", "medium", "high", "critical"];
const AGENTS: [&str; 2] = ["anthropic-claude-code", "openai-codex"];
const COMMANDS: [&str; 4] = ["ls -la", "cargo test", "rm -rf ./build", "git status"];

/// One authorization decision: what `GET /decisions` lists (`json`), and what policy
/// replay and the blocked list also evaluate (the agent, the endpoint, the captured
/// arguments), which the decisions API does not show.
pub struct Decision {
    /// 1-based position in the list (newest first): the cursor key.
    pub seq: u64,
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub json: Value,
    pub agent_id: String,
    pub endpoint_id: String,
    /// The captured tool arguments; `None` when payload capture was off.
    pub arguments: Option<Value>,
}

impl Decision {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.json.get(name).and_then(Value::as_str)
    }

    /// The tool called; `None` for decisions that are not tool calls (not replayable).
    #[cfg_attr(not(feature = "cedar"), allow(dead_code))]
    pub fn tool_name(&self) -> Option<&str> {
        self.field("toolName")
    }

    /// The whole record, as `GET /_emulator/decision-log` shows it.
    pub fn log_json(&self) -> Value {
        let mut v = self.json.clone();
        if let Some(o) = v.as_object_mut() {
            o.insert("agentId".into(), json!(self.agent_id));
            o.insert("endpointId".into(), json!(self.endpoint_id));
            o.insert("arguments".into(), self.arguments.clone().unwrap_or(Value::Null));
        }
        v
    }
}

pub struct Release {
    pub version: String,
    pub json: Value,
}

pub struct Fixtures {
    /// Newest first.
    pub decisions: Vec<Decision>,
    /// Newest first.
    pub releases: Vec<Release>,
    pub groups: Vec<Value>,
    pub reconciliation: Vec<Value>,
    /// When the directory last synced.
    pub last_sync_at: DateTime<Utc>,
}

fn uuid_from(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid().to_string()
}

fn hex_sha256(data: &[u8]) -> String {
    format!("{:x}", Sha256::digest(data))
}

impl Fixtures {
    /// The fixtures, anchored at the start of `now`'s UTC day.
    pub fn generate(now: DateTime<Utc>) -> Fixtures {
        let anchor = now.duration_trunc(Duration::days(1)).unwrap_or(now);
        let mut rng = StdRng::seed_from_u64(SEED);
        let sessions: Vec<String> = (0..8).map(|_| uuid_from(&mut rng)).collect();
        let installations: Vec<String> = (0..4).map(|i| format!("inst_{:04x}", 0x7f3a + i)).collect();
        let mut decisions: Vec<Decision> = (0..DECISIONS)
            .map(|_| {
                let id = uuid_from(&mut rng);
                let back_ms = rng.random_range(1..DECISION_DAYS * 86_400_000);
                let at = anchor - Duration::milliseconds(back_ms);
                let (provider, endpoint, tools) = PROVIDERS[rng.random_range(0..PROVIDERS.len())];
                let (tool, operation) = tools[rng.random_range(0..tools.len())];
                let risk = match operation {
                    "delete" | "execute" => RISK[rng.random_range(2..4)],
                    "write" => RISK[rng.random_range(1..3)],
                    _ => RISK[rng.random_range(0..2)],
                };
                let roll = rng.random_range(0..100u32);
                let (result, category, reason) = match roll {
                    0..=64 => ("allow", "policy", Some("policy_allowed")),
                    65..=74 => ("allow", "default", None),
                    75..=89 => ("deny", "policy", Some("policy_denied")),
                    90..=94 => ("deny", "risk", Some("risk_blocked")),
                    _ => ("observe", "policy", Some("observed_would_block")),
                };
                let session =
                    (rng.random_range(0..10u32) > 0).then(|| sessions[rng.random_range(0..sessions.len())].clone());
                let installation = installations[rng.random_range(0..installations.len())].clone();
                // One decision in twelve is about a session, not a tool call.
                let tool = (rng.random_range(0..12u32) != 0).then_some(tool);
                // Payloads are captured for two calls in three.
                let arguments = (tool.is_some() && rng.random_range(0..3u32) != 0).then(|| {
                    let command = if provider == "shell" { COMMANDS[rng.random_range(0..COMMANDS.len())] } else { "" };
                    json!({"command": command, "path": format!("/work/{}", rng.random_range(0..10u32))})
                });
                let agent = AGENTS[rng.random_range(0..AGENTS.len())];
                let json = json!({
                    "id": id,
                    "occurredAt": ts(&at),
                    "decisionResult": result,
                    "decisionCategory": category,
                    "reasonCode": reason,
                    "provider": provider,
                    "operation": operation,
                    "toolName": tool,
                    "riskLevel": risk,
                    "sessionId": session,
                    "installationId": installation,
                });
                Decision {
                    seq: 0,
                    id,
                    occurred_at: at,
                    json,
                    agent_id: agent.to_owned(),
                    endpoint_id: endpoint.to_owned(),
                    arguments,
                }
            })
            .collect();
        decisions.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then_with(|| a.id.cmp(&b.id)));
        for (i, d) in decisions.iter_mut().enumerate() {
            d.seq = i as u64 + 1;
        }

        let releases = (0..5u32)
            .rev()
            .map(|minor| {
                let version = format!("1.{minor}.0");
                let published = anchor - Duration::days(i64::from(4 - minor) * 14 + 1);
                let artifacts: Vec<Value> =
                    [("package", format!("kontext-{version}.tar.gz")), ("install_script", "install.sh".into())]
                        .into_iter()
                        .map(|(kind, file)| {
                            let content = format!("kontext {version} {kind}");
                            json!({"kind": kind, "sha256": hex_sha256(content.as_bytes()), "fileName": file,
                               "size": 4096 + 1024 * u64::from(minor) + content.len() as u64})
                        })
                        .collect();
                let json = json!({"version": version, "publishedAt": ts(&published), "artifacts": artifacts});
                Release { version, json }
            })
            .collect();

        let groups = [
            "Engineering",
            "Design",
            "Sales",
            "Support",
            "Security",
            "Finance",
            "Legal",
            "Marketing",
            "Operations",
            "Research",
            "Platform",
            "Admins",
        ]
        .iter()
        .map(|name| {
            json!({"id": format!("grp_{}", name.to_ascii_lowercase()), "displayName": name,
                       "memberCount": rng.random_range(1..40u32), "externalId": uuid_from(&mut rng)})
        })
        .collect();
        let people = [
            ("Ada Lovelace", Some("ada@example.com"), "matched"),
            ("Alan Turing", Some("alan@example.com"), "matched"),
            ("Grace Hopper", Some("grace@example.com"), "matched"),
            ("Edsger Dijkstra", Some("edsger@example.com"), "matched"),
            ("Barbara Liskov", Some("barbara@example.com"), "matched"),
            ("Ken Thompson", None, "no_email"),
            ("Margaret Hamilton", Some("margaret@contractor.example"), "unmatched"),
            ("Dennis Ritchie", Some("dennis@example.org"), "unmatched"),
            ("Shared Mailbox", Some("team@example.com"), "ambiguous"),
        ];
        let reconciliation = people
            .iter()
            .enumerate()
            .map(|(i, (name, email, state))| {
                let user = (*state == "matched").then(|| format!("user_{:03}", i + 1));
                json!({"externalId": uuid_from(&mut rng), "displayName": name, "email": email, "userId": user, "state": state})
            })
            .collect();
        Fixtures { decisions, releases, groups, reconciliation, last_sync_at: anchor - Duration::hours(2) }
    }

    /// The decisions that occurred at or after `from`, newest first.
    #[cfg_attr(not(feature = "cedar"), allow(dead_code))]
    pub fn decisions_since(&self, from: DateTime<Utc>) -> impl Iterator<Item = &Decision> {
        // Newest first: the window is a prefix.
        self.decisions.iter().take_while(move |d| d.occurred_at >= from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_rows() {
        let now = Utc::now();
        let (a, b) = (Fixtures::generate(now), Fixtures::generate(now));
        assert_eq!(a.decisions.len(), DECISIONS);
        let ids = |f: &Fixtures| f.decisions.iter().map(|d| d.json.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        assert!(a.decisions.windows(2).all(|w| w[0].occurred_at >= w[1].occurred_at), "newest first");
        // Every result value occurs, so filters have something to find.
        for r in ["allow", "deny", "observe"] {
            assert!(a.decisions.iter().any(|d| d.field("decisionResult") == Some(r)), "{r}");
        }
        assert_eq!(a.releases.first().map(|r| r.version.as_str()), Some("1.4.0"));
    }
}
