//! Spec + the kinds' designs + where the stack lives → the IAM state this resource should own,
//! and the `Data` keys the stack gets back. Knows no kind by name: each kind's file says what it
//! needs (`crate::kinds`).

use crate::arn::Arn;
use crate::arns::PolicyArn;
use crate::handover;
use crate::identity::{generated_name, generated_name_after, StackEnv};
use crate::kinds::{documents::aws_managed_policy_arn, Design, DesignContext, Kind};
use crate::plan::{LINEAGE_TAG_KEY, OWNER_TAG_KEY};
use crate::spec::Spec;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A role this resource owns, as IAM should hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredRole {
    /// The kind that asks for it.
    pub kind: Kind,
    /// `RoleName`, or a generated name.
    pub name: String,
    /// The IAM path (`Path`).
    pub path: String,
    /// The role's ARN, known before the role exists.
    pub arn: String,
    /// The trust policy document: who may assume the role.
    pub trust: Value,
    /// AWS managed and this resource's customer-managed policy ARNs.
    pub managed_policy_arns: BTreeSet<String>,
    /// Inline policies by name, with their documents.
    pub inline_policies: BTreeMap<String, Value>,
    /// The permissions boundary's ARN (`PermissionsBoundary`), if any.
    pub permissions_boundary: Option<String>,
    /// The stack's `Tags` and this resource's bookkeeping tags: the owner tag, and for a
    /// replacement the lineage tag and the hand-over record.
    pub tags: BTreeMap<String, String>,
    /// The instance profile made with the role, holding exactly it.
    pub instance_profile: Option<DesiredInstanceProfile>,
}

/// An instance profile this resource owns, made with its role (`ContainerInstance`,
/// `ManagedInstances`).
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredInstanceProfile {
    /// `InstanceProfileName`, or the role's name.
    pub name: String,
    /// The IAM path (`Path`), as its role's.
    pub path: String,
    /// The instance profile's ARN.
    pub arn: String,
    /// The same tags as its role's.
    pub tags: BTreeMap<String, String>,
}

/// A service-linked role to make if missing; never changed, tagged or deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredServiceLinkedRole {
    /// The prefix of its output key.
    pub label: &'static str,
    /// `AWSServiceName`.
    pub service_name: &'static str,
    /// The name IAM gives it.
    pub role_name: &'static str,
    /// Its ARN, at the path IAM gives it (`/aws-service-role/<service>/`).
    pub arn: String,
}

/// A customer-managed policy this resource makes and attaches to its kind's role.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredPolicy {
    /// The kind whose role it is attached to.
    pub kind: Kind,
    /// `PolicyName`, or a generated name.
    pub name: String,
    /// The IAM path (`Path`).
    pub path: String,
    /// The policy's ARN, known before the policy exists.
    pub arn: String,
    /// The policy document.
    pub document: Value,
    /// The same tags as the roles'.
    pub tags: BTreeMap<String, String>,
}

/// Everything a spec asks this resource to own, and the service-linked roles it needs: what a plan
/// brings IAM to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DesiredState {
    /// The roles, in the registry's order of kinds.
    pub roles: Vec<DesiredRole>,
    /// The customer-managed policies, at most one per kind.
    pub policies: Vec<DesiredPolicy>,
    /// The service-linked roles `ServiceLinked` asks for, made when missing.
    pub service_linked: Vec<DesiredServiceLinkedRole>,
}

/// Everything needed to name things: the stack, the resource's logical id and its
/// PhysicalResourceId (the owner).
#[derive(Debug, Clone)]
pub struct Owner<'a> {
    /// Where the stack lives.
    pub env: &'a StackEnv,
    /// The resource's LogicalResourceId, part of every generated name.
    pub logical_id: &'a str,
    /// The PhysicalResourceId: the owner tag's value, and what generated names' suffixes derive
    /// from.
    pub physical_id: &'a str,
    /// The resource this one replaces, recorded on everything it owns for a rollback.
    pub replaces: Option<Replacing<'a>>,
}

/// The resource a replacement replaces: its PhysicalResourceId and its properties.
#[derive(Debug, Clone, Copy)]
pub struct Replacing<'a> {
    /// The replaced resource's PhysicalResourceId (the lineage tag's value).
    pub physical_id: &'a str,
    /// The replaced resource's `ResourceProperties` (the Update's old properties).
    pub properties: &'a Value,
}

impl<'a> Owner<'a> {
    /// The resource `logical_id` of the stack `env`, owner `physical_id`, replacing nothing.
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

/// The ARN of the role `name` at `path` in the stack's account.
pub fn role_arn(env: &StackEnv, path: &str, name: &str) -> String {
    iam_arn(env, "role", path, name)
}

/// The ARN of the customer-managed policy `name` at `path` in the stack's account.
pub fn policy_arn(env: &StackEnv, path: &str, name: &str) -> String {
    iam_arn(env, "policy", path, name)
}

/// The ARN of the instance profile `name` at `path` in the stack's account.
pub fn instance_profile_arn(env: &StackEnv, path: &str, name: &str) -> String {
    iam_arn(env, "instance-profile", path, name)
}

/// A service-linked role's ARN: IAM puts it at `/aws-service-role/<service>/`.
pub fn service_linked_role_arn(env: &StackEnv, service_name: &str, role_name: &str) -> String {
    let path = format!("/aws-service-role/{service_name}/");
    role_arn(env, &path, role_name)
}

/// The IAM state `spec` asks for, under `owner`: names generated where the properties give none,
/// ARNs in the stack's partition and account, and every role, policy and instance profile tagged
/// with its owner (and, for a replacement, with its lineage and the hand-over record).
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
    // (`ServiceLinked` makes no role of its own, so it has no name here.)
    let names: BTreeMap<Kind, String> = spec
        .roles
        .iter()
        .filter(|(kind, _)| kind.has_role())
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
            permissions_boundary: spec.permissions_boundary.as_ref().map(PolicyArn::to_string),
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
