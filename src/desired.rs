//! Spec + the kinds' designs + where the stack lives → the IAM state this resource should own,
//! and the `Data` keys the stack gets back. Knows no kind by name: each kind's file says what it
//! needs (`crate::kinds`).

use crate::arn::Arn;
use crate::identity::{generated_name, StackEnv};
use crate::kinds::{documents::aws_managed_policy_arn, Kind};
use crate::plan::{LINEAGE_TAG_KEY, OWNER_TAG_KEY};
use crate::spec::Spec;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq)]
pub struct DesiredRole {
    pub kind: Kind,
    pub name: String,
    pub path: String,
    pub arn: String,
    pub trust: Value,
    /// AWS managed and this resource's customer-managed policy ARNs.
    pub managed_policy_arns: BTreeSet<String>,
    pub inline_policies: BTreeMap<String, Value>,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DesiredPolicy {
    pub kind: Kind,
    pub name: String,
    pub path: String,
    pub arn: String,
    pub document: Value,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DesiredState {
    pub roles: Vec<DesiredRole>,
    pub policies: Vec<DesiredPolicy>,
}

/// Everything needed to name things: the stack, the resource's logical id and its
/// PhysicalResourceId (the owner).
#[derive(Debug, Clone)]
pub struct Owner<'a> {
    pub env: &'a StackEnv,
    pub logical_id: &'a str,
    pub physical_id: &'a str,
    /// The PhysicalResourceId this resource replaces, recorded for a rollback.
    pub replaces: Option<&'a str>,
}

impl<'a> Owner<'a> {
    pub fn new(env: &'a StackEnv, logical_id: &'a str, physical_id: &'a str) -> Owner<'a> {
        Owner {
            env,
            logical_id,
            physical_id,
            replaces: None,
        }
    }
}

fn iam_arn(env: &StackEnv, kind: &str, path: &str, name: &str) -> String {
    Arn::iam(&env.partition, &env.account, &format!("{kind}{path}{name}")).to_string()
}

pub fn role_arn(env: &StackEnv, path: &str, name: &str) -> String {
    iam_arn(env, "role", path, name)
}

pub fn policy_arn(env: &StackEnv, path: &str, name: &str) -> String {
    iam_arn(env, "policy", path, name)
}

pub fn build(spec: &Spec, owner: &Owner) -> DesiredState {
    let env = owner.env;
    let mut tags = spec.tags.clone();
    tags.insert(OWNER_TAG_KEY.to_string(), owner.physical_id.to_string());
    if let Some(replaced) = owner.replaces {
        tags.insert(LINEAGE_TAG_KEY.to_string(), replaced.to_string());
    }
    let generated = |label: &str| generated_name(env, owner.logical_id, owner.physical_id, label);

    let mut state = DesiredState::default();
    for (&kind, role) in &spec.roles {
        let design = role.kind.design(env);
        let name = role
            .role_name
            .clone()
            .unwrap_or_else(|| generated(kind.name()));
        let policy = design.customer_policy.map(|policy| {
            let name = policy.name.unwrap_or_else(|| generated(policy.label));
            DesiredPolicy {
                kind,
                arn: policy_arn(env, &spec.path, &name),
                name,
                path: spec.path.clone(),
                document: policy.document,
                tags: tags.clone(),
            }
        });
        let mut managed_policy_arns: BTreeSet<String> = design
            .aws_managed
            .iter()
            .map(|path_and_name| aws_managed_policy_arn(&env.partition, path_and_name))
            .collect();
        managed_policy_arns.extend(policy.as_ref().map(|p| p.arn.clone()));
        state.roles.push(DesiredRole {
            kind,
            arn: role_arn(env, &spec.path, &name),
            name,
            path: spec.path.clone(),
            trust: design.trust.document(env, spec.restrict_trust_to_account),
            managed_policy_arns,
            inline_policies: design.inline,
            permissions_boundary: spec.permissions_boundary.clone(),
            tags: tags.clone(),
        });
        state.policies.extend(policy);
    }
    state
}

/// The `Data` of a SUCCESS answer: exactly the contract's output keys for the kinds asked for.
pub fn outputs(spec: &Spec, state: &DesiredState, env: &StackEnv) -> BTreeMap<String, String> {
    let mut data = BTreeMap::new();
    for role in &state.roles {
        let kind = role.kind;
        data.insert(format!("{kind}RoleArn"), role.arn.clone());
        if kind.role_name_output() {
            data.insert(format!("{kind}RoleName"), role.name.clone());
        }
        if let Some(policy) = state.policies.iter().find(|p| p.kind == kind) {
            data.insert(format!("{kind}PolicyArn"), policy.arn.clone());
        }
        for (key, value) in spec.roles[&kind].kind.extra_outputs(&role.arn, env) {
            data.insert(key.to_string(), value);
        }
    }
    data
}
