//! The Cedar policy surface over HTTP: ETags and If-Match (428/412), racing writers,
//! 422 diagnostics, validation, versions, the deployment actions, replay and blocked
//! calls checked against the emulator's decision log.

mod common;

use common::{start, Api, Resp};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;

const GITHUB_RULE: &str =
    "forbid (principal, action == Action::\"tool_call\", resource)\nwhen { context.provider == \"github\" };";

async fn send(api: &Api, method: Method, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Resp {
    let mut req = api.client.request(method, api.url(path)).bearer_auth(&api.token);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    common::to_resp(req.send().await.expect("request")).await
}

async fn act(api: &Api, etag: &str, body: Value) -> Resp {
    send(api, Method::POST, "/policy/actions", Some(body), &[("If-Match", etag)]).await
}

fn etag(r: &Resp) -> String {
    let e = r.header("etag").unwrap_or_else(|| panic!("no ETag: {} {}", r.status, r.text)).to_owned();
    assert!(e.len() > 2 && e.starts_with('"') && e.ends_with('"'), "a strong, quoted ETag: {e}");
    e
}

async fn deployment(api: &Api) -> (Value, String) {
    let r = api.get("/policy/deployment").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let e = etag(&r);
    (r.body, e)
}

fn ids(slot: &Value) -> Vec<&str> {
    slot["policies"].as_array().expect("policies").iter().map(|p| p["policyId"].as_str().expect("id")).collect()
}

#[tokio::test]
async fn the_etag_concurrency_story() {
    let api = start().await;
    let (d, e0) = deployment(&api).await;
    assert_eq!(ids(&d["observing"]), Vec::<&str>::new());
    // Writer 1 acts with the ETag it read.
    let r = act(&api, &e0, json!({"action": "add", "templateId": "block-critical-risk"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let e1 = etag(&r);
    assert_ne!(e1, e0, "a write changes the ETag");
    assert_eq!(ids(&r.body["observing"]), ["block-critical-risk"]);
    // Writer 2 still holds the old ETag.
    let stale = act(&api, &e0, json!({"action": "add", "templateId": "block-shell-exec"})).await;
    assert_eq!(stale.status, 412, "{}", stale.text);
    assert_eq!(stale.body["error"], "precondition_failed");
    assert_eq!(stale.body["statusCode"], 412);
    assert!(stale.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    // It reads again and retries.
    let (d, again) = deployment(&api).await;
    assert_eq!(again, e1, "reads do not change the ETag");
    assert_eq!(ids(&d["observing"]), ["block-critical-risk"]);
    let r = act(&api, &again, json!({"action": "add", "templateId": "block-shell-exec"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body["observing"]), ["block-critical-risk", "block-shell-exec"], "nothing lost");
    // `*` matches the current deployment; a weak tag never does.
    let r = act(&api, "*", json!({"action": "enforce", "policyId": "block-shell-exec"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let weak = format!("W/{}", etag(&r));
    let r = act(&api, &weak, json!({"action": "stop", "policyId": "block-shell-exec"})).await;
    assert_eq!(r.status, 412, "{}", r.text);
}

// Several server threads, so the two handlers really run at the same time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_actions_with_one_etag_one_wins() {
    let api = Arc::new(start().await);
    for round in 0..12 {
        let (_, e) = deployment(&api).await;
        let tasks: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|who| {
                let (api, e) = (api.clone(), e.clone());
                let id = format!("r{round}-{who}");
                tokio::spawn(async move {
                    let r = act(&api, &e, json!({"action": "add", "cedar": GITHUB_RULE, "policyId": id})).await;
                    (id, r)
                })
            })
            .collect();
        let mut won = Vec::new();
        let mut lost = Vec::new();
        for t in tasks {
            let (id, r) = t.await.expect("task");
            match r.status.as_u16() {
                200 => won.push(id),
                412 => {
                    assert_eq!(r.body["error"], "precondition_failed");
                    lost.push(id)
                }
                other => panic!("unexpected {other}: {}", r.text),
            }
        }
        assert_eq!((won.len(), lost.len()), (1, 1), "round {round}: exactly one writer wins");
        let (d, e) = deployment(&api).await;
        let observing = ids(&d["observing"]);
        assert!(observing.contains(&won[0].as_str()), "the winner's write is there");
        assert!(!observing.contains(&lost[0].as_str()), "the loser's write did not happen");
        // The loser re-reads and retries: both are kept.
        let r = act(&api, &e, json!({"action": "add", "cedar": GITHUB_RULE, "policyId": lost[0]})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let observing = ids(&r.body["observing"]);
        assert!(observing.contains(&won[0].as_str()) && observing.contains(&lost[0].as_str()));
    }
    let (d, _) = deployment(&api).await;
    assert_eq!(ids(&d["observing"]).len(), 24, "every write of every round is kept");
}

#[tokio::test]
async fn writes_without_if_match_are_428() {
    let api = start().await;
    let r = api.post("/policy/actions", json!({"action": "add", "templateId": "block-critical-risk"})).await;
    assert_eq!(r.status, 428, "{}", r.text);
    assert_eq!(r.body, json!({"error": "precondition_required", "message": "If-Match is required", "statusCode": 428}));
    let r = api.put("/policy", json!({"policyText": GITHUB_RULE})).await;
    assert_eq!(r.status, 428, "{}", r.text);
    assert_eq!(r.body["error"], "precondition_required");
    // Nothing was written.
    let (d, _) = deployment(&api).await;
    assert_eq!(ids(&d["observing"]).len() + ids(&d["enforced"]).len(), 0);
    assert_eq!(api.get("/policy").await.status, 404);
}

#[tokio::test]
async fn put_policy_with_if_none_match_then_if_match() {
    let api = start().await;
    assert_eq!(api.get("/policy").await.status, 404, "no policy before the first PUT");
    let body = json!({"policyText": format!("@id(\"gh\")\n{GITHUB_RULE}\n\npermit (principal, action, resource);")});
    let r = send(&api, Method::PUT, "/policy", Some(body.clone()), &[("If-None-Match", "*")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let e1 = etag(&r);
    let v1 = r.body["policyVersionId"].as_str().expect("version").to_owned();
    // The first policy exists now: If-None-Match: * fails, so does a stale If-Match.
    let r = send(&api, Method::PUT, "/policy", Some(body.clone()), &[("If-None-Match", "*")]).await;
    assert_eq!(r.status, 412, "{}", r.text);
    let r = send(&api, Method::PUT, "/policy", Some(body.clone()), &[("If-Match", "\"p0-0000\"")]).await;
    assert_eq!(r.status, 412, "{}", r.text);
    let g = api.get("/policy").await;
    assert_eq!(g.status, 200);
    assert_eq!(etag(&g), e1);
    assert_eq!(g.body["policyVersionId"], v1.as_str());
    assert!(g.body["policyText"].as_str().is_some_and(|t| t.contains("@id(\"gh\")") && t.contains("@id(\"policy1\")")));
    let (d, _) = deployment(&api).await;
    assert_eq!(ids(&d["enforced"]), ["gh", "policy1"]);
    let r = send(&api, Method::PUT, "/policy", Some(json!({"policyText": GITHUB_RULE})), &[("If-Match", &e1)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_ne!(etag(&r), e1);
    assert_ne!(r.body["policyVersionId"], v1.as_str(), "every PUT records a version");
    let r = send(&api, Method::PUT, "/policy", Some(body), &[("If-None-Match", "\"x\"")]).await;
    assert_eq!(r.status, 400, "{}", r.text);
}

#[tokio::test]
async fn invalid_cedar_is_422_with_diagnostics() {
    let api = start().await;
    let text = "permit (principal, action, resource);\npermitt (principal, action, resource);";
    let r = send(&api, Method::PUT, "/policy", Some(json!({"policyText": text})), &[("If-None-Match", "*")]).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error"], "invalid_policy");
    assert_eq!(r.body["statusCode"], 422);
    let d = &r.body["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["policyId"], "policy1");
    let (start, end) = (d["start"].as_u64().expect("start") as usize, d["end"].as_u64().expect("end") as usize);
    assert_eq!(&text[start..end], "permitt", "{d}");
    assert!(d["message"].as_str().is_some_and(|m| m.contains("permitt")), "{d}");
    assert_eq!(api.get("/policy").await.status, 404, "nothing stored");
    // Same for an action; and more than one policy in `add`.
    let (_, e) = deployment(&api).await;
    let r = act(&api, &e, json!({"action": "add", "cedar": "forbid (principal action, resource);"})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.body["diagnostics"][0]["start"].is_u64());
    let r = act(&api, &e, json!({"action": "add", "cedar": format!("{GITHUB_RULE}\n{GITHUB_RULE}")})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let (_, after) = deployment(&api).await;
    assert_eq!(after, e, "refused writes change nothing");
}

#[tokio::test]
async fn validations_report_errors_and_warnings() {
    let api = start().await;
    let r = api.post("/policy/validations", json!({"policyText": GITHUB_RULE})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"valid": true, "diagnostics": []}));
    let r = api.post("/policy/validations", json!({"policyText": "permitt (principal, action, resource);"})).await;
    assert_eq!(r.body["valid"], false);
    assert_eq!(r.body["diagnostics"][0]["start"], 0);
    assert_eq!(r.body["diagnostics"][0]["end"], 7);
    let unknown = "forbid (principal, action == Action::\"tool_call\", resource) when { context.nope == \"x\" };";
    let r = api.post("/policy/validations", json!({"policyText": unknown})).await;
    assert_eq!(r.body["valid"], true, "schema findings are warnings: {}", r.text);
    let d = &r.body["diagnostics"][0];
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["policyId"], "policy0");
    let dup = format!("@id(\"x\") {GITHUB_RULE}\n@id(\"x\") {GITHUB_RULE}");
    let r = api.post("/policy/validations", json!({"policyText": dup})).await;
    assert_eq!(r.body["valid"], false, "{}", r.text);
    assert_eq!(r.body["diagnostics"][0]["policyId"], "x");
}

#[tokio::test]
async fn actions_versions_and_templates() {
    let api = start().await;
    let t = api.get("/policy/rule-templates").await;
    assert_eq!(t.status, 200);
    let templates = t.body["items"].as_array().expect("items");
    assert!(templates.len() >= 3 && templates.iter().all(|t| t["id"].is_string() && t["cedar"].is_string()));

    let (_, e) = deployment(&api).await;
    let r = act(
        &api,
        &e,
        json!({"action": "add", "templateId": "block-shell-exec", "endpointId": "ep_local",
               "scopes": [{"agentId": "openai-codex"}, {"agentId": "anthropic-claude-code"}]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let p = &r.body["observing"]["policies"][0];
    assert_eq!(p["templateId"], "block-shell-exec");
    let cedar = p["cedar"].as_str().expect("cedar");
    assert!(
        cedar.contains("context.endpointId == \"ep_local\"") && cedar.contains("Agent::\"openai-codex\""),
        "{cedar}"
    );
    let e = etag(&r);
    // Same id again: 409; unknown template: 404; unknown policy: 404.
    let r = act(&api, &e, json!({"action": "add", "templateId": "block-shell-exec"})).await;
    assert_eq!(r.status, 409, "{}", r.text);
    let r = act(&api, &e, json!({"action": "add", "templateId": "nope"})).await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = act(&api, &e, json!({"action": "enforce", "policyId": "nope"})).await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = act(&api, &e, json!({"action": "enforce"})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    // Enforce, stop, enforce, delete from enforced.
    let r = act(&api, &e, json!({"action": "enforce", "policyId": "block-shell-exec"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body["enforced"]), ["block-shell-exec"]);
    assert!(r.body["enforced"]["policies"][0]["enforcedAt"].is_string());
    let g = api.get("/policy").await;
    assert!(g.body["policyText"].as_str().is_some_and(|t| t.contains("context.provider == \"shell\"")));
    let r = act(&api, &etag(&r), json!({"action": "enforce", "policyId": "block-shell-exec"})).await;
    assert_eq!(r.status, 409, "already enforced: {}", r.text);
    let (_, e) = deployment(&api).await;
    let r = act(&api, &e, json!({"action": "stop", "policyId": "block-shell-exec"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body["observing"]), ["block-shell-exec"]);
    assert_eq!(ids(&r.body["enforced"]), Vec::<&str>::new());
    let r =
        act(&api, &etag(&r), json!({"action": "delete", "policyId": "block-shell-exec", "where": "enforced"})).await;
    assert_eq!(r.status, 404, "not in that slot: {}", r.text);
    let (_, e) = deployment(&api).await;
    let r = act(&api, &e, json!({"action": "delete", "policyId": "block-shell-exec", "where": "observing"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body["observing"]), Vec::<&str>::new());

    // add, enforce (2), stop (2), delete: six versions, walked two at a time, oldest first.
    let seen: Vec<String> =
        api.walk("/policy/versions", 2).await.iter().map(|v| v["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(seen, ["pv_0001", "pv_0002", "pv_0003", "pv_0004", "pv_0005", "pv_0006"]);
    let v = api.get("/policy/versions/pv_0003").await;
    assert_eq!(v.status, 200);
    assert_eq!(v.body["slot"], "enforced");
    assert_eq!(v.body["source"], "enforce");
    assert_eq!(v.body["policyCount"], 1);
    assert_eq!(api.get("/policy/versions/pv_9999").await.status, 404);
}

/// The log entries a replay over `n` newest decisions reads.
fn window(log: &[Value], n: usize) -> &[Value] {
    &log[..n.min(log.len())]
}

#[tokio::test]
async fn replay_and_blocked_agree_with_the_decision_log() {
    let api = start().await;
    let log = api.admin(Method::GET, "decision-log", None).await.body["items"].as_array().expect("log").clone();
    assert!(log.len() > 500);
    // One log: `GET /decisions` lists the decisions replay reads, in the same order and with
    // the same fields, less what only replay sees (agent, endpoint, captured arguments).
    let listed = api.walk("/decisions", 200).await;
    assert_eq!(listed.len(), log.len());
    for (shown, logged) in listed.iter().zip(&log) {
        let mut logged = logged.clone();
        for key in ["agentId", "endpointId", "arguments"] {
            assert!(logged.as_object_mut().expect("object").remove(key).is_some(), "{key}");
        }
        assert_eq!(*shown, logged);
    }
    let (_, e) = deployment(&api).await;
    let r = act(&api, &e, json!({"action": "add", "cedar": GITHUB_RULE, "policyId": "gh"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = act(&api, &etag(&r), json!({"action": "add", "templateId": "block-rm-rf"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = act(&api, &etag(&r), json!({"action": "enforce", "policyId": "gh"})).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let mut in_week = 0;
    for days in [7, 14, 30] {
        let before = chrono::Utc::now();
        let r = api.post("/policy/replay", json!({"days": days})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let n = r.body["decisionsInWindow"].as_u64().expect("n") as usize;
        let by_time = log
            .iter()
            .filter(|d| {
                let at = chrono::DateTime::parse_from_rfc3339(d["occurredAt"].as_str().expect("at")).expect("time");
                at >= before - chrono::Duration::days(days)
            })
            .count();
        assert!(n.abs_diff(by_time) <= 1, "window of {days} days: {n} vs {by_time}");
        let w = window(&log, n);
        let calls: Vec<&Value> = w.iter().filter(|d| d["toolName"].is_string()).collect();
        let github = calls.iter().filter(|d| d["provider"] == "github").count() as u64;
        let shell = |captured: bool| {
            calls.iter().filter(move |d| d["provider"] == "shell" && d["arguments"].is_object() == captured)
        };
        let rm = shell(true)
            .filter(|d| d["arguments"]["command"].as_str().is_some_and(|c| c.contains("rm -rf")))
            .count() as u64;
        let uncaptured = shell(false).count() as u64;
        assert!(github > 0 && rm > 0 && uncaptured > 0, "the log exercises every count");
        assert_eq!(r.body["decisionsReplayed"], calls.len() as u64);
        let rows = r.body["policies"].as_array().expect("rows");
        let row = |slot: &str, id: &str| {
            rows.iter()
                .find(|x| x["slot"] == slot && x["policyId"] == id)
                .unwrap_or_else(|| panic!("{slot} {id}: {rows:?}"))
        };
        let gh = row("enforced", "gh");
        assert_eq!(gh["wouldBlock"], github);
        assert_eq!(gh["wouldAllow"], calls.len() as u64 - github);
        assert_eq!(gh["needsCapture"], 0);
        assert_eq!(gh["notReplayable"], (w.len() - calls.len()) as u64);
        assert_eq!(gh["truncated"], false);
        let rmrf = row("observing", "block-rm-rf");
        assert_eq!(rmrf["wouldBlock"], rm);
        assert_eq!(rmrf["needsCapture"], uncaptured, "shell calls without captured arguments");
        assert_eq!(rmrf["wouldAllow"], calls.len() as u64 - rm - uncaptured);

        let b = api.get(&format!("/policy/blocked?days={days}&limit=200")).await;
        assert_eq!(b.status, 200, "{}", b.text);
        assert!(b.body["total"].as_u64().expect("total").abs_diff(github) <= 1, "{} vs {github}", b.body["total"]);
        let items = b.body["items"].as_array().expect("items");
        assert!(items.iter().all(|i| i["provider"] == "github" && i["policyIds"] == json!(["gh"])));
        if days == 7 {
            in_week = github;
        } else {
            assert!(github > in_week, "a longer window holds more");
        }
    }
    // A named version that does not exist: 404; an invalid baseline: 422.
    let r = api.post("/policy/replay", json!({"days": 7, "enforcingVersionId": "pv_9999"})).await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = api.post("/policy/replay", json!({"days": 7, "baselinePolicyText": "permitt"})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    // An empty baseline denies everything by default, and no policy is the reason.
    let r = api.post("/policy/replay", json!({"days": 7, "baselinePolicyText": ""})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn hostile_policy_text_is_refused_not_fatal() {
    let api = start().await;
    let chains = [
        format!("context{} == 1", " + 1".repeat(150_000)),
        format!("{}true", "!".repeat(500_000)),
        format!("{}true{}", "(".repeat(200_000), ")".repeat(200_000)),
        format!("{}1", "if true then 1 else ".repeat(40_000)),
    ];
    for chain in chains {
        let text = format!("permit (principal, action, resource) when {{ {chain} }};");
        let r = api.post("/policy/validations", json!({"policyText": text})).await;
        assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(300)]);
        assert_eq!(r.body["valid"], false);
        let (_, e) = deployment(&api).await;
        let r = act(&api, &e, json!({"action": "add", "cedar": text})).await;
        assert_eq!(r.status, 422);
    }
    let long_name = format!("permit (principal == {}::\"x\", action, resource);", vec!["A"; 50_000].join("::"));
    let r = api.post("/policy/validations", json!({"policyText": long_name})).await;
    assert_eq!(r.status, 200);
    assert!(r.text.len() < 10_000, "findings are bounded: {} bytes", r.text.len());
    // Still serving.
    assert_eq!(api.get("/policy/rule-templates").await.status, 200);
}
