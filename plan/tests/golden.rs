//! Golden outputs: `ecs-iam-roles plan` of every example with a Custom::EcsIamRoles resource,
//! in the text and the JSON format, compared with plan/tests/golden/<example>.{txt,json}.
//! `UPDATE_GOLDEN=1 cargo test -p ecs-iam-roles-plan golden` writes them anew (read the
//! diff before committing it: the golden files are what the function makes of the examples).

use super::support;

use serde_json::Value;
use std::path::PathBuf;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compare with the golden file, or write it under UPDATE_GOLDEN=1.
fn check(name: &str, actual: &str) -> Option<String> {
    let path = golden(name);
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to write it",
            path.display()
        )
    });
    (expected != actual).then(|| {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        format!(
            "{name} differs from the golden file at line {}:\n  golden: {:?}\n  actual: {:?}",
            first + 1,
            expected.lines().nth(first).unwrap_or("(end)"),
            actual.lines().nth(first).unwrap_or("(end)")
        )
    })
}

#[test]
fn every_example_matches_its_golden_text_and_json() {
    let examples = support::examples();
    assert!(
        examples.len() >= 7,
        "the examples with a Custom::EcsIamRoles: {examples:?}"
    );
    let mut failures = vec![];
    for (stem, path) in &examples {
        let text = support::plan(&["plan", path]);
        assert_eq!(text.code, 0, "{stem}: {}{}", text.stdout, text.stderr);
        failures.extend(check(&format!("{stem}.txt"), &text.stdout));

        let json = support::plan(&["plan", path, "--format", "json"]);
        assert_eq!(json.code, 0, "{stem}: {}", json.stderr);
        // One compact line; the golden file holds it pretty-printed for review.
        let value: Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(
            json.stdout,
            format!("{value}\n"),
            "{stem}: one compact line"
        );
        let pretty = format!("{}\n", serde_json::to_string_pretty(&value).unwrap());
        failures.extend(check(&format!("{stem}.json"), &pretty));
    }
    // No golden file of an example that is gone.
    for entry in std::fs::read_dir(golden("")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(&name);
        if !examples.iter().any(|(s, _)| s == stem) {
            failures.push(format!("golden file {name} has no example"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_documents_are_the_functions_own_values() {
    // The quick start's Task role: the JSON carries the trust and inline policy documents as
    // the function builds them (desired::build), byte for byte when serialized.
    use ecs_iam_roles::desired::{self, Owner};
    use ecs_iam_roles::identity;
    let out = support::plan(&[
        "plan",
        &support::at("examples/quick-start.yaml"),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let stack_id = "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/00000000-0000-0000-0000-000000000000";
    let env = identity::stack_env(stack_id).unwrap();
    let id = identity::physical_id(&env, stack_id, "EcsRoles", "ecs-iam-roles-plan");
    let properties = serde_json::json!({
        "ServiceToken": "token",
        "Tags": [{"Key": "team", "Value": "platform"}],
        "Roles": {
            "EcsAnywhere": {"LeastPrivilege": "false"},
            "TaskExecution": {},
            "Task": {"ClusterName": "retail-store-ecs-cluster", "LeastPrivilege": "false"},
        }
    });
    let spec = ecs_iam_roles::spec::parse(&properties).unwrap();
    let state = desired::build(&spec, &Owner::new(&env, "EcsRoles", &id));
    let roles = report["resources"][0]["roles"].as_array().unwrap();
    assert_eq!(roles.len(), state.roles.len());
    for (shown, role) in roles.iter().zip(&state.roles) {
        assert_eq!(shown["name"], role.name.as_str());
        assert_eq!(shown["trust"].to_string(), role.trust.to_string());
        for (name, document) in &role.inline_policies {
            assert_eq!(
                shown["inlinePolicies"][name].to_string(),
                document.to_string()
            );
        }
    }
    let text = support::plan(&["plan", &support::at("examples/quick-start.yaml")]).stdout;
    let task = state
        .roles
        .iter()
        .find(|r| r.kind.name() == "Task")
        .unwrap();
    for statement in task.inline_policies["EcsExec"]["Statement"]
        .as_array()
        .unwrap()
    {
        let line = format!("    inline policy EcsExec {statement}");
        assert!(text.lines().any(|l| l == line), "{line}\n{text}");
    }
}
