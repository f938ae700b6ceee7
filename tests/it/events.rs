//! The sample events in events/ are valid requests, and update/delete carry the
//! PhysicalResourceId that create.json's Create answers, so they play in sequence. Each Create
//! sample in events/kinds/ (`NAME.json`) has its Delete (`NAME.delete.json`) carrying the
//! PhysicalResourceId that Create answers, and no two samples make a role, policy or instance
//! profile of the same name or share a RequestId, so they play after create.json, in any order,
//! each Create followed by its Delete, without meeting each other's roles.

use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest as Request;
use ecs_iam_roles::desired::{build, Owner};
use ecs_iam_roles::identity::{physical_id, stack_env};
use ecs_iam_roles::protocol::parse_request;
use ecs_iam_roles::spec;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn event_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let mut files = vec![];
    for dir in [root.clone(), root.join("kinds")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn every_sample_event_parses_with_valid_properties() {
    let files = event_files();
    assert!(files.len() >= 9, "{files:?}");
    for path in files {
        let raw = read(&path);
        let request = parse_request(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let properties = match &request {
            Request::Create(r) => &r.resource_properties,
            Request::Update(r) => &r.resource_properties,
            Request::Delete(r) => &r.resource_properties,
            _ => unreachable!(),
        };
        spec::parse(properties).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            raw.get("ResponseURL").is_none(),
            "{}: samples answer by return value",
            path.display()
        );
    }
}

#[test]
fn update_and_delete_follow_create() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let create = read(&root.join("create.json"));
    let id = answered_id(&create);
    for name in ["update.json", "delete.json"] {
        let event = read(&root.join(name));
        assert_eq!(text(&event, "PhysicalResourceId"), id, "{name}");
        assert_eq!(event["StackId"], create["StackId"], "{name}");
    }
    let update = read(&root.join("update.json"));
    assert_eq!(
        update["OldResourceProperties"],
        create["ResourceProperties"]
    );
}

const DELETE_SUFFIX: &str = ".delete.json";

fn text(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} is not a string"))
        .to_string()
}

/// The PhysicalResourceId that `create`'s Create answers.
fn answered_id(create: &Value) -> String {
    let stack_id = text(create, "StackId");
    let env = stack_env(&stack_id).unwrap();
    physical_id(
        &env,
        &stack_id,
        &text(create, "LogicalResourceId"),
        &text(create, "RequestId"),
    )
}

/// The names of the Create samples in events/kinds/ (`NAME` of `NAME.json`) and of the Delete
/// samples (`NAME` of `NAME.delete.json`).
fn kinds_samples() -> (BTreeSet<String>, BTreeSet<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("events/kinds");
    let (mut creates, mut deletes) = (BTreeSet::new(), BTreeSet::new());
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        if let Some(name) = file.strip_suffix(DELETE_SUFFIX) {
            deletes.insert(name.to_string());
        } else if let Some(name) = file.strip_suffix(".json") {
            creates.insert(name.to_string());
        }
    }
    (creates, deletes)
}

fn kinds_file(name: &str, suffix: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("events/kinds")
        .join(format!("{name}{suffix}"))
}

#[test]
fn every_kinds_sample_has_its_delete() {
    let (creates, deletes) = kinds_samples();
    assert!(creates.len() >= 9, "{creates:?}");
    assert_eq!(
        deletes, creates,
        "every events/kinds/NAME.json has its NAME.delete.json, and every Delete its Create"
    );
    for name in &creates {
        let create = read(&kinds_file(name, ".json"));
        let delete = read(&kinds_file(name, DELETE_SUFFIX));
        assert_eq!(create["RequestType"], "Create", "{name}.json");
        assert_eq!(delete["RequestType"], "Delete", "{name}{DELETE_SUFFIX}");
        assert_eq!(
            text(&delete, "PhysicalResourceId"),
            answered_id(&create),
            "{name}{DELETE_SUFFIX} carries the PhysicalResourceId that {name}.json's Create answers"
        );
        for key in [
            "ServiceToken",
            "StackId",
            "LogicalResourceId",
            "ResourceType",
            "ResourceProperties",
        ] {
            assert_eq!(delete[key], create[key], "{name}{DELETE_SUFFIX}: {key}");
        }
    }
}

#[test]
fn no_two_samples_share_a_request_id() {
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for path in event_files() {
        let id = text(&read(&path), "RequestId");
        if let Some(first) = seen.insert(id.clone(), path.clone()) {
            panic!(
                "{} and {} share RequestId {id}",
                first.display(),
                path.display()
            );
        }
    }
}

/// IAM names are unique regardless of case, each within roles, policies and instance profiles:
/// no two Creates (create.json and every sample in events/kinds/) may make the same one, given or
/// generated, or one would answer "exists and is not owned by this resource". Service-linked
/// roles are the account's, shared on purpose and never deleted, so they are not counted.
#[test]
fn no_two_creates_make_the_same_role_policy_or_instance_profile() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let mut creates = vec![root.join("create.json")];
    let (names, _) = kinds_samples();
    creates.extend(names.iter().map(|name| kinds_file(name, ".json")));
    let mut seen: BTreeMap<(&str, String), PathBuf> = BTreeMap::new();
    for path in creates {
        let create = read(&path);
        let stack_id = text(&create, "StackId");
        let env = stack_env(&stack_id).unwrap();
        let logical_id = text(&create, "LogicalResourceId");
        let physical = answered_id(&create);
        let spec = spec::parse(&create["ResourceProperties"])
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let state = build(&spec, &Owner::new(&env, &logical_id, &physical));
        let mut made: Vec<(&str, String)> = vec![];
        for role in &state.roles {
            made.push(("role", role.name.clone()));
            if let Some(profile) = &role.instance_profile {
                made.push(("instance profile", profile.name.clone()));
            }
        }
        made.extend(state.policies.iter().map(|p| ("policy", p.name.clone())));
        for (what, name) in made {
            if let Some(first) = seen.insert((what, name.to_lowercase()), path.clone()) {
                panic!(
                    "{} and {} both make {what} {name} (IAM names are unique regardless of case)",
                    first.display(),
                    path.display()
                );
            }
        }
    }
}
