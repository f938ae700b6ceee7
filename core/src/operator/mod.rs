//! What the operator decided when deploying the function (template.yaml's parameters, passed as
//! environment variables), and the checks they impose on every stack's properties before any
//! IAM call. The execution role enforces the same rules in IAM; these checks turn IAM's
//! AccessDenied into a Reason that names the property to change.

use crate::arn::is_account_id;
use crate::arns::PolicyArn;
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

/// The operator's settings: the function's deployment parameters, as its environment passes them.
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

    /// The settings from the function's environment variables.
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
            if spec.permissions_boundary.as_ref().map(PolicyArn::as_str) != Some(required.as_str())
            {
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
    fn unattachable(&self, kind: Kind, arn: &PolicyArn, account: &str) -> Option<String> {
        let parsed = arn.parts();
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
            let account = principal.parts().account;
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
mod tests;
