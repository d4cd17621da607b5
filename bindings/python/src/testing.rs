//! The engine of `kontext_mgmt.testing`: an emulator running in this process, on the
//! core's runtime. Generic: the emulator-only routes go through one `admin` call, the
//! options through the emulator's one JSON description (`KitOptions`).

use kontext_mgmt_emulator::{Emulator, KitOptions};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Mutex;

use crate::{lock, wait};

/// An emulator listening on loopback inside this process; `stop()` (or dropping it)
/// frees its port and state.
#[pyclass(module = "kontext_mgmt._native", frozen)]
pub struct NativeEmulator {
    inner: Mutex<Option<Emulator>>,
    url: String,
    client_id: String,
    client_secret: String,
}

fn emulator_error(e: impl std::fmt::Display) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(e.to_string())
}

#[pymethods]
impl NativeEmulator {
    /// Starts one; `options` is the JSON of the emulator's kit options.
    #[new]
    fn new(py: Python<'_>, options: &str) -> PyResult<NativeEmulator> {
        let options = KitOptions::from_json(options).map_err(emulator_error)?;
        let emulator = wait(py, Emulator::start_kit(options))?.map_err(emulator_error)?;
        Ok(NativeEmulator {
            url: emulator.url(),
            client_id: emulator.client_id().to_owned(),
            client_secret: emulator.client_secret().to_owned(),
            inner: Mutex::new(Some(emulator)),
        })
    }

    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    #[getter]
    fn client_id(&self) -> &str {
        &self.client_id
    }

    #[getter]
    fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// `METHOD /_emulator/ROUTE` in-process: `(status, json bytes)`.
    #[pyo3(signature = (method, route, body=None))]
    fn admin<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        route: &str,
        body: Option<&[u8]>,
    ) -> PyResult<(u16, Bound<'py, PyBytes>)> {
        let guard = lock(&self.inner);
        let Some(emulator) = guard.as_ref() else {
            return Err(pyo3::exceptions::PyRuntimeError::new_err("the emulator is stopped"));
        };
        let reply = py.detach(|| emulator.admin(method, route, body.unwrap_or_default()));
        Ok((reply.status, PyBytes::new(py, &reply.body)))
    }

    /// Stops accepting, closes connections and waits for the server; idempotent.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let taken = lock(&self.inner).take();
        if let Some(emulator) = taken {
            wait(py, emulator.shutdown())?;
        }
        Ok(())
    }

    #[getter]
    fn running(&self) -> bool {
        lock(&self.inner).is_some()
    }

    fn __repr__(&self) -> String {
        format!("NativeEmulator(url={:?})", self.url)
    }
}

/// The options a kit accepts (camelCase), from the emulator's one description.
#[pyfunction]
pub fn emulator_options() -> Vec<&'static str> {
    KitOptions::names().to_vec()
}

/// `kontext-emulator ARGS`: the program, run in this process until SIGINT/SIGTERM.
#[pyfunction]
pub fn emulator_main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| kontext_mgmt_emulator::cli::run(argv))
}
