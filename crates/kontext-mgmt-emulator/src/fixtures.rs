//! Read-only data the emulator generates at start from a fixed seed: authorization
//! decisions, releases with their artifacts, and the directory (groups, reconciliation).
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
pub const DECISIONS: usize = 250;
/// How far back decisions go.
const DECISION_DAYS: i64 = 30;

const PROVIDERS: [(&str, [&str; 3]); 4] = [
    ("github", ["search_issues", "create_pull_request", "delete_repo"]),
    ("linear", ["list_issues", "update_issue", "delete_project"]),
    ("slack", ["read_channel", "post_message", "archive_channel"]),
    ("google-drive", ["list_files", "share_file", "delete_file"]),
];
const OPERATIONS: [&str; 3] = ["read", "write", "delete"];
const RISK: [&str; 4] = ["low", "medium", "high", "critical"];

/// One authorization decision, as `GET /decisions` lists it.
pub struct Decision {
    /// 1-based position in the list (newest first): the cursor key.
    pub seq: u64,
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub json: Value,
}

impl Decision {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.json.get(name).and_then(Value::as_str)
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
        let mut decisions: Vec<(DateTime<Utc>, String, Value)> = (0..DECISIONS)
            .map(|_| {
                let id = uuid_from(&mut rng);
                let back_ms = rng.random_range(1..DECISION_DAYS * 86_400_000);
                let at = anchor - Duration::milliseconds(back_ms);
                let (provider, tools) = PROVIDERS[rng.random_range(0..PROVIDERS.len())];
                let op = rng.random_range(0..OPERATIONS.len());
                let risk = RISK[(op + rng.random_range(0..2usize)).min(RISK.len() - 1)];
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
                let json = json!({
                    "id": id,
                    "occurredAt": ts(&at),
                    "decisionResult": result,
                    "decisionCategory": category,
                    "reasonCode": reason,
                    "provider": provider,
                    "operation": OPERATIONS[op],
                    "toolName": tools[op],
                    "riskLevel": risk,
                    "sessionId": session,
                    "installationId": installation,
                });
                (at, id, json)
            })
            .collect();
        decisions.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let decisions = decisions
            .into_iter()
            .enumerate()
            .map(|(i, (occurred_at, id, json))| Decision { seq: i as u64 + 1, id, occurred_at, json })
            .collect();

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
