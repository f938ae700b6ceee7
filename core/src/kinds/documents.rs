//! The building blocks of the kinds' documents: trust, policy statements, and what a kind's
//! design hands to `desired`.

use crate::arn::Arn;
use crate::identity::StackEnv;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What one kind asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Design {
    /// A role (with its policies and perhaps an instance profile) that this resource owns.
    Role(RoleDesign),
    /// Service-linked roles: made if missing, shared by the whole account, never changed.
    ServiceLinked(Vec<ServiceLinkedRole>),
}

impl From<RoleDesign> for Design {
    fn from(role: RoleDesign) -> Design {
        Design::Role(role)
    }
}

/// A service-linked role, as `iam:CreateServiceLinkedRole` makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLinkedRole {
    /// The prefix of its output key (`<label>ServiceLinkedRoleArn`).
    pub label: &'static str,
    /// `AWSServiceName`.
    pub service_name: &'static str,
    /// The name IAM gives it, at path `/aws-service-role/<service_name>/`.
    pub role_name: &'static str,
}

/// An instance profile made with the role, holding exactly the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfileDesign {
    /// `InstanceProfileName`; default: the role's name.
    pub name: Option<String>,
}

/// What one kind asks for, before names and the stack's tags, path and boundary are applied.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleDesign {
    /// Who may assume the role.
    pub trust: Trust,
    /// AWS managed policies to attach, as paths below `arn:PARTITION:iam::aws:policy`; each one
    /// of the kind's `AWS_MANAGED_POLICIES`.
    pub aws_managed: Vec<&'static str>,
    /// Inline policies by name.
    pub inline: BTreeMap<String, Value>,
    /// The customer-managed policy this resource makes and attaches, for kinds that have one.
    pub customer_policy: Option<CustomerPolicy>,
    /// Customer-managed policies of the stack's to attach, by ARN (`ManagedPolicyArns`): the
    /// stack owns them, so they are attached and detached, never made or deleted.
    pub attached: Vec<String>,
    /// The instance profile holding the role, for the kinds of EC2 instance roles.
    pub instance_profile: Option<InstanceProfileDesign>,
}

impl RoleDesign {
    /// A role with this trust and no permissions yet.
    pub fn new(trust: Trust) -> RoleDesign {
        RoleDesign {
            trust,
            aws_managed: vec![],
            inline: BTreeMap::new(),
            customer_policy: None,
            attached: vec![],
            instance_profile: None,
        }
    }
}

/// A customer-managed policy this resource makes for a role and attaches to it.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerPolicy {
    /// The label of its generated name.
    pub label: &'static str,
    /// The stack's `PolicyName`, if the kind takes one and it is set.
    pub name: Option<String>,
    /// The policy document.
    pub document: Value,
}

/// Who may assume a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// An AWS service principal, with the confused-deputy conditions when restricted and the
    /// service documents that it sends them.
    Service {
        /// The service principal, e.g. `ecs-tasks.amazonaws.com`.
        service: &'static str,
        /// The service namespace of the `aws:SourceArn` condition; None where the service's
        /// documentation does not say it sends `aws:SourceArn`/`aws:SourceAccount` when it
        /// assumes the role (a condition it does not satisfy would make the role unusable).
        source_arn_service: Option<&'static str>,
    },
    /// One IAM principal (Granted's access handler), optionally requiring an external id.
    Principal {
        /// The principal's ARN (`TrustedPrincipalArn`).
        arn: String,
        /// The `sts:ExternalId` it must send (`ExternalId`), if set.
        external_id: Option<String>,
    },
}

impl Trust {
    /// Systems Manager, for ECS Anywhere's hybrid activation role; the ECS Developer Guide's
    /// "ECS Anywhere IAM role" documents the confused-deputy conditions.
    pub fn ssm() -> Trust {
        Trust::Service {
            service: "ssm.amazonaws.com",
            source_arn_service: Some("ssm"),
        }
    }

    /// ECS tasks; the ECS Developer Guide's "Amazon ECS task IAM role" documents the
    /// confused-deputy conditions (`aws:SourceArn` `arn:PARTITION:ecs:REGION:ACCOUNT:*`).
    pub fn ecs_tasks() -> Trust {
        Trust::Service {
            service: "ecs-tasks.amazonaws.com",
            source_arn_service: Some("ecs"),
        }
    }

    /// A service whose documentation prints no confused-deputy condition for this role.
    pub fn service(service: &'static str) -> Trust {
        Trust::Service {
            service,
            source_arn_service: None,
        }
    }

    /// The trust policy document. `restrict_to_account` adds the confused-deputy conditions
    /// AWS documents for service roles (`RestrictTrustToAccount`).
    pub fn document(&self, env: &StackEnv, restrict_to_account: bool) -> Value {
        let statement = match self {
            Trust::Service {
                service,
                source_arn_service,
            } => {
                let mut statement = json!({
                    "Effect": "Allow",
                    "Principal": { "Service": service },
                    "Action": "sts:AssumeRole",
                });
                if let Some(source_arn_service) = source_arn_service.filter(|_| restrict_to_account)
                {
                    let source = Arn {
                        partition: &env.partition,
                        service: source_arn_service,
                        region: &env.region,
                        account: &env.account,
                        resource: "*",
                    };
                    statement["Condition"] = json!({
                        "StringEquals": { "aws:SourceAccount": env.account },
                        "ArnLike": { "aws:SourceArn": source.to_string() },
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
}

/// An Allow statement.
pub fn allow(actions: &[&str], resource: Value) -> Value {
    json!({ "Effect": "Allow", "Action": actions, "Resource": resource })
}

/// A policy document of these statements.
pub fn policy(statements: Vec<Value>) -> Value {
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// `arn:PARTITION:iam::aws:policy` + `path_and_name` (which starts with `/`).
pub fn aws_managed_policy_arn(partition: &str, path_and_name: &str) -> String {
    Arn::iam(partition, "aws", &format!("policy{path_and_name}")).to_string()
}
