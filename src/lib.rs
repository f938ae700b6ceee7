//! ecs-iam-roles: a CloudFormation custom resource (`Custom::EcsIamRoles`) that creates the IAM
//! roles and policies Amazon ECS setups need.
//!
//! Where things are:
//! - [`kinds`]: the role kinds, one file each, and their registry;
//! - [`arn`]: ARNs taken apart and put together;
//! - [`spec`]: `ResourceProperties` checked and typed (every input error is found here);
//! - [`identity`]: stack environment, PhysicalResourceId and generated names;
//! - [`desired`]: the IAM state a spec asks for, and the output keys;
//! - [`handover`]: the replaced resource's properties, kept on what a replacement owns;
//! - [`plan`]: desired vs actual → IAM operations (pure);
//! - [`iam`]: the only place IAM is called;
//! - [`protocol`]: the event and the one answer PUT to the ResponseURL;
//! - [`lifecycle`]: Create, Update and Delete: read, plan, apply, and take back on failure;
//! - [`error`]: the one error a request fails with (its text is the Reason);
//! - [`handler`]: the guards around the lifecycle (deadline, panics) and the one answer;
//! - [`operator`]: the operator's settings (ManagedPath, required boundary, adoption, allowed
//!   kinds, trusted accounts) and the guardrails they set;
//! - [`stacks`]: whether a stack is rolling an update back (CloudFormation);
//! - [`account`]: the account and partition the function manages IAM in (STS);
//! - [`https`]: the AWS SDK's HTTPS client (rustls on ring, as reqwest's);
//! - [`order`]: the phase-ordering rule the execution role's policy needs, as a check;
//! - [`logs`]: the JSON log lines; [`metrics`]: the answered line's CloudWatch metrics (EMF).

// The pure core, re-exported under the paths the function (and its tests) have always used.
pub use ecs_iam_roles_core::{
    adoption, arn, desired, handover, iam_rules, identity, kinds, operator, order, plan, spec,
};

pub mod account;
pub mod error;
pub mod handler;
pub mod https;
pub mod iam;
pub mod lifecycle;
pub mod logs;
pub mod metrics;
pub mod protocol;
pub mod stacks;
