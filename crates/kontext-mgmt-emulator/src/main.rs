//! `kontext-emulator`: the Kontext Management API emulator as a program (see [`kontext_mgmt_emulator::cli`]).

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(kontext_mgmt_emulator::cli::run(std::env::args_os()))
}
