//! What a failed IAM call was, and whether it is worth trying again.

use super::Action;
use crate::plan::Op;
use aws_sdk_iam::config::http::HttpResponse;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

/// Where a failed call's error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// IAM answered with this HTTP status.
    Service { status: u16 },
    /// No answer: the connection failed or the attempt timed out. The call may have landed.
    Transport,
    /// The request could not be built, or IAM's answer could not be read. Trying again would
    /// fail the same way.
    Local,
}

/// One failed IAM call: which call, on what, and IAM's own code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamError {
    pub action: Action,
    pub target: String,
    /// IAM's error code; empty when IAM gave none (see `origin`).
    pub code: String,
    pub message: String,
    pub origin: Origin,
    /// An earlier attempt of this call failed in a way that may have landed (a 5xx or no
    /// answer), so "already exists" may be this call's own doing.
    pub after_uncertain_attempt: bool,
}

impl std::fmt::Display for IamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (action, target, message) = (self.action, &self.target, &self.message);
        match self.code.as_str() {
            "" => write!(f, "{action} on {target} failed: {message}")?,
            code => write!(f, "{action} on {target} failed: {code}: {message}")?,
        }
        if self.code == "LimitExceeded" {
            write!(f, " ({})", quota_hint(message))?;
        }
        Ok(())
    }
}

impl std::error::Error for IamError {}

/// The IAM quota a LimitExceeded message names, in words an operator can act on.
fn quota_hint(message: &str) -> String {
    let quotas = [
        (
            "PoliciesPerRole",
            "managed policies per role, 10 by default",
        ),
        ("RolesPerAccount", "roles per account, 1,000 by default"),
        (
            "ACLSizePerRole",
            "role trust policy length, 2,048 characters by default",
        ),
        ("PolicySize", "managed policy length, 6,144 characters"),
        (
            "RolePolicySize",
            "inline policies per role, 10,240 characters in total",
        ),
        ("PolicyVersionsPerPolicy", "versions per managed policy, 5"),
        (
            "PoliciesPerAccount",
            "customer managed policies per account, 1,500 by default",
        ),
        (
            "InstanceProfilesPerAccount",
            "instance profiles per account, 1,000 by default",
        ),
        (
            "InstanceSessionsPerInstanceProfile",
            "roles per instance profile, 1",
        ),
    ];
    let named = quotas
        .iter()
        .filter(|(key, _)| message.contains(key))
        .max_by_key(|(key, _)| key.len());
    match named {
        Some((_, words)) => {
            format!("IAM quota: {words}; raise it in Service Quotas or use fewer")
        }
        None if message.to_ascii_lowercase().contains("tag") => {
            "IAM limit: 50 tags per role, policy or instance profile; use fewer Tags".to_string()
        }
        None => "an IAM quota; see IAM's quotas in Service Quotas".to_string(),
    }
}

impl IamError {
    pub fn is_not_found(&self) -> bool {
        self.code == "NoSuchEntity"
    }

    pub fn is_already_exists(&self) -> bool {
        self.code == "EntityAlreadyExists"
    }

    /// CreateServiceLinkedRole found the role made already. IAM says so with `InvalidInput`
    /// ("Service role name AWSServiceRoleForECS has been taken in this account, please try a
    /// different suffix."), an emulator with `EntityAlreadyExists`. Any other `InvalidInput`
    /// (a suffix the service does not allow, say) is a real failure.
    pub fn is_taken_service_role(&self) -> bool {
        self.action == Action::CreateServiceLinkedRole
            && (self.is_already_exists()
                || self.code == "InvalidInput"
                    && self.message.contains("has been taken in this account"))
    }
}

/// A plan that stopped: the calls that failed (at least one) and the operations that completed.
#[derive(Debug, Clone)]
pub struct ApplyError {
    pub errors: Vec<IamError>,
    pub completed: Vec<Op>,
}

impl ApplyError {
    /// The error to report: the first that is not a name already taken, if any.
    pub fn error(&self) -> &IamError {
        self.errors
            .iter()
            .find(|e| !e.is_already_exists())
            .unwrap_or(&self.errors[0])
    }

    /// Whether every failure was a name that already exists.
    pub fn only_already_exists(&self) -> bool {
        self.errors.iter().all(IamError::is_already_exists)
    }
}

impl std::fmt::Display for ApplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error().fmt(f)
    }
}

impl std::error::Error for ApplyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.error())
    }
}

/// What a NoSuchEntity answer to a call means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Missing {
    /// Final: a read (the entity does not exist), a removal (already gone), or a create whose
    /// boundary policy does not exist.
    Final,
    /// Not yet visible: a write to a role or policy this request made or read a moment ago.
    Propagating,
    /// Attaching an AWS managed policy: a missing role is propagation, a missing AWS policy is
    /// final (it does not exist in this partition).
    RolePropagating,
}

/// How a failed call may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Retry {
    No,
    /// Throttling, IAM's 5xx, no answer: retried until the request's retry horizon.
    Transient,
    /// IAM has not yet propagated something (a new entity, a new principal, a detach): retried
    /// for at most `PROPAGATION_WINDOW`, and never past the retry horizon.
    Propagation,
}

pub(super) fn classify(err: &IamError, missing: Missing) -> Retry {
    let transient_code = matches!(
        err.code.as_str(),
        "Throttling"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "ServiceFailure"
            | "ServiceUnavailable"
            | "InternalFailure"
            | "ConcurrentModification"
    );
    match err.origin {
        Origin::Local => return Retry::No,
        Origin::Transport => return Retry::Transient,
        Origin::Service { status } if transient_code || status >= 500 || status == 429 => {
            return Retry::Transient
        }
        Origin::Service { .. } => {}
    }
    let propagating = match err.code.as_str() {
        // A principal created moments ago is not yet visible to IAM's policy validation.
        "MalformedPolicyDocument" => {
            matches!(
                err.action,
                Action::CreateRole | Action::UpdateAssumeRolePolicy
            ) && err
                .message
                .to_ascii_lowercase()
                .contains("invalid principal")
        }
        // A detach or instance-profile removal not yet visible to the delete.
        "DeleteConflict" => matches!(
            err.action,
            Action::DeleteRole | Action::DeletePolicy | Action::DeleteInstanceProfile
        ),
        "NoSuchEntity" => match missing {
            Missing::Final => false,
            Missing::Propagating => true,
            Missing::RolePropagating => {
                !err.message.contains("does not exist or is not attachable")
            }
        },
        _ => false,
    };
    if propagating {
        Retry::Propagation
    } else {
        Retry::No
    }
}

pub(super) fn to_iam_error<E>(
    action: Action,
    target: &str,
    err: SdkError<E, HttpResponse>,
) -> IamError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let origin = match &err {
        SdkError::ServiceError(_) => Origin::Service {
            status: status.unwrap_or(400),
        },
        SdkError::TimeoutError(_) => Origin::Transport,
        SdkError::DispatchFailure(failure) if !failure.is_user() => Origin::Transport,
        // IAM failed and said so, in a body the SDK could not read.
        SdkError::ResponseError(_) if status.is_some_and(|s| s >= 500) => Origin::Service {
            status: status.unwrap_or(500),
        },
        _ => Origin::Local,
    };
    let code = err.code().unwrap_or_default().to_string();
    let message = match err.message() {
        Some(message) => message.to_string(),
        None => aws_smithy_types::error::display::DisplayErrorContext(&err).to_string(),
    };
    IamError {
        action,
        target: target.to_string(),
        code,
        message,
        origin,
        after_uncertain_attempt: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    fn error(action: Action, status: u16, code: &str, message: &str) -> IamError {
        IamError {
            action,
            target: "role r".into(),
            code: code.into(),
            message: message.into(),
            origin: Origin::Service { status },
            after_uncertain_attempt: false,
        }
    }

    #[test]
    fn what_is_retried() {
        use Missing::*;
        let cases = [
            (error(AttachRolePolicy, 400, "Throttling", "Rate exceeded"), Final, Retry::Transient),
            (error(TagRole, 409, "ConcurrentModification", ""), Final, Retry::Transient),
            (error(GetRole, 500, "ServiceFailure", "x"), Final, Retry::Transient),
            (error(GetRole, 503, "", ""), Final, Retry::Transient),
            (
                error(CreateRole, 400, "MalformedPolicyDocument", "Invalid principal in policy: \"AWS\":\"arn\""),
                Final,
                Retry::Propagation,
            ),
            (error(CreateRole, 400, "MalformedPolicyDocument", "Syntax errors in policy"), Final, Retry::No),
            (error(CreateRole, 409, "LimitExceeded", "Cannot exceed quota for RolesPerAccount: 1000"), Final, Retry::No),
            (error(CreateRole, 403, "AccessDenied", "no"), Final, Retry::No),
            (error(DeleteRole, 409, "DeleteConflict", "must detach"), Final, Retry::Propagation),
            (error(CreateRole, 409, "EntityAlreadyExists", "exists"), Final, Retry::No),
            // A write to something this request made a moment ago; a read or create: final.
            (error(PutRolePolicy, 404, "NoSuchEntity", "The role with name r cannot be found."), Propagating, Retry::Propagation),
            (error(GetRole, 404, "NoSuchEntity", "The role with name r cannot be found."), Final, Retry::No),
            (error(AddRoleToInstanceProfile, 404, "NoSuchEntity", "Instance Profile p cannot be found."), Propagating, Retry::Propagation),
            (error(DeleteInstanceProfile, 409, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first."), Final, Retry::Propagation),
            // Attaching an AWS managed policy: a missing role propagates, a missing policy is final.
            (error(AttachRolePolicy, 404, "NoSuchEntity", "The role with name r cannot be found."), RolePropagating, Retry::Propagation),
            (error(AttachRolePolicy, 404, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/X does not exist or is not attachable."), RolePropagating, Retry::No),
            (error(AttachRolePolicy, 404, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy does not exist or is not attachable."), RolePropagating, Retry::No),
            (error(AttachRolePolicy, 404, "NoSuchEntity", "Policy arn:aws:iam::123456789012:policy/X does not exist or is not attachable."), Propagating, Retry::Propagation),
        ];
        for (err, missing, expected) in cases {
            assert_eq!(classify(&err, missing), expected, "{err} ({missing:?})");
        }
        // No answer may have landed: retried. An error without a code from building the
        // request or reading the answer: not.
        let mut transport = error(CreateRole, 0, "", "connection reset");
        transport.origin = Origin::Transport;
        assert_eq!(classify(&transport, Missing::Final), Retry::Transient);
        let mut local = error(CreateRole, 0, "", "failed to construct request");
        local.origin = Origin::Local;
        assert_eq!(classify(&local, Missing::Final), Retry::No);
    }

    #[test]
    fn a_service_linked_role_made_already_is_told_apart_from_bad_input() {
        let slr = |code: &str, message: &str| {
            let mut e = error(CreateServiceLinkedRole, 400, code, message);
            e.target = "service-linked role AWSServiceRoleForECS (ecs.amazonaws.com)".into();
            e
        };
        // Real IAM, and moto.
        assert!(slr("InvalidInput", "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.").is_taken_service_role());
        assert!(slr(
            "EntityAlreadyExists",
            "Role with name AWSServiceRoleForECS already exists."
        )
        .is_taken_service_role());
        // Other bad input, other errors, other actions: failures.
        assert!(!slr(
            "InvalidInput",
            "Custom suffix is not allowed for ecs.amazonaws.com"
        )
        .is_taken_service_role());
        assert!(!slr(
            "AccessDenied",
            "not authorized to perform: iam:CreateServiceLinkedRole"
        )
        .is_taken_service_role());
        assert!(!error(CreateRole, 409, "EntityAlreadyExists", "exists").is_taken_service_role());
        assert_eq!(
            classify(
                &slr("InvalidInput", "has been taken in this account"),
                Missing::Final
            ),
            Retry::No
        );
    }

    #[test]
    fn limit_exceeded_names_the_quota() {
        let e = error(
            AttachRolePolicy,
            409,
            "LimitExceeded",
            "Cannot exceed quota for PoliciesPerRole: 10",
        );
        assert_eq!(
            e.to_string(),
            "AttachRolePolicy on role r failed: LimitExceeded: Cannot exceed quota for PoliciesPerRole: 10 \
             (IAM quota: managed policies per role, 10 by default; raise it in Service Quotas or use fewer)"
        );
        let e = error(
            CreateRole,
            409,
            "LimitExceeded",
            "Cannot exceed quota for ACLSizePerRole: 2048",
        );
        assert!(
            e.to_string()
                .contains("role trust policy length, 2,048 characters"),
            "{e}"
        );
        let e = error(GetRole, 0, "", "dispatch failure");
        assert_eq!(e.to_string(), "GetRole on role r failed: dispatch failure");
    }
}
