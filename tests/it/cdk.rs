//! The CDK example (examples/cdk) as it synthesizes: `scripts/cdk-synth.sh` runs the pinned CDK
//! CLI offline on the app (a placeholder asset, any network attempt an error), for the defaults
//! in cdk.json and for an operator's settings. The synthesized stack must deploy the function as
//! template.yaml does:
//! - the Rust function, provided.al2023 on arm64, with the template's settings as environment
//!   variables (adoption always explicit);
//! - its role rendering to exactly the template's role for the same settings (both rendered by
//!   the authorization test's checker, test-tools/authz/check.mjs), and the escalation table
//!   denied against it;
//! - custom resources whose ServiceToken is the function's ARN: no Provider framework.

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const BOUNDARY: &str = "arn:aws:iam::123456789012:policy/ecs-boundary";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The operator's settings: cdk.json context, and template.yaml's parameters of the same meaning.
struct Settings {
    name: &'static str,
    managed_path: &'static str,
    boundary: &'static str,
    allowed_kinds: &'static str,
    trusted_accounts: &'static str,
    allow_adoption: bool,
    log_retention: u64,
    /// `-c` overrides; empty for cdk.json's defaults.
    context: &'static [&'static str],
}

const DEFAULTS: Settings = Settings {
    name: "defaults",
    managed_path: "/",
    boundary: "",
    allowed_kinds: "",
    trusted_accounts: "",
    allow_adoption: false,
    log_retention: 30,
    context: &[],
};

const OPERATOR: Settings = Settings {
    name: "operator",
    managed_path: "/ecs-iam-roles/",
    boundary: BOUNDARY,
    allowed_kinds: "TaskExecution,Task",
    trusted_accounts: "444455556666",
    allow_adoption: true,
    log_retention: 90,
    context: &[
        "managedPath=/ecs-iam-roles/",
        "requiredPermissionsBoundaryArn=arn:aws:iam::123456789012:policy/ecs-boundary",
        "allowedKinds=TaskExecution,Task",
        "trustedPrincipalAccounts=444455556666",
        "allowAdoption=true",
        "logRetentionInDays=90",
    ],
};

fn installed() {
    assert!(
        root()
            .join("examples/cdk/node_modules/aws-cdk-lib")
            .exists()
            && root().join("examples/cdk/node_modules/.bin/cdk").exists(),
        "the CDK example's packages are not installed: run scripts/setup.sh (needs node and npm), \
         which runs `npm ci` in examples/cdk"
    );
    assert!(
        root()
            .join("test-tools/authz/node_modules/@cloud-copilot/iam-simulate")
            .exists(),
        "the IAM policy engine is not installed: run scripts/setup.sh, which runs `npm ci` in test-tools/authz"
    );
}

/// Run scripts/cdk-synth.sh into target/cdk/<out>; its output and whether it succeeded.
fn synth(out: &str, context: &[&str]) -> (PathBuf, String, bool) {
    installed();
    let dir = root().join("target/cdk").join(out);
    let _ = std::fs::remove_dir_all(&dir);
    let mut command = Command::new("bash");
    command.arg(root().join("scripts/cdk-synth.sh")).arg(&dir);
    for c in context {
        command.arg("-c").arg(c);
    }
    let output = command.output().expect("run bash");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (dir, text, output.status.success())
}

/// Run the authorization test's checker; its stdout, and whether it passed.
fn checker(template: &Path, args: &[String]) -> (String, bool) {
    let output = Command::new("node")
        .arg(root().join("test-tools/authz/check.mjs"))
        .arg("--template")
        .arg(template)
        .args(args)
        .output()
        .expect("run node (scripts/setup.sh names it as a prerequisite)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        eprintln!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    }
    (stdout, output.status.success())
}

fn of_type<'a>(template: &'a Value, ty: &str) -> Vec<(&'a String, &'a Value)> {
    template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

/// The environment variable names template.yaml gives the function.
fn template_variables() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    let mut lines = text.lines().skip_while(|l| l.trim() != "Variables:");
    let header = lines
        .next()
        .expect("template.yaml has Environment.Variables");
    let indent = |l: &str| l.len() - l.trim_start().len();
    let depth = indent(header);
    let mut names: Vec<String> = lines
        .take_while(|l| indent(l) > depth)
        .map(|l| l.trim().split(':').next().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn check(settings: &Settings) {
    let (dir, output, ok) = synth(settings.name, settings.context);
    assert!(ok, "cdk synth failed ({}):\n{output}", settings.name);
    let file = dir.join("EcsIamRoles.template.json");
    let template: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let resources = template["Resources"].as_object().unwrap();

    // Environment-agnostic: no account or region baked in, no lookups.
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["artifacts"]["EcsIamRoles"]["environment"],
        "aws://unknown-account/unknown-region"
    );
    assert!(
        !dir.join("cdk.context.json").exists()
            && !root().join("examples/cdk/cdk.context.json").exists()
    );

    // One function, the Rust one: no Provider framework (its onEvent/isComplete/onTimeout
    // functions, its state machine).
    let functions = of_type(&template, "AWS::Lambda::Function");
    assert_eq!(
        functions.len(),
        1,
        "{:?}",
        functions.iter().map(|f| f.0).collect::<Vec<_>>()
    );
    assert!(of_type(&template, "AWS::StepFunctions::StateMachine").is_empty());
    for id in resources.keys() {
        let lower = id.to_lowercase();
        assert!(
            !lower.contains("framework") && !lower.contains("provider"),
            "{id}: the Provider framework is not needed"
        );
    }
    let (function_id, function) = functions[0];
    let p = &function["Properties"];
    assert_eq!(p["Runtime"], "provided.al2023");
    assert_eq!(p["Architectures"], json!(["arm64"]));
    assert_eq!(p["Handler"], "bootstrap");
    assert_eq!(p["MemorySize"], 256);
    assert_eq!(p["Timeout"], 300);
    assert_eq!(p["Role"], json!({"Fn::GetAtt": ["FunctionRole", "Arn"]}));
    let variables = p["Environment"]["Variables"].as_object().unwrap();
    let mut names: Vec<String> = variables.keys().cloned().collect();
    names.sort();
    assert_eq!(
        names,
        template_variables(),
        "the function's environment variables are template.yaml's"
    );
    let expected: Map<String, Value> = [
        (
            "ECS_IAM_ROLES_ALLOW_ADOPTION",
            if settings.allow_adoption {
                "true"
            } else {
                "false"
            },
        ),
        ("ECS_IAM_ROLES_MANAGED_PATH", settings.managed_path),
        ("ECS_IAM_ROLES_REQUIRED_BOUNDARY", settings.boundary),
        ("ECS_IAM_ROLES_METRICS_NAMESPACE", "EcsIamRoles"),
        ("ECS_IAM_ROLES_ALLOWED_KINDS", settings.allowed_kinds),
        ("ECS_IAM_ROLES_TRUSTED_ACCOUNTS", settings.trusted_accounts),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), json!(v)))
    .collect();
    assert_eq!(variables, &expected);

    // Its log group, as template.yaml names it (the role's `logs` policy names it too).
    let (log_id, log_group) = of_type(&template, "AWS::Logs::LogGroup")[0];
    assert_eq!(p["LoggingConfig"]["LogGroup"], json!({"Ref": log_id}));
    assert_eq!(
        log_group["Properties"]["LogGroupName"],
        json!({"Fn::Sub": "/aws/lambda/${AWS::StackName}-ecs-iam-roles"})
    );
    assert_eq!(
        log_group["Properties"]["RetentionInDays"],
        settings.log_retention
    );

    // The custom resources use the function itself as their ServiceToken.
    let token = json!({"Fn::GetAtt": [function_id, "Arn"]});
    let custom: Vec<_> = resources
        .iter()
        .filter(|(_, r)| {
            let ty = r["Type"].as_str().unwrap();
            ty.starts_with("Custom::") || ty == "AWS::CloudFormation::CustomResource"
        })
        .collect();
    assert!(custom
        .iter()
        .any(|(_, r)| r["Type"] == "Custom::EcsIamRoles"));
    for (id, r) in &custom {
        assert_eq!(r["Properties"]["ServiceToken"], token, "{id}");
        let roles = &r["Properties"]["Roles"];
        assert!(roles["TaskExecution"].is_object() && roles["Task"].is_object());
        if settings.boundary.is_empty() {
            assert!(r["Properties"].get("PermissionsBoundary").is_none());
        } else {
            assert_eq!(r["Properties"]["PermissionsBoundary"], settings.boundary);
        }
    }
    assert_eq!(template["Outputs"]["ServiceToken"]["Value"], token);

    // The role: the template's trust, and nothing but inline policies.
    let role = &resources["FunctionRole"];
    assert_eq!(role["Type"], "AWS::IAM::Role");
    let mut keys: Vec<&String> = role["Properties"].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["AssumeRolePolicyDocument", "Policies"]);
    assert_eq!(
        role["Properties"]["AssumeRolePolicyDocument"],
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
            }]
        })
    );

    // Its policies as IAM receives them, rendered by the authorization test's checker, are
    // exactly template.yaml's for the same settings (also any AWS::IAM::Policy the CDK might have
    // attached to the role would show here).
    let mut params = vec![];
    let mut settings_args = vec![];
    for (name, value) in [
        ("ManagedPath", settings.managed_path),
        ("RequiredPermissionsBoundaryArn", settings.boundary),
    ] {
        params.extend(["--param".to_string(), format!("{name}={value}")]);
        settings_args.extend(["--setting".to_string(), format!("{name}={value}")]);
    }
    // Not in the role, but given anyway: the template renders the same role whatever they are.
    for (name, value) in [
        ("AllowedKinds", settings.allowed_kinds),
        ("TrustedPrincipalAccounts", settings.trusted_accounts),
    ] {
        params.extend(["--param".to_string(), format!("{name}={value}")]);
    }
    let render = |args: Vec<String>, template: &Path| -> Value {
        let (out, ok) = checker(template, &args);
        assert!(ok, "render {}", template.display());
        serde_json::from_str(&out).unwrap()
    };
    let from_cdk = render(vec!["--render".into()], &file);
    let mut args = vec!["--render".to_string()];
    args.extend(params);
    let from_template = render(args, &root().join("template.yaml"));
    let names: Vec<&str> = from_cdk
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "logs",
            "on-failure-destination",
            "read-stack-status",
            "manage-owned-iam"
        ]
    );
    assert_eq!(
        from_cdk, from_template,
        "the CDK function's role differs from template.yaml's FunctionRole ({})",
        settings.name
    );
    let statements = from_cdk[3]["policy"]["Statement"].as_array().unwrap();
    let sids: Vec<&str> = statements
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    assert!(sids.contains(&"ClaimUntagged") && sids.contains(&"AttachKindPolicies"));
    assert_eq!(
        sids.contains(&"RequireBoundary") && sids.contains(&"KeepBoundary"),
        !settings.boundary.is_empty(),
        "{sids:?}"
    );

    // The escalation table, against the synthesized role.
    let mut args = vec!["--escalations".to_string()];
    args.extend(settings_args);
    let (out, ok) = checker(&file, &args);
    let summary: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("escalations:") || l.starts_with("sanity:"))
        .collect();
    println!("cdk {}: {}", settings.name, summary.join("; "));
    assert!(ok, "{out}");
    assert!(
        summary.len() == 2
            && summary[0].ends_with(" 0 allowed")
            && summary[1].ends_with(" 0 denied"),
        "{out}"
    );
}

#[test]
fn the_cdk_example_deploys_the_templates_function_with_cdk_json_defaults() {
    check(&DEFAULTS);
}

#[test]
fn the_cdk_example_deploys_the_templates_function_with_an_operators_settings() {
    check(&OPERATOR);
}

/// Adoption is never left to a default, and a setting the template would refuse is refused at
/// synth time.
#[test]
fn the_cdk_example_refuses_settings_the_template_refuses() {
    let (_, output, ok) = synth("refused", &["allowAdoption=maybe"]);
    assert!(!ok);
    assert!(
        output.contains("context allowAdoption must be \"true\" or \"false\""),
        "{output}"
    );
    let (_, output, ok) = synth("refused", &["managedPath=ecs-iam-roles"]);
    assert!(!ok);
    assert!(output.contains("managedPath \"ecs-iam-roles\""), "{output}");
    // template.yaml's AllowedPattern: letters, commas and spaces (kind names are the function's
    // to check), and account ids or * alone.
    let (_, output, ok) = synth("refused", &["allowedKinds=TaskExecution;Task"]);
    assert!(!ok);
    assert!(
        output.contains("allowedKinds \"TaskExecution;Task\""),
        "{output}"
    );
    for accounts in ["444455556666,*", "arn:aws:iam::444455556666:root"] {
        let (_, output, ok) = synth(
            "refused",
            &[&format!("trustedPrincipalAccounts={accounts}")],
        );
        assert!(!ok);
        assert!(
            output.contains(&format!("trustedPrincipalAccounts \"{accounts}\"")),
            "{output}"
        );
    }
}
