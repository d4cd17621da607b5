//! Releases and their artifacts (read-only fixtures, see `crate::fixtures`).

use crate::reply::ApiError;
use crate::state::App;
use crate::store::{new_uuid, ts};
use chrono::Duration;
use serde_json::{json, Value};

use super::common::*;

/// How long a download URL is valid.
const DOWNLOAD_URL_TTL_MINUTES: i64 = 15;

pub(super) fn releases_list(app: &App, c: &Ctx) -> Res {
    let rows = app.fixtures.releases.iter().enumerate().map(|(i, r)| (i as u64 + 1, r.version.clone(), r.json.clone()));
    let (items, next) = page_rows(rows, c)?;
    Ok(ok(list_json(items, next)))
}

pub(super) fn releases_latest(app: &App) -> Res {
    let r = app.fixtures.releases.first().ok_or_else(|| ApiError::not_found("No release yet"))?;
    Ok(ok(json!({"release": r.json})))
}

pub(super) fn releases_download_url(app: &App, c: &Ctx) -> Res {
    let (version, kind) = (c.param("version"), c.param("kind"));
    let release = app
        .fixtures
        .releases
        .iter()
        .find(|r| r.version == version)
        .ok_or_else(|| ApiError::not_found("Release not found"))?;
    let artifact = release.json["artifacts"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["kind"] == kind)
        .ok_or_else(|| ApiError::not_found("Artifact not found"))?;
    let expires = c.now + Duration::minutes(DOWNLOAD_URL_TTL_MINUTES);
    let base = app.api_url.trim_end_matches("/api/v1");
    let file = artifact["fileName"].as_str().unwrap_or(kind);
    // An opaque, unguessable path per URL (a signed URL's role); a UUID, so test
    // transcripts can normalise it like any other id.
    let url = format!("{base}/downloads/{}/{file}", new_uuid());
    Ok(ok(
        json!({"url": url, "expiresAt": ts(&expires), "sha256": artifact.get("sha256").cloned().unwrap_or(Value::Null)}),
    ))
}
