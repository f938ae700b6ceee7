//! The SAM template's execution role agrees with the kinds' registry: it may attach exactly the
//! AWS managed policies the kinds use, and every IAM action the function calls is allowed; the
//! CDK example attaches exactly the template's policy. (Whether IAM allows each call is
//! tests/authz.rs's job.)

use ecs_iam_roles::iam::Action;
use ecs_iam_roles::kinds::aws_managed_policies;
use std::collections::BTreeSet;
use std::path::Path;

fn template() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("template.yaml")).unwrap()
}

#[test]
fn attachable_aws_managed_policies_are_the_kinds() {
    let text = template();
    let allowed: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("- !Sub arn:${AWS::Partition}:iam::aws:policy")
        })
        .collect();
    let expected: Vec<&str> = aws_managed_policies().into_iter().collect();
    let mut found: Vec<&str> = allowed.iter().copied().filter(|p| *p != "/*").collect();
    found.sort();
    assert_eq!(found, expected, "template.yaml's iam:PolicyARN list");
}

#[test]
fn every_iam_action_the_function_calls_is_allowed() {
    // Every IAM call takes an `Action`, and `Action::ALL` is generated with the type: a new call
    // cannot be missing here.
    let text = template();
    // Whole `iam:Name` words, so that allowing GetPolicyVersion does not pass for GetPolicy.
    let allowed: BTreeSet<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == ':'))
        .filter_map(|word| word.strip_prefix("iam:"))
        .collect();
    assert!(Action::ALL.len() >= 20, "{:?}", Action::ALL);
    for action in Action::ALL {
        assert!(
            allowed.contains(action.as_str()),
            "template.yaml does not allow iam:{action}"
        );
    }
}

#[test]
fn the_cdk_examples_policy_is_the_templates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("test-tools/authz/policy-fragment.mjs");
    assert!(
        root.join("test-tools/authz/node_modules/yaml").exists(),
        "run scripts/setup.sh (installs test-tools/authz/node_modules with npm ci)"
    );
    let out = std::process::Command::new("node")
        .arg(&script)
        .arg(root.join("template.yaml"))
        .output()
        .expect("node (a prerequisite, see the README)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_template: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let example: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("examples/cdk/execution-role-policy.json")).unwrap(),
    )
    .unwrap();
    assert!(
        from_template["Statement"].as_array().unwrap().len() >= 8,
        "{from_template}"
    );
    assert_eq!(
        example, from_template,
        "examples/cdk/execution-role-policy.json is out of date: regenerate it with \
         `cargo run -p xtask -- generate`"
    );
}

/// The alarm on FAILED answers counts the function's own "answered" lines (tests/answers.rs
/// checks that a FAILED answer logs exactly such a line, at INFO), and the log level cannot be
/// set above INFO, where Lambda would drop those lines.
#[test]
fn the_failed_answers_metric_filter_matches_the_answered_line() {
    let text = template();
    assert!(
        text.contains(r#"FilterPattern: '{ $.message = "answered" && $.status = "FAILED" }'"#),
        "template.yaml's FailedAnswersMetricFilter pattern changed: change tests/answers.rs with it"
    );
    assert!(
        text.contains("AllowedValues: [TRACE, DEBUG, INFO]"),
        "ApplicationLogLevel must not allow WARN or above: the answered lines are INFO"
    );
    assert!(
        !text.contains("AWS_LAMBDA_LOG_LEVEL:"),
        "Lambda sets AWS_LAMBDA_LOG_LEVEL from LoggingConfig.ApplicationLogLevel"
    );
}
