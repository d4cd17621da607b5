//! The emulator's state: every object of the API plus issued tokens, serializable as a
//! whole for `--state`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fmt;
use uuid::Uuid;

/// A secret (client secret, token, server token). Never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    /// Compares without an early exit, so timing says nothing about the secret.
    pub fn matches(&self, other: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), other.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

pub fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Random URL-safe text of `bytes` random bytes.
pub fn random_text(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

pub fn new_uuid() -> Uuid {
    use rand::Rng;
    uuid::Builder::from_random_bytes(rand::rng().random()).into_uuid()
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppOAuth {
    #[serde(rename = "type")]
    pub kind: String,
    pub redirect_uris: Vec<String>,
    pub pkce_required: bool,
    pub scopes: Vec<String>,
    pub allowed_resources: Vec<String>,
    pub client_secret: Option<Secret>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: Uuid,
    pub seq: u64,
    pub name: String,
    pub description: Option<String>,
    pub client_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub oauth: AppOAuth,
    /// Stored as returned (without the partner API key).
    pub external_auth: Option<Value>,
    pub partner_api_key: Option<Secret>,
    pub integration_ids: Vec<Uuid>,
    pub archived: bool,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationOAuthConfig {
    pub client_id: String,
    pub client_secret: Secret,
    pub authorization_url: String,
    pub token_url: String,
    pub scopes: Vec<String>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    pub id: Uuid,
    pub seq: u64,
    pub name: String,
    pub url: String,
    pub auth_mode: String,
    pub category: String,
    pub capabilities: Option<Value>,
    pub credential_schema: Option<Value>,
    /// `{provider?, issuer?, scopes?, metadata?}`, only with `authMode=oauth`.
    pub oauth: Option<Value>,
    pub server_token: Option<Secret>,
    pub validation_status: Option<String>,
    pub oauth_config: Option<IntegrationOAuthConfig>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived: bool,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    pub id: Uuid,
    pub seq: u64,
    pub name: String,
    pub description: Option<String>,
    pub client_id: String,
    pub secret: Secret,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: Uuid,
    pub name: String,
    pub status: String,
    /// A seeded `derivedStatus` for a connected session (`active`/`idle`); otherwise
    /// derived from the timestamps.
    pub derived_status: Option<String>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub last_active_at: Option<DateTime<Utc>>,
    pub connected_at: Option<DateTime<Utc>>,
    pub disconnected_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub agent_id: String,
    pub organization_id: String,
    pub hostname: Option<String>,
    pub user_agent: Option<String>,
    pub client_info: Option<Value>,
}

/// A session without recent activity for this long is `idle`.
const IDLE_AFTER_SECS: i64 = 300;

impl Session {
    pub fn derived(&self, now: DateTime<Utc>) -> &str {
        if self.status == "disconnected" {
            return "disconnected";
        }
        if self.token_expires_at.is_some_and(|t| t < now) {
            return "expired";
        }
        if let Some(d) = &self.derived_status {
            if d == "active" || d == "idle" {
                return d;
            }
        }
        match self.last_active_at {
            Some(t) if (now - t).num_seconds() > IDLE_AFTER_SECS => "idle",
            _ => "active",
        }
    }

    pub fn to_json(&self, now: DateTime<Utc>) -> Value {
        let opt = |t: &Option<DateTime<Utc>>| t.as_ref().map(ts);
        json!({
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "derivedStatus": self.derived(now),
            "tokenExpiresAt": opt(&self.token_expires_at),
            "lastActiveAt": opt(&self.last_active_at),
            "connectedAt": opt(&self.connected_at),
            "disconnectedAt": opt(&self.disconnected_at),
            "createdAt": ts(&self.created_at),
            "agentId": self.agent_id,
            "organizationId": self.organization_id,
            "hostname": self.hostname,
            "userAgent": self.user_agent,
            "clientInfo": self.client_info,
        })
    }

    /// Disconnects a live session; true when it changed.
    pub fn disconnect(&mut self, now: DateTime<Utc>) -> bool {
        if self.status == "disconnected" {
            return false;
        }
        self.status = "disconnected".into();
        self.disconnected_at = Some(now);
        true
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub integration_id: Uuid,
    /// The credential (token client id) that stored it.
    pub owner: String,
    pub token: Secret,
    pub display_name: Option<String>,
    pub connected_at: DateTime<Utc>,
}

/// An install or SCIM token: the raw token is shown once and never stored.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgToken {
    pub seq: u64,
    pub label: String,
    /// Hex SHA-256 of the raw token.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl OrgToken {
    /// A new token for the raw `token`, of which only the sha256 is kept.
    pub fn new(seq: u64, label: &str, token: &str, now: DateTime<Utc>) -> OrgToken {
        use sha2::Digest;
        let sha256 = format!("{:x}", sha2::Sha256::digest(token.as_bytes()));
        OrgToken { seq, label: label.to_owned(), sha256, created_at: now, revoked_at: None }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "label": self.label,
            "sha256": self.sha256,
            "createdAt": ts(&self.created_at),
            "revokedAt": self.revoked_at.as_ref().map(ts),
        })
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    pub client_id: String,
    /// The service account that minted it; `None` for the bootstrap credential and for
    /// tokens minted by the admin route.
    pub sa_id: Option<Uuid>,
    pub scope: String,
    /// Unix milliseconds.
    pub expires_at_ms: i64,
}

/// How long an expired token is still recognised, so that a client using it late hears
/// "Token expired" rather than a bare "Unauthorized".
const EXPIRED_TOKEN_MEMORY_MS: i64 = 5 * 60 * 1000;

/// Issued access tokens: a map for O(1) lookup plus a min-heap of expiry times, so
/// forgetting expired tokens costs O(log n) per token and minting stays fast however
/// many tokens are alive.
#[derive(Default)]
pub struct Tokens {
    map: HashMap<String, Token>,
    /// (expiry, token); an entry whose token is gone from `map` (or was replaced) is
    /// skipped when it comes up.
    expiry: BinaryHeap<Reverse<(i64, String)>>,
}

impl Tokens {
    pub fn from_map(map: HashMap<String, Token>) -> Tokens {
        let expiry = map.iter().map(|(k, t)| Reverse((t.expires_at_ms, k.clone()))).collect();
        Tokens { map, expiry }
    }

    pub fn map(&self) -> &HashMap<String, Token> {
        &self.map
    }

    pub fn get(&self, token: &str) -> Option<&Token> {
        self.map.get(token)
    }

    /// Adds a token after forgetting the ones that expired more than
    /// [`EXPIRED_TOKEN_MEMORY_MS`] before `now_ms`.
    pub fn insert(&mut self, token: String, t: Token, now_ms: i64) {
        self.purge(now_ms.saturating_sub(EXPIRED_TOKEN_MEMORY_MS));
        self.expiry.push(Reverse((t.expires_at_ms, token.clone())));
        self.map.insert(token, t);
    }

    fn purge(&mut self, before_ms: i64) {
        while self.expiry.peek().is_some_and(|Reverse((at, _))| *at <= before_ms) {
            if let Some(Reverse((at, token))) = self.expiry.pop() {
                if self.map.get(&token).is_some_and(|t| t.expires_at_ms == at) {
                    self.map.remove(&token);
                }
            }
        }
    }

    /// Drops the tokens of one service account (its deletion).
    pub fn remove_service_account(&mut self, id: Uuid) {
        self.map.retain(|_, t| t.sa_id != Some(id));
        // The heap would otherwise keep the removed tokens' entries until they expire.
        let map = &self.map;
        self.expiry.retain(|Reverse((_, k))| map.contains_key(k));
    }

    pub fn clear(&mut self) {
        *self = Tokens::default();
    }
}

/// Everything the API can read or change.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Store {
    /// Last sequence number handed out; orders cursor pagination.
    pub seq: u64,
    pub applications: HashMap<Uuid, Application>,
    pub integrations: HashMap<Uuid, Integration>,
    pub service_accounts: HashMap<Uuid, ServiceAccount>,
    pub sessions: HashMap<Uuid, Session>,
    /// Seeded traces, as the API returns them.
    pub traces: Vec<Value>,
    /// Seeded MCP events, as the API returns them.
    pub events: Vec<Value>,
    pub policy_enabled: bool,
    pub policy_rules: Vec<Value>,
    pub connections: Vec<Connection>,
    /// `payloadCaptureMode` of the policy settings (`None`: the default).
    pub payload_capture_mode: Option<String>,
    /// When the policy settings last changed (`None`: never since the start).
    pub settings_updated_at: Option<DateTime<Utc>>,
    /// Install tokens (only their sha256), oldest first.
    pub install_tokens: Vec<OrgToken>,
    /// SCIM tokens (only their sha256), oldest first.
    pub scim_tokens: Vec<OrgToken>,
    /// The Cedar policy: versions and the enforced/observing slots.
    #[cfg(feature = "cedar")]
    pub cedar: crate::policy::CedarState,
    /// Live objects by sequence number (rebuilt on load).
    #[serde(skip)]
    pub app_order: BTreeMap<u64, Uuid>,
    #[serde(skip)]
    pub integration_order: BTreeMap<u64, Uuid>,
    #[serde(skip)]
    pub sa_order: BTreeMap<u64, Uuid>,
    /// Names of live objects, for the uniqueness rules without a scan (rebuilt on load).
    #[serde(skip)]
    pub names: HashMap<(Kind, String), Uuid>,
}

/// The kinds of object whose names are unique.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    App,
    Integration,
    ServiceAccount,
}

impl Store {
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Rebuilds the derived indexes after deserializing.
    pub fn reindex(&mut self) {
        self.app_order = self.applications.values().filter(|a| !a.archived).map(|a| (a.seq, a.id)).collect();
        self.integration_order = self.integrations.values().filter(|i| !i.archived).map(|i| (i.seq, i.id)).collect();
        self.sa_order = self.service_accounts.values().map(|s| (s.seq, s.id)).collect();
        self.names = self
            .applications
            .values()
            .filter(|a| !a.archived)
            .map(|a| ((Kind::App, a.name.clone()), a.id))
            .chain(
                self.integrations.values().filter(|i| !i.archived).map(|i| ((Kind::Integration, i.name.clone()), i.id)),
            )
            .chain(self.service_accounts.values().map(|s| ((Kind::ServiceAccount, s.name.clone()), s.id)))
            .collect();
        let max = [
            self.app_order.keys().next_back(),
            self.integration_order.keys().next_back(),
            self.sa_order.keys().next_back(),
        ]
        .into_iter()
        .flatten()
        .max()
        .copied()
        .unwrap_or(0);
        self.seq = self.seq.max(max);
    }

    /// Whether a live object of `kind` other than `id` already has `name`.
    pub fn name_taken(&self, kind: Kind, name: &str, id: Uuid) -> bool {
        self.names.get(&(kind, name.to_owned())).is_some_and(|owner| *owner != id)
    }

    /// Records that `id` is now called `new` (and no longer `old`).
    pub fn rename(&mut self, kind: Kind, old: Option<&str>, new: &str, id: Uuid) {
        if let Some(old) = old {
            self.forget_name(kind, old, id);
        }
        self.names.insert((kind, new.to_owned()), id);
    }

    /// Frees `name` when `id` holds it (archive, delete).
    pub fn forget_name(&mut self, kind: Kind, name: &str, id: Uuid) {
        let key = (kind, name.to_owned());
        if self.names.get(&key) == Some(&id) {
            self.names.remove(&key);
        }
    }

    pub fn live_app(&self, id: &Uuid) -> Option<&Application> {
        self.applications.get(id).filter(|a| !a.archived)
    }

    pub fn live_integration(&self, id: &Uuid) -> Option<&Integration> {
        self.integrations.get(id).filter(|i| !i.archived)
    }

    pub fn session_counts(&self, app_id: &Uuid, now: DateTime<Utc>) -> Value {
        let key = app_id.to_string();
        let (mut active, mut idle, mut total) = (0u64, 0u64, 0u64);
        for s in self.sessions.values().filter(|s| s.agent_id == key) {
            total += 1;
            match s.derived(now) {
                "active" => active += 1,
                "idle" => idle += 1,
                _ => {}
            }
        }
        json!({"active": active, "idle": idle, "live": active + idle, "total": total})
    }

    pub fn app_json(&self, app: &Application, now: DateTime<Utc>) -> Value {
        let external = app.external_auth.as_ref().map(|e| {
            let mut e = e.clone();
            if let Some(obj) = e.as_object_mut() {
                obj.insert("partnerApiKeyConfigured".into(), Value::Bool(app.partner_api_key.is_some()));
            }
            e
        });
        json!({
            "id": app.id,
            "name": app.name,
            "description": app.description,
            "clientId": app.client_id,
            "createdAt": ts(&app.created_at),
            "updatedAt": ts(&app.updated_at),
            "sessions": self.session_counts(&app.id, now),
            "externalAuth": external,
        })
    }
}

pub fn app_oauth_json(app: &Application, gateway_url: &str, with_secret: bool) -> Value {
    let o = &app.oauth;
    let mut v = json!({
        "type": o.kind,
        "clientId": app.client_id,
        "redirectUris": o.redirect_uris,
        "pkceRequired": o.pkce_required,
        "scopes": o.scopes,
        "allowedResources": o.allowed_resources,
        "gatewayUrl": gateway_url,
    });
    if with_secret {
        if let (Some(secret), Some(obj)) = (&o.client_secret, v.as_object_mut()) {
            obj.insert("clientSecret".into(), Value::String(secret.0.clone()));
        }
    }
    v
}

pub fn integration_json(i: &Integration) -> Value {
    json!({
        "id": i.id,
        "name": i.name,
        "url": i.url,
        "authMode": i.auth_mode,
        "category": i.category,
        "capabilities": i.capabilities.clone().unwrap_or_else(|| json!({})),
        "credentialSchema": i.credential_schema,
        "oauth": i.oauth,
        "serverTokenConfigured": i.server_token.is_some(),
        "validationStatus": i.validation_status,
        "createdAt": ts(&i.created_at),
        "updatedAt": ts(&i.updated_at),
    })
}

pub fn sa_json(sa: &ServiceAccount) -> Value {
    json!({
        "id": sa.id,
        "name": sa.name,
        "description": sa.description,
        "clientId": sa.client_id,
        "createdAt": ts(&sa.created_at),
        "updatedAt": ts(&sa.updated_at),
        "lastUsedAt": sa.last_used_at.as_ref().map(ts),
    })
}

/// What `--state` writes: the store plus the issued tokens.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Persisted {
    pub version: u32,
    pub store: Store,
    pub tokens: HashMap<String, Token>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistedRef<'a> {
    pub version: u32,
    pub store: &'a Store,
    pub tokens: &'a HashMap<String, Token>,
}

pub const STATE_VERSION: u32 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    fn token(expires_at_ms: i64, sa_id: Option<Uuid>) -> Token {
        Token { client_id: "c".into(), sa_id, scope: "s".into(), expires_at_ms }
    }

    #[test]
    fn tokens_are_forgotten_a_while_after_they_expire() {
        let sa = Uuid::nil();
        let mut t = Tokens::from_map(HashMap::from([("loaded".to_owned(), token(1_000, None))]));
        t.insert("old".into(), token(2_000, None), 0);
        t.insert("of-sa".into(), token(1_000_000_000, Some(sa)), 0);
        t.insert("recent".into(), token(9_000_000, None), 0);
        // Both tokens expired long ago are dropped; one that expired just now is kept.
        t.insert("new".into(), token(20_000_000, None), 9_000_000 + 1);
        let mut left: Vec<&str> = t.map().keys().map(String::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["new", "of-sa", "recent"]);
        assert!(t.get("recent").is_some() && t.get("old").is_none());
        t.remove_service_account(sa);
        assert!(t.get("of-sa").is_none());
        assert_eq!(t.expiry.len(), 2, "the heap forgets removed tokens too");
        t.insert("later".into(), token(i64::MAX, None), i64::MAX);
        assert_eq!(t.map().keys().collect::<Vec<_>>(), ["later"]);
    }
}
