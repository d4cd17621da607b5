//! Checks on the generated glue itself.

/// Every exported async method must reach the network through `crate::support` (which runs
/// it on the core's runtime): the generated text has no other call path.
#[test]
fn every_async_method_goes_through_support() {
    let glue = include_str!(concat!(env!("OUT_DIR"), "/surface.rs"));
    let mut methods = 0;
    for chunk in glue.split("pub async fn ").skip(1) {
        methods += 1;
        let body_start = chunk.find('{').expect("method body");
        let body = &chunk[body_start..chunk.find("\n    }").expect("method end")];
        assert!(
            body.contains("crate::support::call") || body.contains("self.inner.next_page"),
            "an async method does not go through crate::support: {}",
            &chunk[..body_start]
        );
    }
    assert!(methods >= 39, "only {methods} async methods generated");
}
