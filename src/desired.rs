//! Spec + the kinds' designs + where the stack lives → the IAM state this resource should own,
//! and the `Data` keys the stack gets back. Knows no kind by name: each kind's file says what it
//! needs (`crate::kinds`).

use crate::arn::Arn;
use crate::handover;
use crate::identity::{generated_name, generated_name_after, StackEnv};
use crate::kinds::{documents::aws_managed_policy_arn, Design, DesignContext, Kind};
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
    /// The instance profile made with the role, holding exactly it.
    pub instance_profile: Option<DesiredInstanceProfile>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DesiredInstanceProfile {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub tags: BTreeMap<String, String>,
}

/// A service-linked role to make if missing; never changed, tagged or deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredServiceLinkedRole {
    /// The prefix of its output key.
    pub label: &'static str,
    /// `AWSServiceName`.
    pub service_name: &'static str,
    pub role_name: &'static str,
    pub arn: String,
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
    pub service_linked: Vec<DesiredServiceLinkedRole>,
}

/// Everything needed to name things: the stack, the resource's logical id and its
/// PhysicalResourceId (the owner).
#[derive(Debug, Clone)]
pub struct Owner<'a> {
    pub env: &'a StackEnv,
    pub logical_id: &'a str,
    pub physical_id: &'a str,
    /// The resource this one replaces, recorded on everything it owns for a rollback.
    pub replaces: Option<Replacing<'a>>,
}

/// The resource a replacement replaces: its PhysicalResourceId and its properties.
#[derive(Debug, Clone, Copy)]
pub struct Replacing<'a> {
    pub physical_id: &'a str,
    /// The replaced resource's `ResourceProperties` (the Update's old properties).
    pub properties: &'a Value,
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

pub fn instance_profile_arn(env: &StackEnv, path: &str, name: &str) -> String {
    iam_arn(env, "instance-profile", path, name)
}

/// A service-linked role's ARN: IAM puts it at `/aws-service-role/<service>/`.
pub fn service_linked_role_arn(env: &StackEnv, service_name: &str, role_name: &str) -> String {
    let path = format!("/aws-service-role/{service_name}/");
    role_arn(env, &path, role_name)
}

pub fn build(spec: &Spec, owner: &Owner) -> DesiredState {
    let env = owner.env;
    let mut tags = spec.tags.clone();
    tags.insert(OWNER_TAG_KEY.to_string(), owner.physical_id.to_string());
    if let Some(replaced) = owner.replaces {
        tags.insert(
            LINEAGE_TAG_KEY.to_string(),
            replaced.physical_id.to_string(),
        );
        tags.extend(handover::to_tags(replaced.properties));
    }
    let generated = |label: &str| generated_name(env, owner.logical_id, owner.physical_id, label);
    // Every role's name first: a kind's design may name another kind's role (`Events`).
    let names: BTreeMap<Kind, String> = spec
        .roles
        .iter()
        .map(|(&kind, role)| {
            let name = role.role_name.clone().unwrap_or_else(|| {
                let prefix = kind.role_name_prefix();
                generated_name_after(
                    prefix,
                    env,
                    owner.logical_id,
                    owner.physical_id,
                    kind.name(),
                )
            });
            (kind, name)
        })
        .collect();
    let role_arns: BTreeMap<Kind, String> = names
        .iter()
        .map(|(&kind, name)| (kind, role_arn(env, &spec.path, name)))
        .collect();
    let cx = DesignContext {
        env,
        role_arns: &role_arns,
    };

    let mut state = DesiredState::default();
    for (&kind, role) in &spec.roles {
        let design = match role.kind.design(&cx) {
            Design::Role(design) => design,
            Design::ServiceLinked(roles) => {
                state
                    .service_linked
                    .extend(roles.into_iter().map(|r| DesiredServiceLinkedRole {
                        label: r.label,
                        service_name: r.service_name,
                        role_name: r.role_name,
                        arn: service_linked_role_arn(env, r.service_name, r.role_name),
                    }));
                continue;
            }
        };
        let name = names[&kind].clone();
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
        managed_policy_arns.extend(design.attached);
        let instance_profile = design.instance_profile.map(|profile| {
            let name = profile.name.unwrap_or_else(|| name.clone());
            DesiredInstanceProfile {
                arn: instance_profile_arn(env, &spec.path, &name),
                name,
                path: spec.path.clone(),
                tags: tags.clone(),
            }
        });
        state.roles.push(DesiredRole {
            kind,
            arn: role_arns[&kind].clone(),
            name,
            path: spec.path.clone(),
            trust: design.trust.document(env, spec.restrict_trust_to_account),
            managed_policy_arns,
            inline_policies: design.inline,
            permissions_boundary: spec.permissions_boundary.clone(),
            tags: tags.clone(),
            instance_profile,
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
        if let Some(profile) = &role.instance_profile {
            data.insert(format!("{kind}InstanceProfileArn"), profile.arn.clone());
            data.insert(format!("{kind}InstanceProfileName"), profile.name.clone());
        }
        for (key, value) in spec.roles[&kind].kind.extra_outputs(&role.arn, env) {
            data.insert(key.to_string(), value);
        }
    }
    for role in &state.service_linked {
        data.insert(
            format!("{}ServiceLinkedRoleArn", role.label),
            role.arn.clone(),
        );
    }
    data
}
