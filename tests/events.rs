//! The sample events in events/ are valid requests, and update/delete carry the
//! PhysicalResourceId that create.json's Create answers, so they play in sequence.

use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest as Request;
use ecs_iam_roles::identity::{physical_id, stack_env};
use ecs_iam_roles::protocol::parse_request;
use ecs_iam_roles::spec;
use serde_json::Value;
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
    let text = |v: &Value, k: &str| v[k].as_str().unwrap().to_string();
    let env = stack_env(&text(&create, "StackId")).unwrap();
    let id = physical_id(
        &env,
        &text(&create, "StackId"),
        &text(&create, "LogicalResourceId"),
        &text(&create, "RequestId"),
    );
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
