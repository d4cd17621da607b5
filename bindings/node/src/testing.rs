//! The engine of `kontext-mgmt/testing`: an emulator running in this process, on the
//! core's runtime. Generic: the emulator-only routes go through one `admin` call, the
//! options through the emulator's one JSON description (`KitOptions`).

use kontext_mgmt_emulator::{Emulator, KitOptions};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::sync::Mutex;

/// What an emulator-only route answered.
#[napi(object)]
pub struct AdminReply {
    pub status: u32,
    /// The JSON text of the body (`""` for 204).
    pub body: String,
}

/// An emulator listening on loopback inside this process.
#[napi]
pub struct NativeEmulator {
    inner: Mutex<Option<Emulator>>,
    url: String,
    client_id: String,
    client_secret: String,
}

fn invalid(e: impl std::fmt::Display) -> napi::Error {
    napi::Error::new(Status::InvalidArg, e.to_string())
}

#[napi]
impl NativeEmulator {
    /// Starts one; `options` is the JSON of the emulator's kit options. Binding the port and
    /// applying the seed take a few milliseconds, on the core's runtime.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: String) -> Result<Self> {
        let options = KitOptions::from_json(&options).map_err(invalid)?;
        let emulator = kontext_mgmt::runtime::runtime().block_on(Emulator::start_kit(options)).map_err(invalid)?;
        Ok(NativeEmulator {
            url: emulator.url(),
            client_id: emulator.client_id().to_owned(),
            client_secret: emulator.client_secret().to_owned(),
            inner: Mutex::new(Some(emulator)),
        })
    }

    /// Starts one from the `kontext-emulator` command's arguments (the first is the
    /// program's name); [`emulator_cli_exit`] first tells whether they ask for a server.
    #[napi(factory, catch_unwind)]
    pub fn from_args(argv: Vec<String>) -> Result<Self> {
        let config = match kontext_mgmt_emulator::cli::parse(argv) {
            kontext_mgmt_emulator::cli::Invocation::Serve(config) => config,
            kontext_mgmt_emulator::cli::Invocation::Exit { output, .. } => return Err(invalid(output)),
        };
        kontext_mgmt_emulator::cli::raise_open_files(config.max_connections);
        let emulator = kontext_mgmt::runtime::runtime().block_on(Emulator::start(*config)).map_err(invalid)?;
        Ok(NativeEmulator {
            url: emulator.url(),
            client_id: emulator.client_id().to_owned(),
            client_secret: emulator.client_secret().to_owned(),
            inner: Mutex::new(Some(emulator)),
        })
    }

    /// What the `kontext-emulator` command prints once it listens.
    #[napi(catch_unwind)]
    pub fn banner(&self) -> String {
        self.inner.lock().ok().and_then(|g| g.as_ref().map(kontext_mgmt_emulator::cli::banner)).unwrap_or_default()
    }

    #[napi(getter, catch_unwind)]
    pub fn url(&self) -> String {
        self.url.clone()
    }

    #[napi(getter, catch_unwind)]
    pub fn client_id(&self) -> String {
        self.client_id.clone()
    }

    #[napi(getter, catch_unwind)]
    pub fn client_secret(&self) -> String {
        self.client_secret.clone()
    }

    #[napi(getter, catch_unwind)]
    pub fn running(&self) -> bool {
        self.inner.lock().map(|g| g.is_some()).unwrap_or(false)
    }

    /// `METHOD /_emulator/ROUTE` in-process.
    #[napi(catch_unwind)]
    pub fn admin(&self, method: String, route: String, body: Option<String>) -> Result<AdminReply> {
        let guard = self.inner.lock().map_err(|_| invalid("the emulator's lock is poisoned"))?;
        let emulator = guard.as_ref().ok_or_else(|| invalid("the emulator is stopped"))?;
        let reply = emulator.admin(&method, &route, body.unwrap_or_default().as_bytes());
        Ok(AdminReply { status: u32::from(reply.status), body: String::from_utf8_lossy(&reply.body).into_owned() })
    }

    /// Stops accepting, closes connections and waits for the server; idempotent.
    #[napi(catch_unwind)]
    pub fn stop(&self) {
        let taken = self.inner.lock().ok().and_then(|mut g| g.take());
        if let Some(emulator) = taken {
            kontext_mgmt::runtime::runtime().block_on(emulator.shutdown());
        }
    }
}

/// The options a kit accepts (camelCase), from the emulator's one description.
#[napi(catch_unwind)]
pub fn emulator_options() -> Vec<String> {
    KitOptions::names().iter().map(|s| (*s).to_owned()).collect()
}

/// The bootstrap credentials of an emulator started without `clientId`/`clientSecret`.
#[napi(catch_unwind)]
pub fn emulator_defaults() -> Vec<String> {
    vec![kontext_mgmt_emulator::DEFAULT_CLIENT_ID.into(), kontext_mgmt_emulator::DEFAULT_CLIENT_SECRET.into()]
}

/// `--help`, `--version` or a bad argument of the `kontext-emulator` command: what to print
/// and the exit status. `None`: the arguments ask for a server.
#[napi(object)]
pub struct CliExit {
    pub status: u32,
    pub output: String,
}

/// Whether the `kontext-emulator` command's arguments make it exit at once (the signals
/// are Node's to handle, so the command's loop lives in JavaScript, bin/kontext-emulator.js).
#[napi(catch_unwind)]
pub fn emulator_cli_exit(argv: Vec<String>) -> Option<CliExit> {
    match kontext_mgmt_emulator::cli::parse(argv) {
        kontext_mgmt_emulator::cli::Invocation::Serve(_) => None,
        kontext_mgmt_emulator::cli::Invocation::Exit { status, output } => {
            Some(CliExit { status: u32::from(status), output })
        }
    }
}
