//! What the operator decided when deploying the function (template.yaml's parameters, passed as
//! environment variables), and the checks they impose on every stack's properties before any
//! IAM call. The execution role enforces the same rules in IAM; these checks turn IAM's
//! AccessDenied into a Reason that names the property to change.

use crate::iam_rules::{check_path, check_policy_arn};
use crate::spec::{PropertyError, Spec, SpecError};

/// `true` lets stacks set `AdoptExisting`; anything else (also a missing variable) does not.
pub const ALLOW_ADOPTION_ENV: &str = "ECS_IAM_ROLES_ALLOW_ADOPTION";
/// The IAM path everything the function creates, changes or deletes lies under.
pub const MANAGED_PATH_ENV: &str = "ECS_IAM_ROLES_MANAGED_PATH";
/// The permissions boundary every role must carry (empty or missing: none required).
pub const REQUIRED_BOUNDARY_ENV: &str = "ECS_IAM_ROLES_REQUIRED_BOUNDARY";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Whether stacks may set `AdoptExisting: true` (adoption lets a stack take over an
    /// untagged role, so it is off unless the operator turns it on).
    pub allow_adoption: bool,
    /// `ManagedPath`: the default `Path`, and the path every stack's `Path` must lie under.
    pub managed_path: String,
    /// `RequiredPermissionsBoundaryArn`.
    pub required_boundary: Option<String>,
}

impl Default for Operator {
    fn default() -> Operator {
        Operator {
            allow_adoption: false,
            managed_path: "/".to_string(),
            required_boundary: None,
        }
    }
}

impl Operator {
    /// The settings from environment variables as `lookup` finds them; an invalid value is an
    /// error that names the variable (every request then fails with it).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Operator, String> {
        let managed_path = lookup(MANAGED_PATH_ENV)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "/".to_string());
        check_path(&managed_path).map_err(|e| {
            format!("the function is misconfigured: {MANAGED_PATH_ENV} (ManagedPath) {e}")
        })?;
        let required_boundary = lookup(REQUIRED_BOUNDARY_ENV).filter(|v| !v.is_empty());
        if let Some(arn) = &required_boundary {
            check_policy_arn(arn).map_err(|e| {
                format!("the function is misconfigured: {REQUIRED_BOUNDARY_ENV} (RequiredPermissionsBoundaryArn) {e}")
            })?;
        }
        Ok(Operator {
            allow_adoption: lookup(ALLOW_ADOPTION_ENV).as_deref() == Some("true"),
            managed_path,
            required_boundary,
        })
    }

    pub fn from_env() -> Result<Operator, String> {
        Operator::from_lookup(|name| std::env::var(name).ok())
    }

    /// The operator's rules for the properties of a Create or Update: all violations at once,
    /// each naming the property.
    pub fn check(&self, spec: &Spec) -> Result<(), SpecError> {
        let mut errors = vec![];
        if !spec.path.starts_with(&self.managed_path) {
            errors.push(PropertyError {
                property: crate::spec::PATH.into(),
                message: format!(
                    "{:?} is outside {:?}, the only path this function manages (its ManagedPath); use {:?} or a path under it",
                    spec.path, self.managed_path, self.managed_path
                ),
            });
        }
        if let Some(required) = &self.required_boundary {
            if spec.permissions_boundary.as_deref() != Some(required.as_str()) {
                errors.push(PropertyError {
                    property: "PermissionsBoundary".into(),
                    message: format!(
                        "must be {required}: the function was deployed with RequiredPermissionsBoundaryArn, and IAM refuses it any role without exactly that boundary"
                    ),
                });
            }
        }
        if spec.adopt_existing && !self.allow_adoption {
            errors.push(PropertyError {
                property: "AdoptExisting".into(),
                message: "adoption is turned off for this function (deployed with AllowAdoption=false); remove AdoptExisting or redeploy the function with AllowAdoption=true".into(),
            });
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SpecError { errors })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Kind;
    use serde_json::json;

    fn operator(vars: &[(&str, &str)]) -> Result<Operator, String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Operator::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn adoption_is_on_only_for_exactly_true() {
        assert!(
            operator(&[(ALLOW_ADOPTION_ENV, "true")])
                .unwrap()
                .allow_adoption
        );
        for off in ["", "false", "False", "TRUE", "0", "1", "yes", " true"] {
            assert!(
                !operator(&[(ALLOW_ADOPTION_ENV, off)])
                    .unwrap()
                    .allow_adoption,
                "{off:?}"
            );
        }
        assert!(!operator(&[]).unwrap().allow_adoption, "missing means off");
    }

    #[test]
    fn defaults_and_bad_settings() {
        assert_eq!(operator(&[]).unwrap(), Operator::default());
        assert_eq!(
            operator(&[(MANAGED_PATH_ENV, ""), (REQUIRED_BOUNDARY_ENV, "")]).unwrap(),
            Operator::default()
        );
        let err = operator(&[(MANAGED_PATH_ENV, "ecs")]).unwrap_err();
        assert!(err.contains("ManagedPath"), "{err}");
        let err = operator(&[(REQUIRED_BOUNDARY_ENV, "Boundary")]).unwrap_err();
        assert!(err.contains("RequiredPermissionsBoundaryArn"), "{err}");
    }

    #[test]
    fn path_boundary_and_adoption_are_checked_together() {
        let op = operator(&[
            (MANAGED_PATH_ENV, "/ecs-iam-roles/"),
            (
                REQUIRED_BOUNDARY_ENV,
                "arn:aws:iam::123456789012:policy/Boundary",
            ),
        ])
        .unwrap();
        let spec = crate::spec::parse(
            &json!({"Path": "/other/", "AdoptExisting": "true", "Roles": {Kind::TaskExecution.name(): {}}}),
        )
        .unwrap();
        let err = op.check(&spec).unwrap_err();
        let properties: Vec<&str> = err.errors.iter().map(|e| e.property.as_str()).collect();
        assert_eq!(properties, ["Path", "PermissionsBoundary", "AdoptExisting"]);
        assert!(err.to_string().contains("/ecs-iam-roles/"), "{err}");

        let good = crate::spec::parse(&json!({
            "Path": "/ecs-iam-roles/team-a/",
            "PermissionsBoundary": "arn:aws:iam::123456789012:policy/Boundary",
            "Roles": {Kind::TaskExecution.name(): {}}
        }))
        .unwrap();
        op.check(&good).unwrap();
        let other_boundary = crate::spec::parse(&json!({
            "Path": "/ecs-iam-roles/",
            "PermissionsBoundary": "arn:aws:iam::123456789012:policy/Other",
            "Roles": {Kind::TaskExecution.name(): {}}
        }))
        .unwrap();
        assert!(op.check(&other_boundary).is_err());
    }
}
