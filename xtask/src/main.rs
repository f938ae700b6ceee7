//! The generator: everything the kinds' registry (`core/src/kinds/mod.rs`) determines outside
//! Rust, written from the registry instead of copied by hand.
//!
//! - `template.yaml`: the AWS managed policies the execution role may attach (`template`);
//! - `examples/cdk/execution-role-policy.json`: the template's `manage-owned-iam` policy as JSON
//!   (`cdk`);
//! - `events/kinds/`: a Create and a Delete event per sample of each kind (`events`);
//! - the book: the kind table, the sources and the output table, each kind page's property
//!   table, a page for a kind that has none, and the kinds in `SUMMARY.md` (`docs`).
//!
//! `cargo run -p xtask -- generate` writes what differs; `cargo run -p xtask -- check` writes
//! nothing and exits 1, naming each file that is out of date (scripts/test.sh runs it).

mod cdk;
mod docs;
mod events;
mod json;
mod region;
mod template;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A file as the generator leaves it: its path from the repository's root and its text, or
/// `None` for a file that must not exist (an event no sample makes any more).
pub struct Output {
    path: String,
    text: Option<String>,
}

impl Output {
    fn file(path: impl Into<String>, text: String) -> Output {
        Output {
            path: path.into(),
            text: Some(text),
        }
    }

    fn removed(path: impl Into<String>) -> Output {
        Output {
            path: path.into(),
            text: None,
        }
    }
}

/// The repository's root (this crate is `xtask/` in it).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent")
        .to_path_buf()
}

/// A file of the repository, as text.
pub fn read(root: &Path, path: &str) -> Result<String, String> {
    std::fs::read_to_string(root.join(path)).map_err(|e| format!("{path}: {e}"))
}

/// Every generated file, in the order they are written. The CDK policy is made from the
/// template as generated, so a check judges both against the registry at once.
fn outputs(root: &Path) -> Result<Vec<Output>, String> {
    let template = template::generate(&read(root, template::PATH)?)?;
    let cdk = cdk::generate(root, &template)?;
    let mut outputs = vec![
        Output::file(template::PATH, template),
        Output::file(cdk::PATH, cdk),
    ];
    outputs.extend(events::generate(root)?);
    outputs.extend(docs::generate(root)?);
    Ok(outputs)
}

/// What `output` would change on disk: None when the file is as generated.
fn change(root: &Path, output: &Output) -> Option<&'static str> {
    let current = std::fs::read_to_string(root.join(&output.path)).ok();
    match (&output.text, current) {
        (Some(text), Some(current)) if *text == current => None,
        (Some(_), Some(_)) => Some("out of date"),
        (Some(_), None) => Some("missing"),
        (None, Some(_)) => Some("not generated any more (remove it)"),
        (None, None) => None,
    }
}

const USAGE: &str = "usage: cargo run -p xtask -- generate | check
  generate  write every file the kinds' registry determines (only those that differ)
  check     write nothing; exit 1 naming each file that is out of date";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["generate"] => true,
        ["check"] => false,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = root();
    let outputs = match outputs(&root) {
        Ok(outputs) => outputs,
        Err(e) => {
            eprintln!("xtask: {e}");
            return ExitCode::from(2);
        }
    };
    let mut stale = 0;
    for output in &outputs {
        let Some(what) = change(&root, output) else {
            continue;
        };
        stale += 1;
        if !write {
            eprintln!("xtask: {}: {what}", output.path);
            continue;
        }
        let path = root.join(&output.path);
        let result = match &output.text {
            Some(text) => path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&path, text)),
            None => std::fs::remove_file(&path),
        };
        if let Err(e) = result {
            eprintln!("xtask: {}: {e}", output.path);
            return ExitCode::from(2);
        }
        let done = if output.text.is_some() {
            "wrote"
        } else {
            "removed"
        };
        eprintln!("xtask: {done} {}", output.path);
    }
    if write || stale == 0 {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "xtask: {stale} file(s) out of date with the kinds' registry: run `cargo run -p xtask -- generate`"
    );
    ExitCode::from(1)
}

/// `EcsAnywhere` → `ecs-anywhere`: a kind's or property's name in file names.
pub fn kebab(name: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if c.is_ascii_uppercase()
            && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
        {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::kebab;

    #[test]
    fn kebab_case() {
        assert_eq!(kebab("EcsAnywhere"), "ecs-anywhere");
        assert_eq!(kebab("KmsKeyArns"), "kms-key-arns");
        assert_eq!(kebab("Task"), "task");
    }
}
