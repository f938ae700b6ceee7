//! The documented roles and policies, as data: one entry per role kind.
//!
//! Everything here comes from the seed documents (`shared/seeds/`), with the corrections the
//! contract asks for: placeholders filled from the stack's own partition/region/account, the
//! task role's `ecs:*` statement scoped to the named cluster, each action listed once, and the
//! confused-deputy conditions on service trust unless `RestrictTrustToAccount` is false.

use serde_json::{json, Value};
use std::fmt;

/// The five role kinds of the contract, in the order they appear there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    EcsAnywhere,
    TaskExecution,
    Task,
    SsoManagement,
    ClusterAccess,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::EcsAnywhere,
        Kind::TaskExecution,
        Kind::Task,
        Kind::SsoManagement,
        Kind::ClusterAccess,
    ];

    /// The property name under `Roles` and the prefix of the output keys.
    pub fn name(self) -> &'static str {
        match self {
            Kind::EcsAnywhere => "EcsAnywhere",
            Kind::TaskExecution => "TaskExecution",
            Kind::Task => "Task",
            Kind::SsoManagement => "SsoManagement",
            Kind::ClusterAccess => "ClusterAccess",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the stack lives: every ARN the catalog renders uses these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEnv {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub stack_name: String,
}

/// Who may assume a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// An AWS service principal, with the confused-deputy conditions when restricted.
    Service {
        service: &'static str,
        /// The service namespace used in the `aws:SourceArn` condition.
        source_arn_service: &'static str,
    },
    /// One IAM principal (Granted's access handler), optionally requiring an external id.
    Principal {
        arn: String,
        external_id: Option<String>,
    },
}

/// The managed policies each kind attaches, as paths below `arn:PARTITION:iam::aws:policy`.
pub const SSM_MANAGED_INSTANCE_CORE: &str = "/AmazonSSMManagedInstanceCore";
pub const EC2_CONTAINER_SERVICE_FOR_EC2_ROLE: &str =
    "/service-role/AmazonEC2ContainerServiceforEC2Role";
pub const ECS_TASK_EXECUTION_ROLE_POLICY: &str = "/service-role/AmazonECSTaskExecutionRolePolicy";

pub fn aws_managed_policy_arn(partition: &str, path_and_name: &str) -> String {
    format!("arn:{partition}:iam::aws:policy{path_and_name}")
}

/// Every AWS managed policy the catalog can attach: the SAM template lets the function attach
/// these and no other AWS managed policy (tests/template.rs checks the two agree).
pub const AWS_MANAGED_POLICIES: [&str; 3] = [
    SSM_MANAGED_INSTANCE_CORE,
    EC2_CONTAINER_SERVICE_FOR_EC2_ROLE,
    ECS_TASK_EXECUTION_ROLE_POLICY,
];

/// Seed 001's AmazonEC2ContainerServiceforEC2Role action list, less what an external instance's
/// agent never calls (`ecs:CreateCluster`, `ec2:DescribeTags`), as seed 002 advises.
pub const ECS_ANYWHERE_AGENT_ACTIONS: [&str; 13] = [
    "ecs:DeregisterContainerInstance",
    "ecs:DiscoverPollEndpoint",
    "ecs:Poll",
    "ecs:RegisterContainerInstance",
    "ecs:StartTelemetrySession",
    "ecs:UpdateContainerInstancesState",
    "ecs:Submit*",
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

/// Seed 000's SSO management action list, in the seed's order, with the duplicate
/// `sso:CreateAccountAssignment` listed once.
pub const SSO_MANAGEMENT_ACTIONS: [&str; 21] = [
    "sso:CreateAccountAssignment",
    "sso:DescribeAccountAssignmentDeletionStatus",
    "sso:DescribeAccountAssignmentCreationStatus",
    "sso:DescribePermissionSet",
    "sso:DeletePermissionSet",
    "sso:DeleteAccountAssignment",
    "sso:ListPermissionSets",
    "sso:ListTagsForResource",
    "sso:ListAccountAssignments",
    "organizations:ListAccounts",
    "organizations:DescribeAccount",
    "organizations:DescribeOrganization",
    "iam:GetSAMLProvider",
    "iam:GetRole",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "identitystore:ListUsers",
    "sso:CreatePermissionSet",
    "sso:PutInlinePolicyToPermissionSet",
    "iam:ListRoles",
    "iam:ListUsers",
];

/// Seed 000's cluster access policy.
pub const CLUSTER_ACCESS_ACTIONS: [&str; 3] = [
    "ecs:ListTasks",
    "ecs:DescribeTasks",
    "cloudtrail:LookupEvents",
];

/// Seed 004's ECS Exec channel actions (task role).
pub const ECS_EXEC_CHANNEL_ACTIONS: [&str; 4] = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// The name of the task role's inline policy.
pub const TASK_INLINE_POLICY_NAME: &str = "EcsExec";

/// The trust policy document for a role.
pub fn trust_document(trust: &Trust, env: &StackEnv, restrict_to_account: bool) -> Value {
    let statement = match trust {
        Trust::Service {
            service,
            source_arn_service,
        } => {
            let mut statement = json!({
                "Effect": "Allow",
                "Principal": { "Service": service },
                "Action": "sts:AssumeRole",
            });
            if restrict_to_account {
                // The confused-deputy guard AWS documents for service roles.
                statement["Condition"] = json!({
                    "StringEquals": { "aws:SourceAccount": env.account },
                    "ArnLike": {
                        "aws:SourceArn": format!(
                            "arn:{}:{}:{}:{}:*",
                            env.partition, source_arn_service, env.region, env.account
                        )
                    },
                });
            }
            statement
        }
        Trust::Principal { arn, external_id } => {
            let mut statement = json!({
                "Effect": "Allow",
                "Principal": { "AWS": arn },
                "Action": "sts:AssumeRole",
            });
            if let Some(external_id) = external_id {
                statement["Condition"] = json!({
                    "StringEquals": { "sts:ExternalId": external_id }
                });
            }
            statement
        }
    };
    json!({ "Version": "2012-10-17", "Statement": [statement] })
}

pub fn ssm_trust() -> Trust {
    Trust::Service {
        service: "ssm.amazonaws.com",
        source_arn_service: "ssm",
    }
}

pub fn ecs_tasks_trust() -> Trust {
    Trust::Service {
        service: "ecs-tasks.amazonaws.com",
        source_arn_service: "ecs",
    }
}

fn allow(actions: &[&str], resource: Value) -> Value {
    json!({ "Effect": "Allow", "Action": actions, "Resource": resource })
}

fn policy(statements: Vec<Value>) -> Value {
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The customer-managed policy that replaces AmazonEC2ContainerServiceforEC2Role under
/// `LeastPrivilege: true`.
pub fn ecs_anywhere_agent_policy() -> Value {
    policy(vec![allow(&ECS_ANYWHERE_AGENT_ACTIONS, json!("*"))])
}

/// Seed 004's ECS Exec inline policy, scoped to one cluster. With `least_privilege` only the
/// ssmmessages statement stays: ECS Exec needs no more from the task role.
pub fn task_exec_policy(env: &StackEnv, cluster: &str, least_privilege: bool) -> Value {
    let mut statements = vec![allow(&ECS_EXEC_CHANNEL_ACTIONS, json!("*"))];
    if !least_privilege {
        let prefix = format!("arn:{}:ecs:{}:{}", env.partition, env.region, env.account);
        statements.push(allow(
            &["ecs:ExecuteCommand", "ecs:DescribeTasks"],
            json!([
                format!("{prefix}:task/{cluster}/*"),
                format!("{prefix}:cluster/{cluster}"),
            ]),
        ));
    }
    policy(statements)
}

pub fn sso_management_policy() -> Value {
    policy(vec![allow(&SSO_MANAGEMENT_ACTIONS, json!("*"))])
}

pub fn cluster_access_policy() -> Value {
    policy(vec![allow(&CLUSTER_ACCESS_ACTIONS, json!("*"))])
}

/// The customer-managed policy a kind gets, if any: the label its generated name carries and
/// its document. EcsAnywhere has one only under `LeastPrivilege`, in place of
/// AmazonEC2ContainerServiceforEC2Role.
pub fn customer_policy(kind: Kind, least_privilege: bool) -> Option<(&'static str, Value)> {
    match kind {
        Kind::EcsAnywhere if least_privilege => {
            Some(("EcsAnywhereAgent", ecs_anywhere_agent_policy()))
        }
        Kind::SsoManagement => Some(("SsoManagement", sso_management_policy())),
        Kind::ClusterAccess => Some(("ClusterAccess", cluster_access_policy())),
        Kind::EcsAnywhere | Kind::TaskExecution | Kind::Task => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn action_lists_have_no_duplicates() {
        for list in [
            &SSO_MANAGEMENT_ACTIONS[..],
            &ECS_ANYWHERE_AGENT_ACTIONS[..],
            &CLUSTER_ACCESS_ACTIONS[..],
            &ECS_EXEC_CHANNEL_ACTIONS[..],
        ] {
            let unique: BTreeSet<_> = list.iter().collect();
            assert_eq!(unique.len(), list.len(), "{list:?}");
        }
    }

    #[test]
    fn least_privilege_agent_list_is_seed_001_minus_two() {
        assert!(!ECS_ANYWHERE_AGENT_ACTIONS.contains(&"ecs:CreateCluster"));
        assert!(!ECS_ANYWHERE_AGENT_ACTIONS.contains(&"ec2:DescribeTags"));
        assert!(ECS_ANYWHERE_AGENT_ACTIONS.contains(&"ecs:Submit*"));
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(Kind::from_name("task"), None);
    }
}
