//! Service accounts.

use crate::locks::{read, write};
use crate::reply::ApiError;
use crate::state::App;
use crate::store::{new_uuid, random_text, sa_json, Kind, Secret, ServiceAccount, Store};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::common::*;

// ---------------------------------------------------------------------------------
// Service accounts

pub(super) fn sa_not_found() -> ApiError {
    ApiError::not_found("Service account not found")
}

/// Creates a service account from a validated `CreateServiceAccountInput` (also used
/// by seeds, which may fix the secret).
pub fn create_service_account(
    store: &mut Store,
    b: &Value,
    id: Option<Uuid>,
    secret: Option<String>,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let name = b.get("name").and_then(Value::as_str).unwrap_or_default();
    let id = id.unwrap_or_else(new_uuid);
    if store.name_taken(Kind::ServiceAccount, name, id) {
        return Err(ApiError::conflict("A service account with this name already exists"));
    }
    let seq = store.next_seq();
    if let Some(old) = store.service_accounts.get(&id) {
        let (seq, old_name) = (old.seq, old.name.clone());
        store.sa_order.remove(&seq);
        store.forget_name(Kind::ServiceAccount, &old_name, id);
    }
    store.service_accounts.insert(
        id,
        ServiceAccount {
            id,
            seq,
            name: name.to_owned(),
            description: b.get("description").and_then(Value::as_str).map(str::to_owned),
            client_id: format!("sa_{id}"),
            secret: Secret(secret.unwrap_or_else(|| random_text(32))),
            created_at: now,
            updated_at: now,
            last_used_at: None,
        },
    );
    store.sa_order.insert(seq, id);
    store.rename(Kind::ServiceAccount, None, name, id);
    Ok(id)
}

pub(super) fn sa_with_credentials(sa: &ServiceAccount) -> Value {
    json!({
        "serviceAccount": sa_json(sa),
        "credentials": {"clientId": sa.client_id, "clientSecret": sa.secret.0},
    })
}

pub(super) fn sa_list(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let (ids, next) = page(&store.sa_order, c)?;
    let items = ids.iter().filter_map(|id| store.service_accounts.get(id)).map(sa_json).collect();
    Ok(ok(list_json(items, next)))
}

pub(super) fn sa_create(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let id = create_service_account(&mut store, &c.body, None, None, c.now)?;
    let sa = store.service_accounts.get(&id).ok_or_else(sa_not_found)?;
    Ok(created(sa_with_credentials(sa)))
}

pub(super) fn sa_get(app: &App, c: &Ctx) -> Res {
    let store = read(&app.store);
    let sa = store.service_accounts.get(&c.id("id")).ok_or_else(sa_not_found)?;
    Ok(ok(json!({"serviceAccount": sa_json(sa)})))
}

pub(super) fn sa_revoke(app: &App, c: &Ctx) -> Res {
    let id = c.id("id");
    let sa = {
        let mut store = write(&app.store);
        let sa = store.service_accounts.remove(&id).ok_or_else(sa_not_found)?;
        store.sa_order.remove(&sa.seq);
        store.forget_name(Kind::ServiceAccount, &sa.name, id);
        sa
    };
    // Its tokens stop working at once (authenticate also checks the account exists).
    write(&app.tokens).remove_service_account(sa.id);
    Ok(no_content())
}

pub(super) fn sa_rotate(app: &App, c: &Ctx) -> Res {
    let mut store = write(&app.store);
    let sa = store.service_accounts.get_mut(&c.id("id")).ok_or_else(sa_not_found)?;
    // Tokens minted with the old secret stay valid until they expire.
    sa.secret = Secret(random_text(32));
    sa.updated_at = c.now;
    Ok(ok(sa_with_credentials(sa)))
}
