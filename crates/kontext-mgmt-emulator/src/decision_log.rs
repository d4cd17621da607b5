//! The authorization decisions replay and the blocked list read. [`DecisionSource`] is
//! the interface they use; [`SyntheticLog`] is a deterministic log (fixed PRNG seed,
//! timestamps relative to the emulator's start) until the emulator stores real
//! decisions, which will implement the same trait.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Value};

/// One logged decision, as replay needs it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedDecision {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// `None` for decisions that are not tool calls (they cannot be replayed).
    pub tool_name: Option<String>,
    pub decision_category: String,
    pub decision_result: String,
    pub agent_id: String,
    pub endpoint_id: String,
    pub provider: String,
    pub operation: String,
    pub risk_level: String,
    pub session_id: String,
    pub installation_id: String,
    /// The captured tool arguments; `None` when payload capture was off.
    pub arguments: Option<Value>,
}

/// Where decisions come from.
#[cfg_attr(not(feature = "cedar"), allow(dead_code))]
pub trait DecisionSource {
    /// The decisions that occurred at or after `from`, newest first.
    fn since(&self, from: DateTime<Utc>) -> Vec<LoggedDecision>;
}

/// The fixed seed of the synthetic log: every emulator logs the same decisions.
const SEED: u64 = 0x6b6f_6e74_6578_7431;
/// Decisions in the synthetic log (30 days, about 30 a day).
const COUNT: usize = 900;

/// A provider of the synthetic log: name, endpoint, tools with their operation.
type Provider = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

pub struct SyntheticLog {
    items: Vec<LoggedDecision>,
}

impl SyntheticLog {
    /// The log of an emulator started at `anchor`: decisions spread over the 30 days
    /// before it, newest first.
    pub fn new(anchor: DateTime<Utc>) -> SyntheticLog {
        const AGENTS: [&str; 2] = ["anthropic-claude-code", "openai-codex"];
        // (provider, endpoint, tools with their operation)
        const PROVIDERS: [Provider; 5] = [
            (
                "github",
                "ep_github",
                &[("search_issues", "read"), ("create_pull_request", "write"), ("delete_branch", "delete")],
            ),
            ("linear", "ep_linear", &[("list_issues", "read"), ("update_issue", "write")]),
            ("slack", "ep_slack", &[("post_message", "write"), ("read_channel", "read")]),
            ("postgres", "ep_postgres", &[("query", "read"), ("insert_rows", "write"), ("drop_table", "delete")]),
            ("shell", "ep_local", &[("run_shell", "execute"), ("read_file", "read")]),
        ];
        const RISKS: [&str; 4] = ["low", "medium", "high", "critical"];
        const COMMANDS: [&str; 4] = ["ls -la", "cargo test", "rm -rf ./build", "git status"];
        let mut rng = StdRng::seed_from_u64(SEED);
        let mut at = anchor;
        let step = Duration::minutes(30 * 24 * 60 / COUNT as i64);
        let items = (0..COUNT)
            .map(|i| {
                at -= step - Duration::seconds(rng.random_range(0..60));
                let agent = AGENTS[rng.random_range(0..AGENTS.len())];
                let (provider, endpoint, tools) = PROVIDERS[rng.random_range(0..PROVIDERS.len())];
                let (tool, operation) = tools[rng.random_range(0..tools.len())];
                let risk = match operation {
                    "delete" | "execute" => RISKS[rng.random_range(2..4)],
                    "write" => RISKS[rng.random_range(1..3)],
                    _ => RISKS[rng.random_range(0..2)],
                };
                // One decision in twelve is about a session, not a tool call.
                let tool_call = rng.random_range(0..12) != 0;
                let captured = rng.random_range(0..3) != 0;
                let arguments = captured.then(|| {
                    let command = if provider == "shell" { COMMANDS[rng.random_range(0..COMMANDS.len())] } else { "" };
                    json!({"command": command, "path": format!("/work/{}", rng.random_range(0..10))})
                });
                LoggedDecision {
                    id: format!("dec_{i:05}"),
                    occurred_at: at,
                    tool_name: tool_call.then(|| tool.to_owned()),
                    decision_category: if tool_call { "tool_call" } else { "session" }.to_owned(),
                    decision_result: if risk == "critical" { "deny" } else { "allow" }.to_owned(),
                    agent_id: agent.to_owned(),
                    endpoint_id: endpoint.to_owned(),
                    provider: provider.to_owned(),
                    operation: operation.to_owned(),
                    risk_level: risk.to_owned(),
                    session_id: format!("ses_{:03}", rng.random_range(0..40)),
                    installation_id: format!("inst_{}", rng.random_range(0..6)),
                    arguments,
                }
            })
            .collect();
        SyntheticLog { items }
    }

    pub fn all(&self) -> &[LoggedDecision] {
        &self.items
    }
}

impl DecisionSource for SyntheticLog {
    fn since(&self, from: DateTime<Utc>) -> Vec<LoggedDecision> {
        // Newest first: the window is a prefix.
        self.items.iter().take_while(|d| d.occurred_at >= from).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_deterministic_and_newest_first() {
        let anchor = Utc::now();
        let (a, b) = (SyntheticLog::new(anchor), SyntheticLog::new(anchor));
        assert_eq!(a.all().len(), COUNT);
        assert!(a
            .all()
            .iter()
            .zip(b.all())
            .all(|(x, y)| x.id == y.id && x.tool_name == y.tool_name && x.occurred_at == y.occurred_at));
        assert!(a.all().windows(2).all(|w| w[0].occurred_at > w[1].occurred_at));
        let week = a.since(anchor - Duration::days(7));
        assert!(week.len() > 150 && week.len() < 260, "{}", week.len());
        assert!(a.all().last().is_some_and(|d| d.occurred_at > anchor - Duration::days(31)));
    }
}
