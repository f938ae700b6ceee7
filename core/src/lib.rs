//! The pure core of ecs-iam-roles: what a `Custom::EcsIamRoles` resource asks for and what IAM
//! must become, as data. No I/O and no async runtime here — the compiler keeps it so, since this
//! crate depends on neither tokio nor any AWS SDK crate; the function crate (the repository root)
//! reads IAM, executes the plan and answers CloudFormation.
//!
//! Where things are:
//! - [`kinds`]: the role kinds, one file each, and their registry;
//! - [`spec`]: `ResourceProperties` checked and typed (every input error is found here);
//! - [`operator`]: the operator's settings and the rules and guardrails they set;
//! - [`identity`]: stack environment, PhysicalResourceId and generated names;
//! - [`desired`]: the IAM state a spec asks for, and the output keys;
//! - [`plan`]: desired vs actual → IAM operations in ordered phases;
//! - [`order`]: the phase-ordering rule the execution role's policy needs, as a check;
//! - [`action`]: every IAM action the function calls, as a type;
//! - [`adoption`], [`handover`]: the records kept in tags (what adoption changed; what a
//!   replacement took over);
//! - [`iam_rules`]: IAM's rules for names, paths, tags and ARNs; [`arn`]: ARNs; [`arns`]: the
//!   ARNs the properties name, one type each.

#![warn(missing_docs, unreachable_pub)]

pub mod action;
pub mod adoption;
pub mod arn;
pub mod arns;
pub mod desired;
pub mod handover;
pub mod iam_rules;
pub mod identity;
pub mod kinds;
pub mod operator;
pub mod order;
pub mod plan;
pub mod spec;
