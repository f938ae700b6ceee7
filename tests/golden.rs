//! Golden tests: the documents each kind renders, compared with expected JSON written by hand
//! from the seed documents (tests/golden/*.json). Array order matters: the documents are what
//! the seeds print, in the seeds' order.

use ecs_iam_roles::desired::{build, Owner};
use ecs_iam_roles::identity::{generated_name, stack_env};
use ecs_iam_roles::spec;
use serde_json::{json, Map, Value};
use std::path::Path;

const LOGICAL_ID: &str = "EcsRoles";
const PHYSICAL_ID: &str = "golden-EcsRoles-000000000000";

fn check(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let case: Value = serde_json::from_str(&text).unwrap();
    let env = stack_env(case["stack"].as_str().unwrap()).unwrap();
    // Generated names are written as GENERATED:<label> in the files.
    let mut text = text.clone();
    while let Some(start) = text.find("GENERATED:") {
        let label_start = start + "GENERATED:".len();
        let end = text[label_start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(text.len(), |i| label_start + i);
        let name = generated_name(&env, LOGICAL_ID, PHYSICAL_ID, &text[label_start..end]);
        text.replace_range(start..end, &name);
    }
    let mut case: Value = serde_json::from_str(&text).unwrap();
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
    let spec = spec::parse(&case["properties"]).unwrap();
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
    let rendered = json!({"roles": roles, "policies": policies});
    let expected = &case["expected"];
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
    assert_eq!(
        &rendered, expected,
        "{file}: extra roles or policies rendered"
    );
}

#[test]
fn all_five_kinds_as_documented() {
    check("all-five.json");
}

#[test]
fn least_privilege_and_the_seeds_exact_trust() {
    check("least-privilege-seed-trust.json");
}

#[test]
fn china_partition() {
    check("aws-cn.json");
}

#[test]
fn seed_000_duplicate_action_is_emitted_once() {
    let document = ecs_iam_roles::kinds::sso_management::management_policy();
    let actions = document["Statement"][0]["Action"].as_array().unwrap();
    let count = actions
        .iter()
        .filter(|a| *a == "sso:CreateAccountAssignment")
        .count();
    assert_eq!(count, 1);
    assert_eq!(
        actions.len(),
        21,
        "seed 000 lists 22 actions, one of them twice"
    );
}
