//! `ecs-iam-roles plan TEMPLATE ...` (see `ecs-iam-roles --help`).

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let output = ecs_iam_roles_plan::run_blocking(&args, None);
    // A closed pipe (`| head`) is no error of the plan's.
    let _ = std::io::stdout().write_all(output.stdout.as_bytes());
    let _ = std::io::stderr().write_all(output.stderr.as_bytes());
    std::process::exit(output.code);
}
