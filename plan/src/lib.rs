//! `ecs-iam-roles plan`: the IAM a `Custom::EcsIamRoles` resource makes, from a CloudFormation
//! template, before it deploys — built on the function's own core (the `ecs-iam-roles`
//! library): the same property checks and messages (`spec`, `operator`), the same documents
//! (`desired::build`), the same plan (`plan::converge`, `plan::decide_update`,
//! `plan::teardown`). It never writes to AWS.
//!
//! Pieces: `cli` (the command line), `template` (YAML with short-form tags, or JSON),
//! `resolve` (intrinsic functions offline), `tokens` (what cannot be known offline, shown as
//! `${...}`), `check` (the function's checks, with stand-ins for tokens), `planner` (one plan:
//! create, update from `--old`, or drift with `--live`), `changes` (a plan's operations as
//! `+`/`-` changes), `text` (the text format), `live` (the read-only AWS calls).

pub mod changes;
pub mod check;
pub mod cli;
pub mod live;
pub mod planner;
pub mod resolve;
pub mod template;
pub mod text;
pub mod tokens;

pub use cli::{Command, Format, Options};

// The tests (plan/tests/) are the library's unit tests: see plan/tests/mod.rs for why. They name
// this crate as an integration test would.
#[cfg(test)]
extern crate self as ecs_iam_roles_plan;
#[cfg(test)]
#[path = "../tests/mod.rs"]
mod suite;
pub use live::Aws;

/// What one run prints, and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Exit codes (the contract's).
pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_CHANGES: i32 = 2;

/// One run of `ecs-iam-roles ARGS...` (the arguments after the program name). `aws`: the
/// clients `--live` reads with (None: from the usual SDK chain, when `--live` asks for them).
pub async fn run(args: &[String], aws: Option<Aws>) -> Output {
    let options = match cli::parse(args) {
        Ok(Command::Plan(options)) => options,
        Ok(Command::Help) => return ok(cli::USAGE.to_string()),
        Ok(Command::Version) => {
            return ok(format!(
                "ecs-iam-roles plan {}\n",
                env!("CARGO_PKG_VERSION")
            ))
        }
        Err(e) => return fail(format!("ecs-iam-roles: {e}\n")),
    };
    let aws = match (options.live, aws) {
        (true, None) => Some(Aws::from_env().await),
        (_, aws) => aws,
    };
    let report = match planner::run(&options, aws.as_ref()).await {
        Ok(report) => report,
        Err(e) => return fail(format!("ecs-iam-roles plan: {e}\n")),
    };
    let stdout = match options.format {
        Format::Json => format!("{}\n", report.value),
        Format::Text => text::render(&report.value),
    };
    let code = if report.failed {
        EXIT_ERROR
    } else if options.detailed_exitcode && report.changed {
        EXIT_CHANGES
    } else {
        EXIT_OK
    };
    Output {
        code,
        stdout,
        stderr: String::new(),
    }
}

/// `run` on a runtime of its own (for callers that are not async).
pub fn run_blocking(args: &[String], aws: Option<Aws>) -> Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(run(args, aws))
}

fn ok(stdout: String) -> Output {
    Output {
        code: EXIT_OK,
        stdout,
        stderr: String::new(),
    }
}

fn fail(stderr: String) -> Output {
    Output {
        code: EXIT_ERROR,
        stdout: String::new(),
        stderr,
    }
}
