//! The generated client's hooks: every operation checked against the op table, sent through
//! [`Transport`], and an SDK error carried by a synthetic response turned back into one.

use crate::call::{synthetic, take_core_failure};
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
            Some(op) => self.inner().execute(request, op).await,
            // `pre` already refused unknown operations.
            None => Ok(synthetic(400, None, "unknown operation", "Bad Request")),
        }
    }
}
