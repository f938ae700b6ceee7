//! `examples/cdk/execution-role-policy.json`: the template's `manage-owned-iam` policy document
//! as CloudFormation JSON, made by `test-tools/authz/policy-fragment.mjs` from the template as
//! generated. The script, not a port: it is what `tests/it/template.rs` compares the file
//! with, and reading YAML with CloudFormation's tags in Rust would take a YAML crate (this
//! crate depends on the core and serde_json only) for a second reader of the same file.

use std::path::Path;
use std::process::Command;

pub const PATH: &str = "examples/cdk/execution-role-policy.json";

const SCRIPT: &str = "test-tools/authz/policy-fragment.mjs";

/// The policy of `template` (the text `template.yaml` has once generated).
pub fn generate(root: &Path, template: &str) -> Result<String, String> {
    if !root.join("test-tools/authz/node_modules/yaml").exists() {
        return Err(format!(
            "{PATH}: {SCRIPT} needs test-tools/authz/node_modules: run scripts/setup.sh"
        ));
    }
    // The script reads a file: template.yaml itself when it is as generated, else a copy of the
    // generated text outside the repository, so that a check writes nothing in it.
    let on_disk = std::fs::read_to_string(root.join(crate::template::PATH)).ok();
    let copy = (on_disk.as_deref() != Some(template))
        .then(|| std::env::temp_dir().join(format!("xtask-template-{}.yaml", std::process::id())));
    let file = match &copy {
        Some(copy) => {
            std::fs::write(copy, template).map_err(|e| format!("{}: {e}", copy.display()))?;
            copy.clone()
        }
        None => root.join(crate::template::PATH),
    };
    let out = Command::new("node")
        .arg(root.join(SCRIPT))
        .arg(&file)
        .output();
    if let Some(copy) = &copy {
        let _ = std::fs::remove_file(copy);
    }
    let out = out.map_err(|e| format!("{PATH}: node {SCRIPT}: {e} (node is a prerequisite)"))?;
    if !out.status.success() {
        return Err(format!(
            "{PATH}: node {SCRIPT} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("{PATH}: node {SCRIPT}: {e}"))
}
