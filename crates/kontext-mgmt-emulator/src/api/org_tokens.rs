//! Install tokens and SCIM tokens: created with a label, the raw token shown once, only
//! its sha256 kept, revoked by sha256 (revoked ones stay listed with `revokedAt`).

use crate::locks::{read, write};
use crate::reply::ApiError;
use crate::state::App;
use crate::store::{random_text, OrgToken, Store};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::common::*;

/// Which of the two token lists, with the names its answers use.
#[derive(Clone, Copy)]
pub struct Kind {
    /// The wrapper key of one token (`installToken`, `scimToken`).
    key: &'static str,
    /// Prefix of the raw token.
    prefix: &'static str,
    not_found: &'static str,
    list: fn(&mut Store) -> &mut Vec<OrgToken>,
    view: fn(&Store) -> &Vec<OrgToken>,
}

impl Kind {
    /// Adds a token for the raw `token` (seeds); `revoked` marks it revoked now.
    pub fn add(self, store: &mut Store, label: &str, token: &str, revoked: bool, now: DateTime<Utc>) {
        let seq = store.next_seq();
        let mut t = OrgToken::new(seq, label, token, now);
        t.revoked_at = revoked.then_some(now);
        (self.list)(store).push(t);
    }
}

pub const INSTALL: Kind = Kind {
    key: "installToken",
    prefix: "kit_",
    not_found: "Install token not found",
    list: |s| &mut s.install_tokens,
    view: |s| &s.install_tokens,
};

pub const SCIM: Kind = Kind {
    key: "scimToken",
    prefix: "scim_",
    not_found: "SCIM token not found",
    list: |s| &mut s.scim_tokens,
    view: |s| &s.scim_tokens,
};

pub(super) fn tokens_list(app: &App, c: &Ctx, kind: Kind) -> Res {
    let store = read(&app.store);
    let rows = (kind.view)(&store).iter().map(|t| (t.seq, t.sha256.clone(), t.to_json()));
    let (items, next) = page_rows(rows, c)?;
    Ok(ok(list_json(items, next)))
}

pub(super) fn tokens_create(app: &App, c: &Ctx, kind: Kind) -> Res {
    let raw = format!("{}{}", kind.prefix, random_text(32));
    let mut store = write(&app.store);
    let seq = store.next_seq();
    let token = OrgToken::new(seq, c.body_str("label").unwrap_or_default(), &raw, c.now);
    let body = json!({ kind.key: token.to_json(), "token": raw });
    (kind.list)(&mut store).push(token);
    Ok(created(body))
}

pub(super) fn tokens_revoke(app: &App, c: &Ctx, kind: Kind) -> Res {
    let sha = c.param("sha256").to_ascii_lowercase();
    let mut store = write(&app.store);
    let t = (kind.list)(&mut store)
        .iter_mut()
        .find(|t| t.sha256 == sha)
        .ok_or_else(|| ApiError::not_found(kind.not_found))?;
    // Revoking again keeps the first revocation time.
    t.revoked_at.get_or_insert(c.now);
    Ok(ok(json!({ kind.key: t.to_json() })))
}

/// How many tokens of `kind` are not revoked.
pub(super) fn active_count(store: &Store, kind: Kind) -> usize {
    (kind.view)(store).iter().filter(|t| t.revoked_at.is_none()).count()
}
