//! What the operator decided when deploying the function (template.yaml's parameters, passed as
//! environment variables), and the checks they impose on every stack's properties before any
//! IAM call. The execution role enforces the same rules in IAM; these checks turn IAM's
//! AccessDenied into a Reason that names the property to change.

use crate::arn::{is_account_id, Arn};
use crate::iam_rules::{check_path, check_policy_arn};
use crate::kinds::{Kind, MANAGED_POLICY_ARNS, TRUSTED_PRINCIPAL_ARN};
use crate::spec::{PropertyError, Spec, SpecError};
use std::collections::BTreeSet;

/// `true` lets stacks set `AdoptExisting`; anything else (also a missing variable) does not.
pub const ALLOW_ADOPTION_ENV: &str = "ECS_IAM_ROLES_ALLOW_ADOPTION";
/// The IAM path everything the function creates, changes or deletes lies under.
pub const MANAGED_PATH_ENV: &str = "ECS_IAM_ROLES_MANAGED_PATH";
/// The permissions boundary every role must carry (empty or missing: none required).
pub const REQUIRED_BOUNDARY_ENV: &str = "ECS_IAM_ROLES_REQUIRED_BOUNDARY";
/// The kinds stacks may ask for, comma-separated (empty or missing: every kind).
pub const ALLOWED_KINDS_ENV: &str = "ECS_IAM_ROLES_ALLOWED_KINDS";
/// The accounts whose roles and users may be a `TrustedPrincipalArn`, comma-separated (empty
/// or missing: the function's own account only; `*`: any account of the partition).
pub const TRUSTED_ACCOUNTS_ENV: &str = "ECS_IAM_ROLES_TRUSTED_ACCOUNTS";

/// Whose principals a role may trust (`TrustedPrincipalAccounts`). The function's own account
/// is always among them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TrustedAccounts {
    /// Only the function's own account (the default).
    #[default]
    Own,
    /// The function's own account and these.
    Listed(BTreeSet<String>),
    /// Any account of the partition (`*`, chosen explicitly).
    Any,
}

impl TrustedAccounts {
    fn allows(&self, account: &str, own: &str) -> bool {
        match self {
            TrustedAccounts::Any => true,
            _ if account == own => true,
            TrustedAccounts::Listed(accounts) => accounts.contains(account),
            TrustedAccounts::Own => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            TrustedAccounts::Own => "empty: the function's own account only".to_string(),
            TrustedAccounts::Listed(accounts) => {
                let listed: Vec<&str> = accounts.iter().map(String::as_str).collect();
                format!("{} and the function's own", listed.join(","))
            }
            TrustedAccounts::Any => "*".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Whether stacks may set `AdoptExisting: true` (adoption lets a stack take over an
    /// untagged role, so it is off unless the operator turns it on).
    pub allow_adoption: bool,
    /// `ManagedPath`: the default `Path`, and the path every stack's `Path` must lie under.
    pub managed_path: String,
    /// `RequiredPermissionsBoundaryArn`.
    pub required_boundary: Option<String>,
    /// `AllowedKinds` (None: every kind).
    pub allowed_kinds: Option<BTreeSet<Kind>>,
    /// `TrustedPrincipalAccounts`.
    pub trusted_accounts: TrustedAccounts,
}

impl Default for Operator {
    fn default() -> Operator {
        Operator {
            allow_adoption: false,
            managed_path: "/".to_string(),
            required_boundary: None,
            allowed_kinds: None,
            trusted_accounts: TrustedAccounts::Own,
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
        let allowed_kinds = parse_allowed_kinds(lookup(ALLOWED_KINDS_ENV).as_deref())?;
        let trusted_accounts = parse_trusted_accounts(lookup(TRUSTED_ACCOUNTS_ENV).as_deref())?;
        Ok(Operator {
            allow_adoption: lookup(ALLOW_ADOPTION_ENV).as_deref() == Some("true"),
            managed_path,
            required_boundary,
            allowed_kinds,
            trusted_accounts,
        })
    }

    pub fn from_env() -> Result<Operator, String> {
        Operator::from_lookup(|name| std::env::var(name).ok())
    }

    /// The operator's rules for the properties of a Create or Update in `account` (the stack's):
    /// all violations at once, each naming the property.
    pub fn check(&self, spec: &Spec, account: &str) -> Result<(), SpecError> {
        let mut errors = vec![];
        for (&kind, role) in &spec.roles {
            for arn in role.managed_policy_arns() {
                if let Some(message) = self.unattachable(kind, arn, account) {
                    errors.push(PropertyError {
                        property: format!("Roles.{}.{}", kind.name(), MANAGED_POLICY_ARNS.name),
                        message,
                    });
                }
            }
        }
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

    /// Why `kind`'s role may not have the policy `arn` of `ManagedPolicyArns` attached: the
    /// execution role attaches customer policies only under ManagedPath (`iam:PolicyARN`) and
    /// AWS managed policies only of the kinds' own, so IAM would refuse it half-way.
    fn unattachable(&self, kind: Kind, arn: &str, account: &str) -> Option<String> {
        let parsed = Arn::parse(arn)?;
        let path = parsed.resource.strip_prefix("policy")?;
        if parsed.account == "aws" {
            let own = kind.aws_managed_policies().contains(&path);
            return (!own).then(|| format!(
                "{arn} is an AWS managed policy; only customer-managed policies of the stack's account under {:?} (ManagedPath) can be attached here (the kind already has its own)",
                self.managed_path
            ));
        }
        if parsed.account != account {
            return Some(format!(
                "{arn} is in account {}; only policies of the stack's account {account} can be attached",
                parsed.account
            ));
        }
        (!path.starts_with(&self.managed_path)).then(|| format!(
            "{arn} is outside {:?}, the only path this function manages (its ManagedPath); make the policy with Path {:?} or a path under it",
            self.managed_path, self.managed_path
        ))
    }

    /// The operator's guardrails on what a request asks for that the resource did not hold
    /// before: a kind outside `AllowedKinds`, or a `TrustedPrincipalArn` of an account outside
    /// `TrustedPrincipalAccounts`. `old` is the resource's properties before this request (None
    /// for a Create): what they already held stays served, so narrowing the settings never
    /// strands a resource made before. `own_account` is the function's (the stack's) account.
    pub fn guard(
        &self,
        new: &Spec,
        old: Option<&Spec>,
        own_account: &str,
    ) -> Result<(), SpecError> {
        let mut errors = vec![];
        for (&kind, role) in &new.roles {
            let before = old.and_then(|old| old.roles.get(&kind));
            if let Some(allowed) = &self.allowed_kinds {
                if before.is_none() && !allowed.contains(&kind) {
                    let offered: Vec<&str> = allowed.iter().map(|k| k.name()).collect();
                    errors.push(PropertyError {
                        property: format!("Roles.{}", kind.name()),
                        message: format!(
                            "the kind {} is not offered by this function (its AllowedKinds: {}); nothing was changed. Remove it, or ask the operator to add {} to AllowedKinds",
                            kind.name(), offered.join(","), kind.name()
                        ),
                    });
                }
            }
            let Some(principal) = role.trusted_principal() else {
                continue;
            };
            if before.and_then(|b| b.trusted_principal()) == Some(principal) {
                continue;
            }
            let account = Arn::parse(principal)
                .map(|arn| arn.account)
                .unwrap_or_default();
            if !self.trusted_accounts.allows(account, own_account) {
                errors.push(PropertyError {
                    property: format!("Roles.{}.{}", kind.name(), TRUSTED_PRINCIPAL_ARN.name),
                    message: format!(
                        "{principal} is in account {account}, whose principals this function may not trust (its TrustedPrincipalAccounts: {}); nothing was changed. Use a principal of account {own_account}, or ask the operator to add {account} to TrustedPrincipalAccounts",
                        self.trusted_accounts.describe()
                    ),
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SpecError { errors })
        }
    }
}

/// `AllowedKinds`: kind names, comma-separated; empty is every kind.
fn parse_allowed_kinds(value: Option<&str>) -> Result<Option<BTreeSet<Kind>>, String> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let mut kinds = BTreeSet::new();
    for name in value.split(',').map(str::trim) {
        let kind = Kind::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            format!(
                "the function is misconfigured: {ALLOWED_KINDS_ENV} (AllowedKinds) names {name:?}, which is not a kind; kinds: {}",
                known.join(", ")
            )
        })?;
        kinds.insert(kind);
    }
    Ok(Some(kinds))
}

/// `TrustedPrincipalAccounts`: 12-digit account ids, comma-separated, or `*`; empty is the
/// function's own account only.
fn parse_trusted_accounts(value: Option<&str>) -> Result<TrustedAccounts, String> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(TrustedAccounts::Own);
    };
    if value == "*" {
        return Ok(TrustedAccounts::Any);
    }
    let mut accounts = BTreeSet::new();
    for account in value.split(',').map(str::trim) {
        if !is_account_id(account) {
            return Err(format!(
                "the function is misconfigured: {TRUSTED_ACCOUNTS_ENV} (TrustedPrincipalAccounts) holds {account:?}, which is not a 12-digit account id; give account ids separated by commas, or * alone for any account"
            ));
        }
        accounts.insert(account.to_string());
    }
    Ok(TrustedAccounts::Listed(accounts))
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
        let err = op.check(&spec, OWN).unwrap_err();
        let properties: Vec<&str> = err.errors.iter().map(|e| e.property.as_str()).collect();
        assert_eq!(properties, ["Path", "PermissionsBoundary", "AdoptExisting"]);
        assert!(err.to_string().contains("/ecs-iam-roles/"), "{err}");

        let good = crate::spec::parse(&json!({
            "Path": "/ecs-iam-roles/team-a/",
            "PermissionsBoundary": "arn:aws:iam::123456789012:policy/Boundary",
            "Roles": {Kind::TaskExecution.name(): {}}
        }))
        .unwrap();
        op.check(&good, OWN).unwrap();
        let other_boundary = crate::spec::parse(&json!({
            "Path": "/ecs-iam-roles/",
            "PermissionsBoundary": "arn:aws:iam::123456789012:policy/Other",
            "Roles": {Kind::TaskExecution.name(): {}}
        }))
        .unwrap();
        assert!(op.check(&other_boundary, OWN).is_err());
    }

    fn spec(properties: serde_json::Value) -> Spec {
        crate::spec::parse(&properties).unwrap()
    }

    const OWN: &str = "123456789012";

    fn access(principal: &str) -> Spec {
        spec(
            json!({"Roles": {Kind::ClusterAccess.name(): {TRUSTED_PRINCIPAL_ARN.name: principal}}}),
        )
    }

    #[test]
    fn guardrail_settings_are_read_strictly() {
        let op = operator(&[
            (ALLOWED_KINDS_ENV, " TaskExecution , Task "),
            (TRUSTED_ACCOUNTS_ENV, "111122223333, 444455556666"),
        ])
        .unwrap();
        assert_eq!(
            op.allowed_kinds,
            Some([Kind::TaskExecution, Kind::Task].into())
        );
        assert_eq!(
            op.trusted_accounts,
            TrustedAccounts::Listed(["111122223333".into(), "444455556666".into()].into())
        );
        assert_eq!(
            operator(&[(TRUSTED_ACCOUNTS_ENV, "*")])
                .unwrap()
                .trusted_accounts,
            TrustedAccounts::Any
        );
        let defaults = operator(&[(ALLOWED_KINDS_ENV, ""), (TRUSTED_ACCOUNTS_ENV, " ")]).unwrap();
        assert_eq!(defaults.allowed_kinds, None);
        assert_eq!(defaults.trusted_accounts, TrustedAccounts::Own);
        for (var, value, names) in [
            (ALLOWED_KINDS_ENV, "TaskExecution,Tsk", "AllowedKinds"),
            (ALLOWED_KINDS_ENV, "TaskExecution,", "AllowedKinds"),
            (
                TRUSTED_ACCOUNTS_ENV,
                "1111-2222-3333",
                "TrustedPrincipalAccounts",
            ),
            (
                TRUSTED_ACCOUNTS_ENV,
                "111122223333,*",
                "TrustedPrincipalAccounts",
            ),
            (
                TRUSTED_ACCOUNTS_ENV,
                "arn:aws:iam::111122223333:root",
                "TrustedPrincipalAccounts",
            ),
        ] {
            let err = operator(&[(var, value)]).unwrap_err();
            assert!(err.contains(var) && err.contains(names), "{value}: {err}");
        }
    }

    #[test]
    fn principals_of_the_own_account_only_unless_listed_or_any() {
        let elsewhere = access("arn:aws:iam::999988887777:role/handler");
        let own = access("arn:aws:iam::123456789012:role/handler");
        let default = Operator::default();
        default.guard(&own, None, OWN).unwrap();
        let err = default.guard(&elsewhere, None, OWN).unwrap_err();
        assert_eq!(
            err.errors[0].property,
            "Roles.ClusterAccess.TrustedPrincipalArn"
        );
        assert!(err.to_string().contains("999988887777"), "{err}");
        assert!(
            err.to_string().contains("TrustedPrincipalAccounts"),
            "{err}"
        );

        let listed = Operator {
            trusted_accounts: TrustedAccounts::Listed(["999988887777".into()].into()),
            ..Operator::default()
        };
        listed.guard(&elsewhere, None, OWN).unwrap();
        listed.guard(&own, None, OWN).unwrap();
        let any = Operator {
            trusted_accounts: TrustedAccounts::Any,
            ..Operator::default()
        };
        any.guard(&elsewhere, None, OWN).unwrap();
    }

    #[test]
    fn only_what_a_request_adds_is_guarded() {
        let elsewhere = access("arn:aws:iam::999988887777:role/handler");
        let other = access("arn:aws:iam::999988887777:role/other-handler");
        let default = Operator::default();
        // The principal was there before the operator narrowed the settings: kept, served.
        default.guard(&elsewhere, Some(&elsewhere), OWN).unwrap();
        // A new principal of an untrusted account is a change, refused.
        assert!(default.guard(&other, Some(&elsewhere), OWN).is_err());

        let narrow = Operator {
            allowed_kinds: Some([Kind::TaskExecution].into()),
            ..Operator::default()
        };
        let exec = spec(json!({"Roles": {Kind::TaskExecution.name(): {}}}));
        let lp = crate::kinds::LEAST_PRIVILEGE.name;
        let both = spec(
            json!({"Roles": {Kind::TaskExecution.name(): {}, Kind::CodeDeploy.name(): {lp: "false"}}}),
        );
        let both_changed = spec(
            json!({"Roles": {Kind::TaskExecution.name(): {}, Kind::CodeDeploy.name(): {lp: "true"}}}),
        );
        narrow.guard(&exec, None, OWN).unwrap();
        let err = narrow.guard(&both, None, OWN).unwrap_err();
        assert_eq!(err.errors[0].property, "Roles.CodeDeploy");
        assert!(
            err.to_string().contains("AllowedKinds: TaskExecution"),
            "{err}"
        );
        assert!(
            narrow.guard(&both, Some(&exec), OWN).is_err(),
            "a kind added"
        );
        narrow.guard(&both_changed, Some(&both), OWN).unwrap();
        narrow.guard(&exec, Some(&both), OWN).unwrap();
    }

    #[test]
    fn managed_policy_arns_only_under_managed_path_in_the_stacks_account() {
        let op = operator(&[(MANAGED_PATH_ENV, "/ecs-iam-roles/")]).unwrap();
        let with = |kind: Kind, arn: &str| {
            // The kind's own sample (Task's names a cluster), with the policy.
            let mut role = kind.samples().remove(0);
            role[MANAGED_POLICY_ARNS.name] = json!([arn]);
            spec(json!({"Path": "/ecs-iam-roles/", "Roles": {kind.name(): role}}))
        };
        let inside = "arn:aws:iam::123456789012:policy/ecs-iam-roles/app/AppPolicy";
        op.check(&with(Kind::Task, inside), OWN).unwrap();
        let refused = [
            "arn:aws:iam::123456789012:policy/AppPolicy",
            "arn:aws:iam::123456789012:policy/ecs-iam-rolesX/AppPolicy",
            "arn:aws:iam::210987654321:policy/ecs-iam-roles/AppPolicy",
            "arn:aws:iam::aws:policy/AdministratorAccess",
        ];
        for arn in refused {
            let err = op.check(&with(Kind::Task, arn), OWN).unwrap_err();
            assert_eq!(
                err.errors[0].property, "Roles.Task.ManagedPolicyArns",
                "{arn}"
            );
        }
        // The kind's own AWS managed policy is no widening (it is attached anyway).
        let own = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
        op.check(&with(Kind::TaskExecution, own), OWN).unwrap();
        assert!(op.check(&with(Kind::Task, own), OWN).is_err());
    }
}
