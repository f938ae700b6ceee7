//! Golden tests: the documents each kind renders, compared with expected JSON written by hand
//! from the source documents (the ECS Anywhere workshop, the retail-store ECS workshop, Granted's
//! ECS access provider setup) and the Amazon ECS Developer Guide's IAM pages (tests/golden/*.json).
//! Array order matters: the documents are what those sources print, in their order.
//!
//! A file holds `stack`, `properties` and `expected`, which has `roles` (by name: `trust`,
//! `managed`, `inline`) and `policies` (by ARN), and where the properties ask for them
//! `instance_profiles` (by name: `arn`, `path`, `role`) and `service_linked` (by role name:
//! `AWSServiceName`, `arn`); absent sections are empty. An `outputs` section, when present, is
//! the exact `Data` of the answer. Generated names are written `GENERATED:<label>`, or
//! `GENERATED:<prefix>+<label>` for a kind whose generated names start with a prefix.

use ecs_iam_roles_core::desired::{build, outputs, Owner};
use ecs_iam_roles_core::identity::{generated_name_after, stack_env};
use ecs_iam_roles_core::spec;
use serde_json::{json, Map, Value};
use std::path::Path;

const LOGICAL_ID: &str = "EcsRoles";
const PHYSICAL_ID: &str = "golden-EcsRoles-000000000000";

fn check(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let case: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let env = case["stack"]
        .as_str()
        .and_then(|stack| stack_env(stack).ok())
        .unwrap_or_else(|| panic!("{file}: `stack` is not a StackId"));
    // Generated names are written as GENERATED:<label> (or GENERATED:<prefix>+<label>).
    let mut text = text.clone();
    let word_end = |text: &str, from: usize| {
        text[from..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(text.len(), |i| from + i)
    };
    while let Some(start) = text.find("GENERATED:") {
        let first_start = start + "GENERATED:".len();
        let first_end = word_end(&text, first_start);
        let (prefix, label, end) = if text[first_end..].starts_with('+') {
            let end = word_end(&text, first_end + 1);
            (
                &text[first_start..first_end],
                &text[first_end + 1..end],
                end,
            )
        } else {
            ("", &text[first_start..first_end], first_end)
        };
        let name = generated_name_after(prefix, &env, LOGICAL_ID, PHYSICAL_ID, label);
        text.replace_range(start..end, &name);
    }
    let mut case: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    for section in ["instance_profiles", "service_linked"] {
        if case["expected"].get(section).is_none() {
            case["expected"][section] = json!({});
        }
    }
    // Attached managed policies are a set: compare them sorted.
    for role in case["expected"]["roles"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        role["managed"]
            .as_array_mut()
            .unwrap()
            .sort_by_key(|v| v.to_string());
    }
    let spec = spec::parse(&case["properties"]).unwrap_or_else(|e| panic!("{file}: {e}"));
    let state = build(&spec, &Owner::new(&env, LOGICAL_ID, PHYSICAL_ID));

    let mut roles = Map::new();
    for role in &state.roles {
        roles.insert(
            role.name.clone(),
            json!({
                "trust": role.trust,
                "managed": role.managed_policy_arns.iter().collect::<Vec<_>>(),
                "inline": role.inline_policies,
            }),
        );
    }
    let policies: Map<String, Value> = state
        .policies
        .iter()
        .map(|p| (p.arn.clone(), p.document.clone()))
        .collect();
    let instance_profiles: Map<String, Value> = state
        .roles
        .iter()
        .filter_map(|role| {
            let profile = role.instance_profile.as_ref()?;
            let rendered = json!({"arn": profile.arn, "path": profile.path, "role": role.name});
            Some((profile.name.clone(), rendered))
        })
        .collect();
    let service_linked: Map<String, Value> = state
        .service_linked
        .iter()
        .map(|r| {
            let rendered = json!({"AWSServiceName": r.service_name, "arn": r.arn});
            (r.role_name.to_string(), rendered)
        })
        .collect();
    let rendered = json!({
        "roles": roles,
        "policies": policies,
        "instance_profiles": instance_profiles,
        "service_linked": service_linked,
    });
    let mut expected = case["expected"].clone();
    let expected_outputs = expected.as_object_mut().unwrap().remove("outputs");
    for (name, role) in expected["roles"].as_object().unwrap() {
        assert_eq!(
            &rendered["roles"][name], role,
            "{file}: role {name}\nrendered: {:#}",
            rendered["roles"][name]
        );
    }
    for (arn, document) in expected["policies"].as_object().unwrap() {
        assert_eq!(
            &rendered["policies"][arn], document,
            "{file}: policy {arn}\nrendered: {:#}",
            rendered["policies"][arn]
        );
    }
    for section in ["instance_profiles", "service_linked"] {
        assert_eq!(
            rendered[section], expected[section],
            "{file}: {section}\nrendered: {:#}",
            rendered[section]
        );
    }
    assert_eq!(
        rendered, expected,
        "{file}: extra roles or policies rendered"
    );
    if let Some(want) = expected_outputs {
        let data = json!(outputs(&spec, &state, &env));
        assert_eq!(data, want, "{file}: outputs\nrendered: {data:#}");
    }
}

/// Every file of tests/golden/, those the tests below name included: a new kind's golden file is
/// checked without a test of its own.
#[test]
fn every_golden_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    for file in &files {
        check(file);
        // scripts/worked-example.py looks for this line.
        println!("checked {file}");
    }
}

#[test]
fn all_five_kinds_as_documented() {
    check("all-five.json");
}

#[test]
fn least_privilege_and_the_sources_exact_trust() {
    check("least-privilege-source-trust.json");
}

#[test]
fn china_partition() {
    check("aws-cn.json");
}

#[test]
fn ecs_on_ec2_managed_instances_infrastructure_and_service_linked_roles() {
    check("ecs-on-ec2-and-managed-instances.json");
}

#[test]
fn blue_green_and_scheduled_tasks_with_task_execution_extras() {
    check("blue-green-and-scheduled-tasks.json");
}

#[test]
fn new_kinds_least_privilege_without_trust_conditions() {
    check("new-kinds-least-privilege.json");
}

#[test]
fn govcloud_partition_new_kinds() {
    check("aws-us-gov-new-kinds.json");
}

/// "Amazon ECS Managed Instances instance profile": the infrastructure policy passes only
/// `role/ecsInstanceRole*`, so a generated name must start with it (and still fit IAM's 64).
#[test]
fn a_generated_managed_instances_role_name_starts_with_ecs_instance_role() {
    let stack = format!(
        "arn:aws:cloudformation:eu-west-1:123456789012:stack/{}/guid",
        "s".repeat(128)
    );
    let env = stack_env(&stack).unwrap();
    let spec = spec::parse(&json!({"Roles": {"ManagedInstances": {}}})).unwrap();
    let state = build(&spec, &Owner::new(&env, &"L".repeat(255), PHYSICAL_ID));
    let name = &state.roles[0].name;
    assert!(name.starts_with("ecsInstanceRole"), "{name}");
    assert!(name.len() <= 64, "{name}");
    let data = outputs(&spec, &state, &env);
    assert_eq!(
        data["ManagedInstancesRoleArn"],
        format!("arn:aws:iam::123456789012:role/{name}")
    );
}

#[test]
fn granted_duplicate_action_is_emitted_once() {
    let document = ecs_iam_roles_core::kinds::sso_management::management_policy();
    let actions = document["Statement"][0]["Action"].as_array().unwrap();
    let count = actions
        .iter()
        .filter(|a| *a == "sso:CreateAccountAssignment")
        .count();
    assert_eq!(count, 1);
    assert_eq!(
        actions.len(),
        21,
        "Granted's ECS access provider setup lists 22 actions, one of them twice"
    );
}
