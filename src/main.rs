fn main() -> std::process::ExitCode {
    groupcheck::cli::main()
}
