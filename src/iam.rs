//! A thin adapter over `aws-sdk-iam`: read the actual state, run planned operations, and the
//! retry policy for IAM's transient errors. Nothing else.

use crate::plan::{ActualPolicy, ActualRole, ActualState, Op, Plan, PolicyVersion};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;
use futures::future::{join_all, try_join_all};
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// One failed IAM call: which call, on what, and IAM's own code and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} on {target} failed: {code}: {message}")]
pub struct IamError {
    pub action: &'static str,
    pub target: String,
    pub code: String,
    pub message: String,
}

impl IamError {
    pub fn is_not_found(&self) -> bool {
        self.code == "NoSuchEntity"
    }

    pub fn is_already_exists(&self) -> bool {
        self.code == "EntityAlreadyExists"
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

/// Whether a failed call may succeed if tried again shortly. The SDK already retries
/// throttling and 5xx a few times; these are IAM's eventual-consistency cases on top.
fn is_transient(action: &str, code: &str, message: &str) -> bool {
    match code {
        "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "ServiceFailure"
        | "ServiceUnavailable"
        | "InternalFailure"
        | "ConcurrentModification" => true,
        // A principal created moments ago is not yet visible to IAM's policy validation.
        "MalformedPolicyDocument" => {
            matches!(action, "CreateRole" | "UpdateAssumeRolePolicy")
                && message.to_ascii_lowercase().contains("invalid principal")
        }
        // A detach or instance-profile removal not yet visible to the delete.
        "DeleteConflict" => matches!(action, "DeleteRole" | "DeletePolicy"),
        _ => code.is_empty(), // no code: a connection error or timeout
    }
}

fn to_iam_error<E, R>(action: &'static str, target: &str, err: SdkError<E, R>) -> IamError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
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
    }
}

/// A read's result with "no such entity" as None.
fn or_missing<T>(result: Result<T, IamError>) -> Result<Option<T>, IamError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// IAM returns policy documents URL-encoded; an emulator may not.
pub fn parse_document(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| {
        let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
        serde_json::from_str(&decoded).unwrap_or(Value::String(decoded.into_owned()))
    })
}

fn tags_to_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

fn map_to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("key and value are set")
        })
        .collect()
}

/// At most this many IAM calls of one request are in flight at once: enough for all the reads
/// of all five kinds in one round trip (26 for a Delete), few enough to stay a short burst.
pub const MAX_CONCURRENT_CALLS: usize = 32;

/// The IAM calls of one request, bounded by its deadline and counted for the logs.
pub struct Session<'a> {
    client: &'a Client,
    deadline: Instant,
    in_flight: tokio::sync::Semaphore,
    writes: AtomicUsize,
    /// Calls per IAM action, for the log.
    by_action: std::sync::Mutex<BTreeMap<&'static str, usize>>,
}

impl<'a> Session<'a> {
    pub fn new(client: &'a Client, deadline: Instant) -> Self {
        Session {
            client,
            deadline,
            in_flight: tokio::sync::Semaphore::new(MAX_CONCURRENT_CALLS),
            writes: AtomicUsize::new(0),
            by_action: Default::default(),
        }
    }

    /// When this request's IAM work must be done.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    pub fn calls(&self) -> usize {
        self.by_action.lock().expect("not poisoned").values().sum()
    }

    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::Relaxed)
    }

    /// The IAM calls made, as `Action×count` in alphabetical order.
    pub fn calls_by_action(&self) -> String {
        let by_action = self.by_action.lock().expect("not poisoned");
        let parts: Vec<String> = by_action.iter().map(|(a, n)| format!("{a}×{n}")).collect();
        parts.join(" ")
    }

    /// One IAM call with the retry policy: transient errors are retried with jittered,
    /// growing waits for as long as the request's deadline leaves room.
    async fn call<T, E, R, F, Fut>(
        &self,
        action: &'static str,
        target: &str,
        f: F,
    ) -> Result<T, IamError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let mut attempt = 0u32;
        loop {
            *self
                .by_action
                .lock()
                .expect("not poisoned")
                .entry(action)
                .or_default() += 1;
            let permit = self.in_flight.acquire().await.expect("never closed");
            let outcome = f().await;
            drop(permit);
            let err = match outcome {
                Ok(value) => return Ok(value),
                Err(err) => to_iam_error(action, target, err),
            };
            attempt += 1;
            let wait = backoff(attempt);
            if !is_transient(action, &err.code, &err.message)
                || Instant::now() + wait >= self.deadline
            {
                return Err(err);
            }
            tracing::warn!(action, target, code = %err.code, message = %err.message, attempt, "transient IAM error; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Read what exists of the named roles (each with the inline policy names it is expected
    /// to have) and policies. `for_delete` also lists instance profiles, and skips documents
    /// (inline and managed) that a teardown does not need.
    pub async fn read_state(
        &self,
        roles: &[(String, Vec<String>)],
        policy_arns: &[String],
        for_delete: bool,
    ) -> Result<ActualState, IamError> {
        let roles = try_join_all(
            roles
                .iter()
                .map(|(name, inline)| self.read_role(name, inline, for_delete)),
        );
        let policies = try_join_all(policy_arns.iter().map(|a| self.read_policy(a, for_delete)));
        let (roles, policies) = futures::try_join!(roles, policies)?;
        Ok(ActualState {
            roles: roles
                .into_iter()
                .flatten()
                .map(|r| (r.name.clone(), r))
                .collect(),
            policies: policies
                .into_iter()
                .flatten()
                .map(|p| (p.arn.clone(), p))
                .collect(),
        })
    }

    async fn list<T, E, R, F, Fut>(
        &self,
        action: &'static str,
        target: &str,
        f: F,
    ) -> Result<Option<Vec<T>>, IamError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Vec<T>, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        or_missing(self.call(action, target, f).await)
    }

    async fn inline_document(
        &self,
        role: &str,
        policy_name: &str,
    ) -> Result<Option<Value>, IamError> {
        let target = format!("role {role} (inline policy {policy_name})");
        let got = self.call("GetRolePolicy", &target, || {
            self.client
                .get_role_policy()
                .role_name(role)
                .policy_name(policy_name)
                .send()
        });
        Ok(or_missing(got.await)?.map(|got| parse_document(got.policy_document())))
    }

    /// One role: GetRole, its listings and the expected inline documents are asked at once (one
    /// round trip); only an inline policy nobody expected costs a second one.
    async fn read_role(
        &self,
        name: &str,
        expected_inline: &[String],
        for_delete: bool,
    ) -> Result<Option<ActualRole>, IamError> {
        let target = format!("role {name}");
        let target = target.as_str();
        let get = async {
            let got = self.call("GetRole", target, || {
                self.client.get_role().role_name(name).send()
            });
            Ok(or_missing(got.await)?.and_then(|got| got.role().cloned()))
        };
        let attached = self.list("ListAttachedRolePolicies", target, || async {
            self.client
                .list_attached_role_policies()
                .role_name(name)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
        });
        let inline_names = self.list("ListRolePolicies", target, || async {
            self.client
                .list_role_policies()
                .role_name(name)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
        });
        let prefetched = async {
            if for_delete {
                return Ok(vec![]);
            }
            try_join_all(expected_inline.iter().map(|policy| async move {
                Ok::<_, IamError>((policy.clone(), self.inline_document(name, policy).await?))
            }))
            .await
        };
        let profiles = async {
            if !for_delete {
                return Ok(Some(vec![]));
            }
            self.list("ListInstanceProfilesForRole", target, || async {
                self.client
                    .list_instance_profiles_for_role()
                    .role_name(name)
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
            })
            .await
        };
        let (role, attached, inline_names, prefetched, profiles) =
            futures::try_join!(get, attached, inline_names, prefetched, profiles)?;
        // Missing anywhere: the role does not exist, or went during the reads (a concurrent Delete).
        let (Some(role), Some(attached), Some(inline_names), Some(profiles)) =
            (role, attached, inline_names, profiles)
        else {
            return Ok(None);
        };
        let mut inline_policies = BTreeMap::new();
        for policy_name in inline_names {
            let document = if for_delete {
                Value::Null
            } else if let Some((_, Some(document))) =
                prefetched.iter().find(|(n, _)| *n == policy_name)
            {
                document.clone()
            } else {
                match self.inline_document(name, &policy_name).await? {
                    Some(document) => document,
                    None => continue,
                }
            };
            inline_policies.insert(policy_name, document);
        }
        Ok(Some(ActualRole {
            name: role.role_name().to_string(),
            path: role.path().to_string(),
            trust: parse_document(role.assume_role_policy_document().unwrap_or("{}")),
            managed_policy_arns: attached
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string))
                .collect(),
            inline_policies,
            permissions_boundary: role
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
            tags: tags_to_map(role.tags()),
            instance_profiles: profiles
                .iter()
                .map(|p| p.instance_profile_name().to_string())
                .collect(),
        }))
    }

    /// One policy: GetPolicy and its versions at once, then the default version's document
    /// (not needed for a Delete).
    async fn read_policy(
        &self,
        arn: &str,
        for_delete: bool,
    ) -> Result<Option<ActualPolicy>, IamError> {
        let target = format!("policy {arn}");
        let target = target.as_str();
        let get = async {
            let got = self.call("GetPolicy", target, || {
                self.client.get_policy().policy_arn(arn).send()
            });
            Ok(or_missing(got.await)?.and_then(|got| got.policy().cloned()))
        };
        let versions = self.list("ListPolicyVersions", target, || async {
            self.client
                .list_policy_versions()
                .policy_arn(arn)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
        });
        let (Some(policy), Some(versions)) = futures::try_join!(get, versions)? else {
            return Ok(None);
        };
        let document = match policy.default_version_id() {
            Some(default_version) if !for_delete => {
                let got = self.call("GetPolicyVersion", target, || {
                    self.client
                        .get_policy_version()
                        .policy_arn(arn)
                        .version_id(default_version)
                        .send()
                });
                // Gone between the reads: the policy does not exist.
                let Some(got) = or_missing(got.await)? else {
                    return Ok(None);
                };
                parse_document(
                    got.policy_version()
                        .and_then(|v| v.document())
                        .unwrap_or("{}"),
                )
            }
            _ => Value::Null,
        };
        let mut versions: Vec<_> = versions
            .iter()
            .map(|v| {
                (
                    v.create_date().map(|d| (d.secs(), d.subsec_nanos())),
                    PolicyVersion {
                        id: v.version_id().unwrap_or_default().to_string(),
                        is_default: v.is_default_version(),
                    },
                )
            })
            .collect();
        versions.sort_by_key(|v| v.0);
        Ok(Some(ActualPolicy {
            arn: arn.to_string(),
            document,
            versions: versions.into_iter().map(|(_, v)| v).collect(),
            tags: tags_to_map(policy.tags()),
        }))
    }

    /// Run a plan phase by phase; the operations of a phase run concurrently. Stops after the
    /// first phase with a failure, once all of that phase's calls have finished.
    pub async fn apply(&self, plan: &Plan) -> Result<(), ApplyError> {
        let mut completed = vec![];
        for phase in &plan.phases {
            let results = join_all(
                phase
                    .ops
                    .iter()
                    .map(|op| async move { (op, self.apply_op(op).await) }),
            )
            .await;
            let mut errors = vec![];
            for (op, result) in results {
                match result {
                    Ok(()) => completed.push(op.clone()),
                    Err(e) => errors.push(e),
                }
            }
            if !errors.is_empty() {
                return Err(ApplyError { errors, completed });
            }
        }
        Ok(())
    }

    /// One write. Removing something already gone counts as done.
    pub async fn apply_op(&self, op: &Op) -> Result<(), IamError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        let action = op.action();
        let target = op.target();
        let c = self.client;
        let t = target.as_str();
        let result = match op {
            Op::CreateRole {
                name,
                path,
                trust,
                permissions_boundary,
                tags,
            } => self
                .call(action, t, || {
                    c.create_role()
                        .role_name(name)
                        .path(path)
                        .assume_role_policy_document(trust.to_string())
                        .set_permissions_boundary(permissions_boundary.clone())
                        .set_tags(Some(map_to_tags(tags)))
                        .send()
                })
                .await
                .map(drop),
            Op::UpdateTrust { role, trust } => self
                .call(action, t, || {
                    c.update_assume_role_policy()
                        .role_name(role)
                        .policy_document(trust.to_string())
                        .send()
                })
                .await
                .map(drop),
            Op::PutBoundary { role, arn } => self
                .call(action, t, || {
                    c.put_role_permissions_boundary()
                        .role_name(role)
                        .permissions_boundary(arn)
                        .send()
                })
                .await
                .map(drop),
            Op::DeleteBoundary { role } => self
                .call(action, t, || {
                    c.delete_role_permissions_boundary().role_name(role).send()
                })
                .await
                .map(drop),
            Op::TagRole { role, tags } => self
                .call(action, t, || {
                    c.tag_role()
                        .role_name(role)
                        .set_tags(Some(map_to_tags(tags)))
                        .send()
                })
                .await
                .map(drop),
            Op::UntagRole { role, keys } => self
                .call(action, t, || {
                    c.untag_role()
                        .role_name(role)
                        .set_tag_keys(Some(keys.clone()))
                        .send()
                })
                .await
                .map(drop),
            Op::AttachPolicy { role, arn } => self
                .call(action, t, || {
                    c.attach_role_policy()
                        .role_name(role)
                        .policy_arn(arn)
                        .send()
                })
                .await
                .map(drop),
            Op::DetachPolicy { role, arn } => self
                .call(action, t, || {
                    c.detach_role_policy()
                        .role_name(role)
                        .policy_arn(arn)
                        .send()
                })
                .await
                .map(drop),
            Op::PutInlinePolicy {
                role,
                name,
                document,
            } => self
                .call(action, t, || {
                    c.put_role_policy()
                        .role_name(role)
                        .policy_name(name)
                        .policy_document(document.to_string())
                        .send()
                })
                .await
                .map(drop),
            Op::DeleteInlinePolicy { role, name } => self
                .call(action, t, || {
                    c.delete_role_policy()
                        .role_name(role)
                        .policy_name(name)
                        .send()
                })
                .await
                .map(drop),
            Op::RemoveFromInstanceProfile { role, profile } => self
                .call(action, t, || {
                    c.remove_role_from_instance_profile()
                        .role_name(role)
                        .instance_profile_name(profile)
                        .send()
                })
                .await
                .map(drop),
            Op::DeleteRole { role } => self
                .call(action, t, || c.delete_role().role_name(role).send())
                .await
                .map(drop),
            Op::CreatePolicy {
                name,
                path,
                document,
                tags,
            } => self
                .call(action, t, || {
                    c.create_policy()
                        .policy_name(name)
                        .path(path)
                        .policy_document(document.to_string())
                        .set_tags(Some(map_to_tags(tags)))
                        .send()
                })
                .await
                .map(drop),
            Op::CreatePolicyVersion { arn, document } => self
                .call(action, t, || {
                    c.create_policy_version()
                        .policy_arn(arn)
                        .policy_document(document.to_string())
                        .set_as_default(true)
                        .send()
                })
                .await
                .map(drop),
            Op::DeletePolicyVersion { arn, version_id } => self
                .call(action, t, || {
                    c.delete_policy_version()
                        .policy_arn(arn)
                        .version_id(version_id)
                        .send()
                })
                .await
                .map(drop),
            Op::TagPolicy { arn, tags } => self
                .call(action, t, || {
                    c.tag_policy()
                        .policy_arn(arn)
                        .set_tags(Some(map_to_tags(tags)))
                        .send()
                })
                .await
                .map(drop),
            Op::UntagPolicy { arn, keys } => self
                .call(action, t, || {
                    c.untag_policy()
                        .policy_arn(arn)
                        .set_tag_keys(Some(keys.clone()))
                        .send()
                })
                .await
                .map(drop),
            Op::DeletePolicy { arn } => self
                .call(action, t, || c.delete_policy().policy_arn(arn).send())
                .await
                .map(drop),
        };
        let removal = matches!(
            op,
            Op::DetachPolicy { .. }
                | Op::DeleteInlinePolicy { .. }
                | Op::RemoveFromInstanceProfile { .. }
                | Op::DeleteRole { .. }
                | Op::DeletePolicyVersion { .. }
                | Op::DeletePolicy { .. }
                | Op::DeleteBoundary { .. }
        );
        match result {
            Err(e) if removal && e.is_not_found() => Ok(()),
            other => other,
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    let base_ms = (100u64 << attempt.min(5)).min(3_000);
    // Jitter from the clock: enough to keep concurrent retries from marching in step.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    Duration::from_millis(base_ms / 2 + nanos % (base_ms / 2 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_are_read_plain_or_url_encoded() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        let expected = json!({"Version": "2012-10-17", "Statement": []});
        assert_eq!(parse_document(plain), expected);
        assert_eq!(parse_document(encoded), expected);
    }

    #[test]
    fn transient_errors() {
        assert!(is_transient(
            "AttachRolePolicy",
            "Throttling",
            "Rate exceeded"
        ));
        assert!(is_transient("TagRole", "ConcurrentModification", ""));
        assert!(is_transient(
            "CreateRole",
            "MalformedPolicyDocument",
            "Invalid principal in policy: \"AWS\":\"arn\""
        ));
        assert!(!is_transient(
            "CreateRole",
            "MalformedPolicyDocument",
            "Syntax errors in policy"
        ));
        assert!(!is_transient(
            "CreateRole",
            "LimitExceeded",
            "Cannot exceed quota"
        ));
        assert!(!is_transient("CreateRole", "AccessDenied", "no"));
        assert!(is_transient("DeleteRole", "DeleteConflict", "must detach"));
        assert!(!is_transient("CreateRole", "EntityAlreadyExists", "exists"));
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert!(backoff(1) <= Duration::from_millis(200));
        assert!(backoff(10) <= Duration::from_millis(3_000));
        assert!(backoff(10) >= Duration::from_millis(1_500));
    }
}
