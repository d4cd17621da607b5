//! The generated client's hooks: every operation checked against the op table, sent through
//! [`Transport`], and an SDK error carried by a synthetic response turned back into one.

use crate::call::{core_failure, is_core_failure, synthetic, take_core_failure};
use crate::transport::Transport;

impl progenitor_client::ClientHooks<Transport> for crate::generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &progenitor_client::OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let op = crate::ops::find(info.operation_id).ok_or_else(|| {
            progenitor_client::Error::InvalidRequest(format!("unknown operation {}", info.operation_id))
        })?;
        crate::ops::validate(op, request).map_err(progenitor_client::Error::InvalidRequest)
    }

    /// Turns an SDK error carried by a synthetic response into the generated client's
    /// error (decoded again by `From<progenitor_client::Error>`).
    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &progenitor_client::OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        match result.as_ref().ok().and_then(take_core_failure) {
            Some(error) => Err(progenitor_client::Error::Custom(crate::error::encode_custom(&error))),
            None => Ok(()),
        }
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &progenitor_client::OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        use progenitor_client::ClientInfo;
        match crate::ops::find(info.operation_id) {
            Some(op) => Ok(error_answer(self.inner().execute(request, op).await?).await),
            // `pre` already refused unknown operations.
            None => Ok(synthetic(400, None, "unknown operation", "Bad Request")),
        }
    }
}

/// An error answer read here, whatever the shape of its body, and passed on as the SDK's
/// error: the generated client would decode it as the spec's `ErrorResponse` and fail on
/// any other shape (`{error, missingScopes, hint}`, text) with a decode error instead of
/// the status's kind (docs/ARCHITECTURE.md rule 10). The body is bounded by the transport.
async fn error_answer(response: reqwest::Response) -> reqwest::Response {
    let status = response.status().as_u16();
    if (200..300).contains(&status) || is_core_failure(&response) {
        return response;
    }
    let headers = response.headers().clone();
    core_failure(match response.bytes().await {
        Ok(body) => crate::Error::from_response_parts(status, &headers, &body),
        Err(e) => crate::Error::from_reqwest(e),
    })
}
