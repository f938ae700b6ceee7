//! `DeploymentHooks`: the role ECS assumes to invoke the Lambda functions of a blue/green
//! deployment's lifecycle hooks. Follows the Amazon ECS Developer Guide page "Permissions
//! required for Lambda functions in Amazon ECS blue/green deployments", scoped to exactly the
//! functions named.

use super::documents::{allow, policy};
use super::{Design, DesignContext, ListProperty, Property, RoleDesign, RoleKind, Trust};
use crate::arns::FunctionArn;
use serde_json::{json, Value};

/// The inline policy with `lambda:InvokeFunction`.
pub const INLINE_POLICY_NAME: &str = "InvokeHooks";

const FUNCTION_ARNS: ListProperty<FunctionArn> =
    Property::arn_list::<FunctionArn>("FunctionArns").required();

kind_properties! {
    /// `Roles.DeploymentHooks`'s properties, typed.
    pub struct DeploymentHooks {
        /// `FunctionArns`: the hook functions ECS may invoke, and the only ones.
        function_arns: Vec<FunctionArn> = list(FUNCTION_ARNS),
    }
}

impl RoleKind for DeploymentHooks {
    const NAME: &'static str = "DeploymentHooks";
    const SOURCE: &'static str = "Amazon ECS Developer Guide: \"Permissions required for Lambda functions in Amazon ECS blue/green deployments\"";
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[];

    fn design(&self, _cx: &DesignContext) -> Design {
        let mut role = RoleDesign::new(Trust::service("ecs.amazonaws.com"));
        role.inline.insert(
            INLINE_POLICY_NAME.to_string(),
            policy(vec![allow(
                &["lambda:InvokeFunction"],
                json!(self.function_arns),
            )]),
        );
        role.into()
    }

    fn samples() -> Vec<Value> {
        vec![json!({
            FUNCTION_ARNS.name: ["arn:aws:lambda:eu-west-1:123456789012:function:smoke-test"]
        })]
    }
}
