//! Spec + catalog + where the stack lives → the IAM state this resource should own, and the
//! `Data` keys the stack gets back.

use crate::catalog::{self, Kind, StackEnv, Trust};
use crate::identity::generated_name;
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

pub fn role_arn(env: &StackEnv, path: &str, name: &str) -> String {
    format!(
        "arn:{}:iam::{}:role{path}{name}",
        env.partition, env.account
    )
}

pub fn policy_arn(env: &StackEnv, path: &str, name: &str) -> String {
    format!(
        "arn:{}:iam::{}:policy{path}{name}",
        env.partition, env.account
    )
}

pub fn build(spec: &Spec, owner: &Owner) -> DesiredState {
    let env = owner.env;
    let mut tags = spec.tags.clone();
    tags.insert(OWNER_TAG_KEY.to_string(), owner.physical_id.to_string());
    if let Some(replaced) = owner.replaces {
        tags.insert(LINEAGE_TAG_KEY.to_string(), replaced.to_string());
    }
    let managed =
        |path_and_name: &str| catalog::aws_managed_policy_arn(&env.partition, path_and_name);

    let generated = |label: &str| generated_name(env, owner.logical_id, owner.physical_id, label);

    let mut state = DesiredState::default();
    for (&kind, role) in &spec.roles {
        let name = role
            .role_name
            .clone()
            .unwrap_or_else(|| generated(kind.name()));
        let policy =
            catalog::customer_policy(kind, role.least_privilege).map(|(label, document)| {
                let policy_name = role.policy_name.clone().unwrap_or_else(|| generated(label));
                DesiredPolicy {
                    kind,
                    arn: policy_arn(env, &spec.path, &policy_name),
                    name: policy_name,
                    path: spec.path.clone(),
                    document,
                    tags: tags.clone(),
                }
            });

        let mut managed_policy_arns = BTreeSet::new();
        let mut inline_policies = BTreeMap::new();
        let trust = match kind {
            Kind::EcsAnywhere => {
                managed_policy_arns.insert(managed(catalog::SSM_MANAGED_INSTANCE_CORE));
                if policy.is_none() {
                    managed_policy_arns
                        .insert(managed(catalog::EC2_CONTAINER_SERVICE_FOR_EC2_ROLE));
                }
                catalog::ssm_trust()
            }
            Kind::TaskExecution => {
                managed_policy_arns.insert(managed(catalog::ECS_TASK_EXECUTION_ROLE_POLICY));
                catalog::ecs_tasks_trust()
            }
            Kind::Task => {
                let cluster = role.cluster_name.as_deref().expect("validated: required");
                inline_policies.insert(
                    catalog::TASK_INLINE_POLICY_NAME.to_string(),
                    catalog::task_exec_policy(env, cluster, role.least_privilege),
                );
                catalog::ecs_tasks_trust()
            }
            Kind::SsoManagement | Kind::ClusterAccess => Trust::Principal {
                arn: role
                    .trusted_principal_arn
                    .clone()
                    .expect("validated: required"),
                external_id: role.external_id.clone(),
            },
        };
        if let Some(policy) = &policy {
            managed_policy_arns.insert(policy.arn.clone());
        }
        state.roles.push(DesiredRole {
            kind,
            arn: role_arn(env, &spec.path, &name),
            name,
            path: spec.path.clone(),
            trust: catalog::trust_document(&trust, env, spec.restrict_trust_to_account),
            managed_policy_arns,
            inline_policies,
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
        let policy = state.policies.iter().find(|p| p.kind == kind);
        let region = || {
            spec.roles[&kind]
                .region
                .clone()
                .unwrap_or_else(|| env.region.clone())
        };
        match kind {
            Kind::EcsAnywhere | Kind::TaskExecution | Kind::Task => {
                data.insert(format!("{kind}RoleName"), role.name.clone());
            }
            Kind::SsoManagement => {
                data.insert("ssoRoleARN".into(), role.arn.clone());
                data.insert("ssoRegion".into(), region());
            }
            Kind::ClusterAccess => {
                data.insert("clusterAccessRoleArn".into(), role.arn.clone());
                data.insert("ecsRegion".into(), region());
            }
        }
        if let Some(policy) = policy {
            data.insert(format!("{kind}PolicyArn"), policy.arn.clone());
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::stack_env;
    use crate::spec;
    use serde_json::json;

    fn env() -> StackEnv {
        stack_env("arn:aws:cloudformation:eu-west-1:123456789012:stack/retail/guid").unwrap()
    }

    #[test]
    fn output_keys_are_exactly_the_contracts() {
        let env = env();
        let owner = Owner::new(&env, "EcsRoles", "retail-EcsRoles-abc");
        let principal = "arn:aws:iam::111122223333:role/granted-access-handler";
        let spec = spec::parse(&json!({"Roles": {
            "EcsAnywhere": {"LeastPrivilege": "true"},
            "TaskExecution": {},
            "Task": {"ClusterName": "c"},
            "SsoManagement": {"TrustedPrincipalArn": principal, "SsoRegion": "us-east-1"},
            "ClusterAccess": {"TrustedPrincipalArn": principal},
        }}))
        .unwrap();
        let state = build(&spec, &owner);
        let data = outputs(&spec, &state, &env);
        let keys: Vec<&str> = data.keys().map(String::as_str).collect();
        let mut expected = vec![
            "EcsAnywhereRoleArn",
            "EcsAnywhereRoleName",
            "EcsAnywherePolicyArn",
            "TaskExecutionRoleArn",
            "TaskExecutionRoleName",
            "TaskRoleArn",
            "TaskRoleName",
            "SsoManagementRoleArn",
            "SsoManagementPolicyArn",
            "ssoRoleARN",
            "ssoRegion",
            "ClusterAccessRoleArn",
            "ClusterAccessPolicyArn",
            "clusterAccessRoleArn",
            "ecsRegion",
        ];
        expected.sort();
        assert_eq!(keys, expected);
        assert_eq!(data["ssoRegion"], "us-east-1");
        assert_eq!(data["ecsRegion"], "eu-west-1");
        assert_eq!(data["ssoRoleARN"], data["SsoManagementRoleArn"]);
        assert!(data["ssoRoleARN"].starts_with("arn:aws:iam::123456789012:role/"));
        assert!(data["ClusterAccessPolicyArn"].starts_with("arn:aws:iam::123456789012:policy/"));
    }

    #[test]
    fn without_least_privilege_ecs_anywhere_has_no_policy_output() {
        let env = env();
        let owner = Owner::new(&env, "R", "p");
        let spec = spec::parse(&json!({"Roles": {"EcsAnywhere": {"RoleName": "ecsAnywhereRole"}}}))
            .unwrap();
        let state = build(&spec, &owner);
        assert!(state.policies.is_empty());
        let data = outputs(&spec, &state, &env);
        assert_eq!(data.len(), 2);
        assert_eq!(data["EcsAnywhereRoleName"], "ecsAnywhereRole");
        assert_eq!(
            data["EcsAnywhereRoleArn"],
            "arn:aws:iam::123456789012:role/ecsAnywhereRole"
        );
    }

    #[test]
    fn path_boundary_and_tags_reach_every_role_and_policy() {
        let env = env();
        let owner = Owner::new(&env, "R", "p");
        let spec = spec::parse(&json!({
            "Path": "/ecs/",
            "PermissionsBoundary": "arn:aws:iam::123456789012:policy/Boundary",
            "Tags": [{"Key": "team", "Value": "platform"}],
            "Roles": {"SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "PolicyName": "sso"}}
        }))
        .unwrap();
        let state = build(&spec, &owner);
        let role = &state.roles[0];
        assert_eq!(role.path, "/ecs/");
        assert!(role.arn.contains(":role/ecs/"));
        assert_eq!(
            role.permissions_boundary.as_deref(),
            Some("arn:aws:iam::123456789012:policy/Boundary")
        );
        assert_eq!(role.tags["team"], "platform");
        assert_eq!(role.tags[OWNER_TAG_KEY], "p");
        let policy = &state.policies[0];
        assert_eq!(policy.arn, "arn:aws:iam::123456789012:policy/ecs/sso");
        assert_eq!(policy.tags[OWNER_TAG_KEY], "p");
        assert!(role.managed_policy_arns.contains(&policy.arn));
    }
}
