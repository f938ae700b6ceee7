//! What the two roles of Granted's ECS access provider (`SsoManagement`, `ClusterAccess`) share:
//! one IAM principal, the access handler, assumes them (with an ExternalId when set), each holds
//! one customer-managed policy, and Granted's configuration names the role ARN and a region.

use super::{CustomerPolicy, Facts, RoleDesign, Trust};
use crate::arns::PrincipalArn;
use crate::identity::StackEnv;
use serde_json::Value;

/// The properties of a role the access handler assumes, borrowed from the kind's typed
/// properties (each kind declares its own with `kind_properties!`, under its own region name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessHandlerRole<'a> {
    /// `TrustedPrincipalArn`: the access handler's role or user, the one principal the role trusts.
    pub trusted_principal_arn: &'a PrincipalArn,
    /// `ExternalId`: the `sts:ExternalId` the principal must send, if set.
    pub external_id: Option<&'a str>,
    /// `PolicyName` of the customer-managed policy; generated when absent.
    pub policy_name: Option<&'a str>,
    /// The region Granted's configuration names; default: the stack's.
    pub region: Option<&'a str>,
}

impl<'a> AccessHandlerRole<'a> {
    /// The facts others need: the trusted principal and `PolicyName`.
    pub fn facts(self) -> Facts<'a> {
        Facts {
            policy_name: self.policy_name,
            trusted_principal: Some(self.trusted_principal_arn),
            ..Facts::default()
        }
    }

    /// Trusted by the principal only; the customer-managed policy `document`, named
    /// `PolicyName` or generated with `label`.
    pub fn design(self, label: &'static str, document: Value) -> RoleDesign {
        let mut role = RoleDesign::new(Trust::Principal {
            arn: self.trusted_principal_arn.to_string(),
            external_id: self.external_id.map(str::to_string),
        });
        role.customer_policy = Some(CustomerPolicy {
            label,
            name: self.policy_name.map(str::to_string),
            document,
        });
        role
    }

    /// Granted's own configuration keys: the role ARN under `role_key`, the region under
    /// `region_key`.
    pub fn outputs(
        self,
        role_arn: &str,
        env: &StackEnv,
        [role_key, region_key]: [&'static str; 2],
    ) -> Vec<(&'static str, String)> {
        let region = self.region.unwrap_or(&env.region);
        vec![
            (role_key, role_arn.to_string()),
            (region_key, region.to_string()),
        ]
    }
}

/// Declares the typed properties of a kind whose role the access handler assumes, with
/// `$region` as its region property (`kind_properties!`), and `handler()`, their shared view.
macro_rules! access_handler_properties {
    ($(#[$meta:meta])* pub struct $name:ident { region: $region:expr }) => {
        kind_properties! {
            $(#[$meta])*
            pub struct $name {
                /// The access handler's role or user, the one principal the role trusts.
                trusted_principal_arn: $crate::arns::PrincipalArn =
                    required_text($crate::kinds::TRUSTED_PRINCIPAL_ARN),
                /// The `sts:ExternalId` the principal must send, if set.
                external_id: Option<String> = text($crate::kinds::EXTERNAL_ID),
                /// The customer-managed policy's name; generated when absent.
                policy_name: Option<String> = text($crate::kinds::POLICY_NAME),
                /// The region Granted's configuration names; default: the stack's.
                region: Option<String> = text($region),
            }
        }

        impl $name {
            fn handler(&self) -> $crate::kinds::access_handler::AccessHandlerRole<'_> {
                $crate::kinds::access_handler::AccessHandlerRole {
                    trusted_principal_arn: &self.trusted_principal_arn,
                    external_id: self.external_id.as_deref(),
                    policy_name: self.policy_name.as_deref(),
                    region: self.region.as_deref(),
                }
            }
        }
    };
}
pub(crate) use access_handler_properties;
