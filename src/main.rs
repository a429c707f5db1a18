fn main() {
    std::process::exit(safe_pip::cli::run(std::env::args_os()));
}
