//! The `herald` command: everything lives in the library; this only runs it.

fn main() -> std::process::ExitCode {
    herald::cli::main()
}
