//! `events/kinds/`: for each sample of each kind (`RoleKind::samples`), a Create, `NAME.json`,
//! and its Delete, `NAME.delete.json`, carrying the PhysicalResourceId that the Create answers
//! (`tests/it/events.rs` says how they are played).
//!
//! - `NAME` is the kind's name in kebab case for its first sample (`task-execution`), and for
//!   another sample that name and the first property whose value differs from the first
//!   sample's (`ecs-anywhere-least-privilege`); failing that, the sample's number.
//! - RequestIds count the samples in the registry's order: the Creates'
//!   `00000000-0000-4000-8000-000000000001`…, the Deletes' 100 further on. The resource's
//!   properties are the sample's alone; where a sample names nothing, the names are generated
//!   from the PhysicalResourceId, which the RequestId makes unique, so no two samples make a
//!   role, policy or instance profile of the same name (`tests/it/events.rs` checks it).
//! - A file of `events/kinds/` that no sample makes any more is removed.

use crate::json::{pretty, Node};
use crate::{kebab, Output};
use ecs_iam_roles_core::identity::{physical_id, stack_env};
use ecs_iam_roles_core::kinds::Kind;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const DIR: &str = "events/kinds";
const DELETE_SUFFIX: &str = ".delete.json";

/// The samples' stack, function and resource: create.json's.
const STACK_ID: &str = "arn:aws:cloudformation:eu-west-1:123456789012:stack/ecs-demo/8d2f6a40-9c1e-11ef-b864-0a1b2c3d4e5f";
const SERVICE_TOKEN: &str = "arn:aws:lambda:eu-west-1:123456789012:function:ecs-iam-roles";
const LOGICAL_ID: &str = "EcsRoles";
const RESOURCE_TYPE: &str = "Custom::EcsIamRoles";

/// A Delete's RequestId is its Create's number plus this.
const DELETE_OFFSET: usize = 100;

fn request_id(number: usize) -> String {
    format!("00000000-0000-4000-8000-{number:012}")
}

/// Every Create and Delete, and the removal of any other `.json` file in `events/kinds/`.
pub fn generate(root: &Path) -> Result<Vec<Output>, String> {
    let env = stack_env(STACK_ID)?;
    let mut outputs = vec![];
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut number = 0;
    for &kind in Kind::ALL {
        let samples = kind.samples();
        for (index, sample) in samples.iter().enumerate() {
            let name = sample_name(kind, &samples, index, &names)?;
            names.insert(name.clone());
            number += 1;
            if number >= DELETE_OFFSET {
                return Err(format!(
                    "{DIR}: more than {} samples: widen DELETE_OFFSET in xtask/src/events.rs",
                    DELETE_OFFSET - 1
                ));
            }
            let properties = || resource_properties(kind, sample);
            let create_id = request_id(number);
            let create = event("Create", &create_id, None, properties()?);
            let physical = physical_id(&env, STACK_ID, LOGICAL_ID, &create_id);
            let delete_id = request_id(number + DELETE_OFFSET);
            let delete = event("Delete", &delete_id, Some(&physical), properties()?);
            outputs.push(Output::file(format!("{DIR}/{name}.json"), pretty(&create)));
            outputs.push(Output::file(
                format!("{DIR}/{name}{DELETE_SUFFIX}"),
                pretty(&delete),
            ));
        }
    }
    let made: BTreeSet<String> = outputs.iter().map(|o| o.path.clone()).collect();
    let dir = std::fs::read_dir(root.join(DIR)).map_err(|e| format!("{DIR}: {e}"))?;
    for entry in dir {
        let file = entry.map_err(|e| format!("{DIR}: {e}"))?.file_name();
        let path = format!("{DIR}/{}", file.to_string_lossy());
        if path.ends_with(".json") && !made.contains(&path) {
            outputs.push(Output::removed(path));
        }
    }
    Ok(outputs)
}

/// The `NAME` of the sample `samples[index]` of `kind`, not among `taken` (regardless of case).
fn sample_name(
    kind: Kind,
    samples: &[Value],
    index: usize,
    taken: &BTreeSet<String>,
) -> Result<String, String> {
    let base = kebab(kind.name());
    let mut candidates = vec![];
    if index == 0 {
        candidates.push(base.clone());
    } else {
        let differs = kind
            .property_names()
            .into_iter()
            .find(|p| samples[index].get(p) != samples[0].get(p));
        if let Some(property) = differs {
            candidates.push(format!("{base}-{}", kebab(property)));
        }
        candidates.push(format!("{base}-{}", index + 1));
    }
    let free = |name: &String| !taken.iter().any(|t| t.eq_ignore_ascii_case(name));
    candidates.into_iter().find(free).ok_or_else(|| {
        format!(
            "{DIR}: no name for {kind}'s sample {}: {} is taken",
            index + 1,
            base
        )
    })
}

/// `{"ServiceToken": ..., "Roles": {kind: sample}}`, the sample's properties in the kind's
/// order (`Kind::property_names`).
fn resource_properties(kind: Kind, sample: &Value) -> Result<Node, String> {
    let object = sample
        .as_object()
        .ok_or_else(|| format!("{kind}: a sample is not an object: {sample}"))?;
    let order = kind.property_names();
    let mut keys: Vec<&String> = object.keys().collect();
    keys.sort_by_key(|k| order.iter().position(|p| p == k).unwrap_or(order.len()));
    let entries = keys
        .into_iter()
        .map(|k| (k.clone(), Node::Value(object[k].clone())))
        .collect();
    Ok(Node::Object(vec![
        ("ServiceToken".into(), Node::text(SERVICE_TOKEN)),
        (
            "Roles".into(),
            Node::Object(vec![(kind.name().into(), Node::Object(entries))]),
        ),
    ]))
}

/// A request as CloudFormation sends it, without a ResponseURL (the function then answers by
/// return value).
fn event(
    request_type: &str,
    request_id: &str,
    physical_id: Option<&str>,
    properties: Node,
) -> Node {
    let mut entries = vec![
        ("RequestType".into(), Node::text(request_type)),
        ("RequestId".into(), Node::text(request_id)),
        ("ServiceToken".into(), Node::text(SERVICE_TOKEN)),
        ("StackId".into(), Node::text(STACK_ID)),
        ("LogicalResourceId".into(), Node::text(LOGICAL_ID)),
        ("ResourceType".into(), Node::text(RESOURCE_TYPE)),
    ];
    if let Some(id) = physical_id {
        entries.push(("PhysicalResourceId".into(), Node::text(id)));
    }
    entries.push(("ResourceProperties".into(), properties));
    Node::Object(entries)
}
