//! `--old`: two versions of an example. A statement added to a kind (TaskExecution.Secrets) is
//! one `+` line and an update in place; a RoleName change is a replacement, whose cleanup
//! deletes the old role; the same template twice changes nothing.

use super::support;

use serde_json::Value;

/// examples/retail-store.yaml with `from` replaced by `to` (which must be there).
fn retail_store_with(name: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(support::at("examples/retail-store.yaml")).unwrap();
    assert!(
        text.contains(from),
        "examples/retail-store.yaml no longer has {from:?}"
    );
    support::scratch(name, &text.replacen(from, to, 1))
}

const EXECUTION_ROLE: &str =
    "          RoleName: !Sub retailStoreECSTaskExecutionRole-${AWS::Region}\n";

fn with_secret() -> String {
    let secret = "          Secrets:\n            - !Sub arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:retail-store/db-AbCdEf\n";
    retail_store_with(
        "retail-store-secrets.yaml",
        EXECUTION_ROLE,
        &format!("{EXECUTION_ROLE}{secret}"),
    )
}

fn renamed() -> String {
    retail_store_with(
        "retail-store-renamed.yaml",
        "RoleName: !Sub retailStoreEcsTaskRole-${AWS::Region}",
        "RoleName: !Sub retailStoreTaskRole-${AWS::Region}",
    )
}

#[test]
fn a_secret_added_is_one_plus_line_in_place() {
    let old = support::at("examples/retail-store.yaml");
    let new = with_secret();
    let out = support::plan(&["plan", &new, "--old", &old, "--detailed-exitcode"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let signed: Vec<&str> = out
        .stdout
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with(['+', '-', '~']))
        .collect();
    assert_eq!(
        signed,
        ["+ inline policy TaskExecutionExtras {\"Action\":[\"secretsmanager:GetSecretValue\"],\"Effect\":\"Allow\",\"Resource\":[\"arn:aws:secretsmanager:us-east-1:123456789012:secret:retail-store/db-AbCdEf\"]}"],
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .starts_with("RetailStoreRoles (Custom::EcsIamRoles): update in place\n"),
        "{}",
        out.stdout
    );

    let json = support::plan(&["plan", &new, "--old", &old, "--format", "json"]);
    assert_eq!(
        json.code, 0,
        "without --detailed-exitcode, changes are success"
    );
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let resource = &report["resources"][0];
    assert_eq!(resource["replacement"], false);
    assert_eq!(resource["action"], "update");
    let changes = resource["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    let change = &changes[0];
    assert_eq!(change["op"], "add");
    assert_eq!(change["what"], "statement");
    assert_eq!(change["role"], "retailStoreECSTaskExecutionRole-us-east-1");
    assert_eq!(change["policy"], "TaskExecutionExtras");
    assert_eq!(
        change["value"]["Action"][0],
        "secretsmanager:GetSecretValue"
    );
    // The function's in-place plan: one PutRolePolicy.
    assert_eq!(
        resource["calls"],
        serde_json::json!(["Grant: PutRolePolicy role retailStoreECSTaskExecutionRole-us-east-1 (inline policy TaskExecutionExtras)"])
    );

    // Backwards: the statement goes, as one `-` line (the inline policy with it).
    let back = support::plan(&["plan", &old, "--old", &new]);
    let signed: Vec<&str> = back
        .stdout
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with(['+', '-', '~']))
        .collect();
    assert_eq!(signed.len(), 1, "{}", back.stdout);
    assert!(
        signed[0].starts_with("- inline policy TaskExecutionExtras {"),
        "{}",
        back.stdout
    );
}

#[test]
fn a_role_name_change_is_a_replacement_and_the_cleanup_deletes_the_old_role() {
    let old = support::at("examples/retail-store.yaml");
    let new = renamed();
    let out = support::plan(&["plan", &new, "--old", &old, "--detailed-exitcode"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.starts_with(
            "RetailStoreRoles (Custom::EcsIamRoles): REPLACEMENT (role retailStoreEcsTaskRole-us-east-1 is no longer wanted)\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("\n  + role retailStoreTaskRole-us-east-1 (Task)\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("  cleanup: CloudFormation's Delete of the replaced resource, after the stack update succeeds:\n    - role retailStoreEcsTaskRole-us-east-1 (Task)\n"),
        "{}",
        out.stdout
    );

    let json = support::plan(&["plan", &new, "--old", &old, "--format", "json"]);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let resource = &report["resources"][0];
    assert_eq!(resource["replacement"], true);
    assert_eq!(
        resource["replacementReasons"],
        serde_json::json!(["role retailStoreEcsTaskRole-us-east-1 is no longer wanted"])
    );
    let cleanup = resource["cleanup"].as_array().unwrap();
    assert_eq!(cleanup.len(), 1, "{cleanup:?}");
    assert_eq!(cleanup[0]["op"], "remove");
    assert_eq!(cleanup[0]["what"], "role");
    assert_eq!(
        cleanup[0]["value"]["name"],
        "retailStoreEcsTaskRole-us-east-1"
    );
    // The execution role keeps its name: handed over to the new resource, never deleted.
    let kept = "retailStoreECSTaskExecutionRole-us-east-1";
    assert!(
        !json.stdout.contains(&format!("DeleteRole role {kept}")),
        "{}",
        json.stdout
    );
    let roles: Vec<&str> = resource["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(roles, [kept, "retailStoreTaskRole-us-east-1"]);
}

#[test]
fn the_same_template_changes_nothing_and_a_new_or_removed_resource_is_all_plus_or_minus() {
    let old = support::at("examples/retail-store.yaml");
    let same = support::plan(&["plan", &old, "--old", &old, "--detailed-exitcode"]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    assert_eq!(
        same.stdout,
        "RetailStoreRoles (Custom::EcsIamRoles): no IAM change\n"
    );

    // A template without the resource: the stack update deletes it; everything is `-`.
    let without = support::scratch(
        "no-roles.yaml",
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
    );
    let gone = support::plan(&["plan", &without, "--old", &old, "--detailed-exitcode"]);
    assert_eq!(gone.code, 2, "{}", gone.stdout);
    assert!(
        gone.stdout
            .starts_with("RetailStoreRoles (Custom::EcsIamRoles): delete\n"),
        "{}",
        gone.stdout
    );
    assert!(
        gone.stdout
            .contains("  - role retailStoreEcsTaskRole-us-east-1 (Task)\n"),
        "{}",
        gone.stdout
    );
    assert!(
        !gone.stdout.lines().any(|l| l.trim_start().starts_with('+')),
        "{}",
        gone.stdout
    );

    // And the other way round: a resource the old template did not have is all `+`.
    let added = support::plan(&["plan", &old, "--old", &without, "--detailed-exitcode"]);
    assert_eq!(added.code, 2, "{}", added.stdout);
    assert!(
        added
            .stdout
            .starts_with("RetailStoreRoles (Custom::EcsIamRoles): create\n"),
        "{}",
        added.stdout
    );
    assert!(added.stdout.contains("+ managed policy arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"), "{}", added.stdout);
    assert!(
        !added
            .stdout
            .lines()
            .any(|l| l.trim_start().starts_with('-')),
        "{}",
        added.stdout
    );
}

#[test]
fn least_privilege_swaps_a_managed_policy_for_a_customer_policy_in_place() {
    let example = support::at("examples/ecs-anywhere.yaml");
    let out = support::plan(&[
        "plan",
        &example,
        "--old",
        &example,
        "--parameter",
        "LeastPrivilege=true",
        "--format",
        "json",
    ]);
    // --parameter applies to both templates: the same value, so nothing changes.
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["resources"][0]["changes"], serde_json::json!([]));

    let least = support::scratch(
        "ecs-anywhere-least.yaml",
        &std::fs::read_to_string(&example)
            .unwrap()
            .replace("Default: \"false\"", "Default: \"true\""),
    );
    let out = support::plan(&["plan", &least, "--old", &example]);
    let text = &out.stdout;
    assert!(
        text.starts_with("EcsAnywhereRoles (Custom::EcsIamRoles): update in place\n"),
        "{text}"
    );
    assert!(
        text.contains("  role stack-ecsAnywhereRole (EcsAnywhere)\n"),
        "{text}"
    );
    assert!(
        text.contains("    - managed policy arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role\n"),
        "{text}"
    );
    assert!(text.contains("    + customer policy "), "{text}");
    assert!(text.contains("\"ecs:RegisterContainerInstance\""), "{text}");
}
