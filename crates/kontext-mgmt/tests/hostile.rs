//! The core against a hostile server (`kontext-mgmt-hostile`) over loopback HTTP: huge and
//! endless bodies, extreme numbers in headers and token responses, a hanging or flaky
//! token endpoint, repeating cursors, bodies that are not JSON.

use futures::StreamExt;
use kontext_mgmt::ops::CallArgs;
use kontext_mgmt::{Client, ErrorKind, RetryPolicy};
use kontext_mgmt_hostile::Server;
use std::time::{Duration, Instant};

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..Default::default()
    }
}

fn client(server: &Server, scenario: &str) -> Client {
    Client::builder()
        .base_url(server.base(scenario))
        .credentials("id", "secret")
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

async fn list(client: &Client) -> kontext_mgmt::Result<()> {
    client.applications_list().send().await.map(drop).map_err(Into::into)
}

async fn call(client: &Client) -> kontext_mgmt::Result<kontext_mgmt::ops::RawResponse> {
    client.call("applications_list", &CallArgs::default()).await
}

#[tokio::test]
async fn huge_bodies_fail_at_the_limit_typed_and_untyped() {
    let server = Server::start().await.unwrap();
    // 2 GB announced by Content-Length: refused before reading.
    for scenario in ["body-2000000000", "chunked-40000000", "endless"] {
        let c = client(&server, scenario);
        let started = Instant::now();
        let e = list(&c).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{scenario}: {e}");
        assert!(e.to_string().contains("33554432-byte limit (max_body_bytes)"), "{e}");
        let e = call(&c).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{scenario}: {e}");
        assert!(started.elapsed() < Duration::from_secs(20), "{scenario}: {:?}", started.elapsed());
    }
    // The limit is an option; a body under it is read (and is not JSON here).
    let c = Client::builder().base_url(server.base("chunked-3000")).token("t").max_body_bytes(2000).build().unwrap();
    assert_eq!(call(&c).await.unwrap_err().kind(), ErrorKind::ResponseTooLarge);
    let c = Client::builder().base_url(server.base("chunked-3000")).token("t").max_body_bytes(4000).build().unwrap();
    assert_eq!(call(&c).await.unwrap_err().kind(), ErrorKind::DecodeError);
}

#[tokio::test]
async fn error_and_token_bodies_have_their_own_limits() {
    let server = Server::start().await.unwrap();
    let c = client(&server, "error-body-1000000");
    // Typed and untyped calls read every error body the same way, with its own limit.
    for e in [call(&c).await.unwrap_err(), list(&c).await.unwrap_err()] {
        assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{e}");
        assert!(e.to_string().contains("max_error_body_bytes"), "{e}");
    }

    let c = client(&server, "token-endless");
    for e in [call(&c).await.unwrap_err(), list(&c).await.unwrap_err()] {
        assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{e}");
        assert!(e.to_string().contains("max_token_body_bytes"), "{e}");
    }
}

#[tokio::test]
async fn extreme_retry_after_never_panics() {
    let server = Server::start().await.unwrap();
    for header in ["retry-after-1e30", "retry-after-ms-1e30", "retry-after-ms-1e300", "retry-after-inf"] {
        // Parsed on every error status: a 404 is enough.
        let e = call(&client(&server, &format!("status-404+{header}"))).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{header}: {e}");
        // A 429 asking for more than max_retry_after fails at once with the (clamped) wait.
        let started = Instant::now();
        let e = list(&client(&server, &format!("status-429+{header}"))).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RateLimited, "{header}: {e}");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(86_400)), "{header}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[tokio::test]
async fn extreme_expires_in_never_panics() {
    let server = Server::start().await.unwrap();
    for v in ["1e300", "18446744073709551615", "1e19", "-1", "0.0000001", "null"] {
        let c = client(&server, &format!("token-expires-{v}"));
        call(&c).await.unwrap_or_else(|e| panic!("expires_in {v}: {e}"));
        list(&c).await.unwrap_or_else(|e| panic!("expires_in {v}: {e}"));
    }
}

#[tokio::test]
async fn empty_or_missing_access_token_is_a_decode_error() {
    let server = Server::start().await.unwrap();
    for scenario in ["token-empty", "token-missing"] {
        let c = client(&server, scenario);
        for e in [call(&c).await.unwrap_err(), list(&c).await.unwrap_err()] {
            assert_eq!(e.kind(), ErrorKind::DecodeError, "{scenario}: {e}");
            assert!(e.to_string().contains("access_token"), "{e}");
        }
    }
    assert_eq!(server.stats().api.load(std::sync::atomic::Ordering::Relaxed), 0, "no call sent `Bearer `");
}

#[tokio::test]
async fn a_hanging_token_endpoint_times_out_every_waiter() {
    let server = Server::start().await.unwrap();
    let c = client(&server, "token-hang").with_options(|o| o.timeout = Duration::from_millis(700));
    let started = Instant::now();
    // Three callers queue on one token request; each gives up at its own deadline.
    let (a, b, d) = tokio::join!(call(&c), list(&c), call(&c));
    for e in [a.unwrap_err(), b.unwrap_err(), d.unwrap_err()] {
        assert_eq!(e.kind(), ErrorKind::TimeoutError, "{e}");
    }
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1700), "{took:?}");
    // refresh_token has the same bound.
    assert_eq!(c.refresh_token().await.unwrap_err().kind(), ErrorKind::TimeoutError);
}

#[tokio::test]
async fn token_failures_are_retried_like_api_failures() {
    let server = Server::start().await.unwrap();
    let (token_fails, api_fails) = (client(&server, "token-fail-50"), client(&server, "api-fail-50"));
    let (mut token_failed, mut api_failed) = (0, 0);
    for _ in 0..200 {
        token_fails.clear_token();
        if call(&token_fails).await.is_err() {
            token_failed += 1;
        }
        if call(&api_fails).await.is_err() {
            api_failed += 1;
        }
    }
    println!("50% faults, 200 calls: {token_failed} failed on the token path, {api_failed} on the API path");
    // 0.5³ = 12.5 % expected on both; without token retries half would fail.
    assert!(token_failed < 50 && api_failed < 50, "token {token_failed}, api {api_failed}");
}

#[tokio::test]
async fn basic_credentials_are_form_urlencoded() {
    let server = Server::start().await.unwrap();
    let c = Client::builder()
        .base_url(server.base("basic-sa%3A1:p%2Bss%2541word"))
        .credentials("sa:1", "p+ss%41word")
        .build()
        .unwrap();
    call(&c).await.unwrap();
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_walk() {
    let server = Server::start().await.unwrap();
    let c = client(&server, "cursor-repeat-empty");
    let items: Vec<_> = c.applications_list().stream().collect().await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().unwrap_err().kind(), ErrorKind::DecodeError);
    for scenario in ["cursor-repeat", "cursor-repeat-empty"] {
        let mut pager = client(&server, scenario).pager("applications_list", CallArgs::default()).unwrap();
        assert!(pager.next_page().await.unwrap().is_some());
        let e = pager.next_page().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DecodeError, "{e}");
        assert!(e.to_string().contains("twice"), "{e}");
        assert!(pager.next_page().await.unwrap().is_none(), "the walk is over");
    }
    let before = server.stats().api.load(std::sync::atomic::Ordering::Relaxed);
    assert!(before <= 6, "{before} requests");
}

#[tokio::test]
async fn the_page_limit_ends_a_walk() {
    let server = Server::start().await.unwrap();
    let c = Client::builder().base_url(server.base("x")).token("t").max_pages(1).build().unwrap();
    let mut pager = c.pager("applications_list", CallArgs::default()).unwrap();
    // One page that says it is the last is fine with a limit of one.
    assert!(pager.next_page().await.unwrap().is_some());
    assert!(pager.next_page().await.unwrap().is_none());
}

#[tokio::test]
async fn success_bodies_that_are_not_json_are_decode_errors() {
    let server = Server::start().await.unwrap();
    for scenario in ["invalid-utf8", "not-json"] {
        let c = client(&server, scenario);
        assert_eq!(call(&c).await.unwrap_err().kind(), ErrorKind::DecodeError, "{scenario}");
        assert_eq!(list(&c).await.unwrap_err().kind(), ErrorKind::DecodeError, "{scenario}");
    }
}

#[tokio::test]
async fn user_timeouts_are_clamped_or_refused() {
    let server = Server::start().await.unwrap();
    let huge = Client::builder().base_url(server.base("x")).token("t").timeout(Duration::MAX).build().unwrap();
    assert_eq!(huge.options().timeout, kontext_mgmt::limits::MAX_TIMEOUT);
    call(&huge).await.unwrap();
    let budget = huge.with_options(|o| o.retry.budget = Some(Duration::MAX));
    call(&budget).await.unwrap();
    let e =
        Client::builder().base_url(server.base("x")).token("t").timeout(Duration::from_nanos(1)).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    for secs in [1e300, f64::INFINITY] {
        assert_eq!(
            kontext_mgmt::limits::timeout_from_secs(secs, "timeout").unwrap(),
            kontext_mgmt::limits::MAX_TIMEOUT
        );
    }
    for secs in [1e-300, -1.0, f64::NAN] {
        let e = kontext_mgmt::limits::timeout_from_secs(secs, "timeout").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}

#[tokio::test]
async fn a_password_in_the_base_url_never_shows() {
    // Nothing listens on port 9 of loopback: a connection error that prints the URL.
    let c = Client::builder().base_url("http://user:hunter2@127.0.0.1:9").token("t").max_retries(0).build().unwrap();
    assert!(!c.redacted_base_url().contains("hunter2"), "{}", c.redacted_base_url());
    let e = call(&c).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionError);
    for shown in [e.to_string(), format!("{e:?}"), format!("{c:?}")] {
        assert!(!shown.contains("hunter2"), "{shown}");
    }
    let e = Client::builder().base_url("ftp://user:hunter2@127.0.0.1:9").token("t").build().unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
}
