//! The ARNs the properties name, typed: one newtype per kind of ARN, made only by the property
//! reader once the text has passed the type's check (its shape) and the stack's partition, so
//! a policy ARN cannot be passed where a principal is meant, and `parts` needs no Option.

use crate::arn::Arn;
use crate::iam_rules::{
    check_kms_key_arn, check_lambda_function_arn, check_policy_arn, check_principal_arn,
    check_role_arn, check_s3_object_arn, check_secret_or_parameter_arn,
};
use crate::kinds::{ArnType, Check, PropertyValue};
use serde_json::Value;
use std::fmt;

/// A value the property reader makes from text that passed the property's check.
pub(crate) trait FromChecked {
    /// `text`, which passed the property's check.
    fn from_checked(text: String) -> Self;
}

impl FromChecked for String {
    fn from_checked(text: String) -> Self {
        text
    }
}

macro_rules! checked_arns {
    ($( $(#[$meta:meta])* $name:ident => $check:path ),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The ARN as it was given.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Its six parts.
            pub fn parts(&self) -> Arn<'_> {
                Arn::parse(&self.0).expect("the property reader made it from a parsed ARN")
            }
        }

        impl ArnType for $name {
            const CHECK: Check = $check;
        }

        impl FromChecked for $name {
            fn from_checked(text: String) -> Self {
                debug_assert!(
                    $check(&text).is_ok() && Arn::parse(&text).is_some(),
                    concat!("{:?} was read as a ", stringify!($name), " without its check"),
                    text
                );
                $name(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl PropertyValue for $name {
            fn property_value(&self) -> Value {
                Value::from(self.0.as_str())
            }
        }
    )+};
}

checked_arns! {
    /// An IAM policy ARN, of the account's or AWS's (`ManagedPolicyArns`, `PermissionsBoundary`).
    PolicyArn => check_policy_arn,
    /// One IAM role or user (`TrustedPrincipalArn`).
    PrincipalArn => check_principal_arn,
    /// One IAM role (`PassRoleArns`).
    RoleArn => check_role_arn,
    /// A Secrets Manager secret or an SSM parameter (`Secrets`).
    SecretOrParameterArn => check_secret_or_parameter_arn,
    /// A KMS key (`KmsKeyArns`).
    KmsKeyArn => check_kms_key_arn,
    /// An S3 object (`EnvironmentFiles`).
    S3ObjectArn => check_s3_object_arn,
    /// A Lambda function, perhaps qualified by a version or alias (`FunctionArns`).
    FunctionArn => check_lambda_function_arn,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checked_arn_is_its_text_and_its_parts() {
        let arn = PolicyArn::from_checked("arn:aws:iam::123456789012:policy/app/p".into());
        assert_eq!(arn.as_str(), "arn:aws:iam::123456789012:policy/app/p");
        assert_eq!(arn.parts().resource, "policy/app/p");
        assert_eq!(
            serde_json::to_value([&arn]).unwrap(),
            serde_json::json!(["arn:aws:iam::123456789012:policy/app/p"])
        );
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "without its check")]
    fn text_that_fails_the_types_check_is_caught_in_debug_builds() {
        PrincipalArn::from_checked("arn:aws:iam::123456789012:policy/p".into());
    }
}
