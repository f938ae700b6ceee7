//! A thin adapter over `aws-sdk-iam`: read the actual state, run planned operations, and the
//! one retry policy for IAM's transient errors. Nothing else.
//!
//! The SDK's own retries are turned off (`main.rs`): every attempt goes through `Session::call`,
//! which decides alone whether to try again and counts each attempt for the logs.

use crate::plan::OWNER_TAG_KEY;
use crate::plan::{ActualPolicy, ActualRole, ActualState, Op, Plan, PolicyVersion};
use aws_sdk_iam::config::http::HttpResponse;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;
use futures::future::{join_all, try_join_all};
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

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
    pub action: &'static str,
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
enum Missing {
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
enum Retry {
    No,
    /// Throttling, IAM's 5xx, no answer: retried until the request's retry horizon.
    Transient,
    /// IAM has not yet propagated something (a new entity, a new principal, a detach): retried
    /// for at most `PROPAGATION_WINDOW`, and never past the retry horizon.
    Propagation,
}

fn classify(err: &IamError, missing: Missing) -> Retry {
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
            matches!(err.action, "CreateRole" | "UpdateAssumeRolePolicy")
                && err
                    .message
                    .to_ascii_lowercase()
                    .contains("invalid principal")
        }
        // A detach or instance-profile removal not yet visible to the delete.
        "DeleteConflict" => matches!(err.action, "DeleteRole" | "DeletePolicy"),
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

/// How long IAM may take to make a new role, policy or principal visible everywhere: calls
/// that find it missing (or a trust that calls it invalid) are retried this long. Terraform's
/// AWS provider waits 2 minutes for the same cases.
pub const PROPAGATION_WINDOW: Duration = Duration::from_secs(120);

/// One attempt never waits longer than this for IAM's answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);

/// Time kept back, of what the request has left, for taking back what a failed request made:
/// retries of the forward work stop this much before the request's deadline.
fn rollback_reserve(remaining: Duration) -> Duration {
    (remaining / 4).clamp(Duration::from_millis(1_500), Duration::from_secs(60))
}

fn to_iam_error<E>(action: &'static str, target: &str, err: SdkError<E, HttpResponse>) -> IamError
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
    /// No IAM call runs past this.
    deadline: Instant,
    /// Retries of the forward work stop here, leaving time to take it back.
    retry_horizon: Instant,
    /// Set once the request is taking back or tearing down: its retries may use all the time.
    cleaning_up: AtomicBool,
    in_flight: tokio::sync::Semaphore,
    writes: AtomicUsize,
    retries: AtomicUsize,
    /// Attempts per IAM action (retries included), for the log.
    by_action: std::sync::Mutex<BTreeMap<&'static str, usize>>,
}

impl<'a> Session<'a> {
    pub fn new(client: &'a Client, deadline: Instant) -> Self {
        let remaining = deadline.saturating_duration_since(Instant::now());
        Session {
            client,
            deadline,
            retry_horizon: deadline - rollback_reserve(remaining).min(remaining),
            cleaning_up: AtomicBool::new(false),
            in_flight: tokio::sync::Semaphore::new(MAX_CONCURRENT_CALLS),
            writes: AtomicUsize::new(0),
            retries: AtomicUsize::new(0),
            by_action: Default::default(),
        }
    }

    /// When this request's IAM work must be done.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// From now on the request only takes back or removes: its retries may run until the
    /// deadline instead of stopping early to leave room for a rollback.
    pub fn start_cleanup(&self) {
        self.cleaning_up.store(true, Ordering::Relaxed);
    }

    fn retry_horizon(&self) -> Instant {
        if self.cleaning_up.load(Ordering::Relaxed) {
            self.deadline
        } else {
            self.retry_horizon
        }
    }

    /// Every attempt of every call, retries included.
    pub fn calls(&self) -> usize {
        self.by_action.lock().expect("not poisoned").values().sum()
    }

    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::Relaxed)
    }

    /// Attempts that were retries of a failed one.
    pub fn retries(&self) -> usize {
        self.retries.load(Ordering::Relaxed)
    }

    /// The attempts per IAM action, in alphabetical order.
    pub fn calls_by_action(&self) -> BTreeMap<&'static str, usize> {
        self.by_action.lock().expect("not poisoned").clone()
    }

    /// One IAM call under the one retry policy: each attempt is counted and bounded by the
    /// deadline; a failure is retried, after a fully jittered growing wait, only if `classify`
    /// says so and the wait ends before the retry horizon (for propagation, also within
    /// `PROPAGATION_WINDOW` of the first attempt).
    async fn call<T, E, F, Fut>(
        &self,
        action: &'static str,
        target: &str,
        missing: Missing,
        f: F,
    ) -> Result<T, IamError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let first = Instant::now();
        let mut attempt = 0u32;
        let mut uncertain = false;
        loop {
            *self
                .by_action
                .lock()
                .expect("not poisoned")
                .entry(action)
                .or_default() += 1;
            let permit = self.in_flight.acquire().await.expect("never closed");
            // The forward work's attempts also end at the retry horizon: a hanging call must
            // leave the rollback its time, as a retry must.
            let attempt_end = self.retry_horizon().min(Instant::now() + ATTEMPT_TIMEOUT);
            let outcome = tokio::time::timeout_at(attempt_end, f()).await;
            drop(permit);
            let mut err = match outcome {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(err)) => to_iam_error(action, target, err),
                Err(_) => IamError {
                    action,
                    target: target.to_string(),
                    code: String::new(),
                    message: format!("timed out: IAM did not answer within {} s or in the time the request had left", ATTEMPT_TIMEOUT.as_secs()),
                    origin: Origin::Transport,
                    after_uncertain_attempt: false,
                },
            };
            err.after_uncertain_attempt = uncertain;
            uncertain |= matches!(err.origin, Origin::Transport)
                || matches!(err.origin, Origin::Service { status } if status >= 500);
            attempt += 1;
            let wait = backoff(attempt);
            let horizon = match classify(&err, missing) {
                Retry::No => return Err(err),
                Retry::Transient => self.retry_horizon(),
                Retry::Propagation => self.retry_horizon().min(first + PROPAGATION_WINDOW),
            };
            if Instant::now() + wait >= horizon {
                return Err(err);
            }
            self.retries.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(action, target, code = %err.code, message = %err.message, attempt, wait_ms = wait.as_millis() as u64, "retrying IAM call");
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
        let names = roles;
        let roles = try_join_all(
            names
                .iter()
                .map(|(name, inline)| self.read_role(name, inline, for_delete)),
        );
        let policies = try_join_all(policy_arns.iter().map(|a| self.read_policy(a, for_delete)));
        let (roles, policies) = futures::try_join!(roles, policies)?;
        Ok(ActualState {
            // Keyed by the name asked for: IAM finds `MyRole` when asked for `myrole` (names are
            // unique regardless of case), and the plan looks roles up by the desired name.
            roles: names
                .iter()
                .zip(roles)
                .filter_map(|((asked, _), found)| Some((asked.clone(), found?)))
                .collect(),
            policies: policies
                .into_iter()
                .flatten()
                .map(|p| (p.arn.clone(), p))
                .collect(),
        })
    }

    async fn list<T, E, F, Fut>(
        &self,
        action: &'static str,
        target: &str,
        f: F,
    ) -> Result<Option<Vec<T>>, IamError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Vec<T>, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        or_missing(self.call(action, target, Missing::Final, f).await)
    }

    async fn inline_document(
        &self,
        role: &str,
        policy_name: &str,
    ) -> Result<Option<Value>, IamError> {
        let target = format!("role {role} (inline policy {policy_name})");
        let got = self.call("GetRolePolicy", &target, Missing::Final, || {
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
            let got = self.call("GetRole", target, Missing::Final, || {
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
            let got = self.call("GetPolicy", target, Missing::Final, || {
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
                let got = self.call("GetPolicyVersion", target, Missing::Final, || {
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
        let removal = op.is_removal();
        let missing = match op {
            _ if removal => Missing::Final,
            Op::CreateRole { .. } | Op::CreatePolicy { .. } => Missing::Final,
            Op::AttachPolicy { arn, .. } if is_aws_managed(arn) => Missing::RolePropagating,
            // A boundary policy that does not exist is the stack's mistake, not propagation.
            Op::PutBoundary { .. } => Missing::RolePropagating,
            // Every other write is to a role or policy this request made or just read.
            _ => Missing::Propagating,
        };
        let result = match op {
            Op::CreateRole {
                name,
                path,
                trust,
                permissions_boundary,
                tags,
            } => self
                .call(action, t, missing, || {
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
                .call(action, t, missing, || {
                    c.update_assume_role_policy()
                        .role_name(role)
                        .policy_document(trust.to_string())
                        .send()
                })
                .await
                .map(drop),
            Op::PutBoundary { role, arn } => self
                .call(action, t, missing, || {
                    c.put_role_permissions_boundary()
                        .role_name(role)
                        .permissions_boundary(arn)
                        .send()
                })
                .await
                .map(drop),
            Op::DeleteBoundary { role } => self
                .call(action, t, missing, || {
                    c.delete_role_permissions_boundary().role_name(role).send()
                })
                .await
                .map(drop),
            Op::TagRole { role, tags } => self
                .call(action, t, missing, || {
                    c.tag_role()
                        .role_name(role)
                        .set_tags(Some(map_to_tags(tags)))
                        .send()
                })
                .await
                .map(drop),
            Op::UntagRole { role, keys } => self
                .call(action, t, missing, || {
                    c.untag_role()
                        .role_name(role)
                        .set_tag_keys(Some(keys.clone()))
                        .send()
                })
                .await
                .map(drop),
            Op::AttachPolicy { role, arn } => self
                .call(action, t, missing, || {
                    c.attach_role_policy()
                        .role_name(role)
                        .policy_arn(arn)
                        .send()
                })
                .await
                .map(drop),
            Op::DetachPolicy { role, arn } => self
                .call(action, t, missing, || {
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
                .call(action, t, missing, || {
                    c.put_role_policy()
                        .role_name(role)
                        .policy_name(name)
                        .policy_document(document.to_string())
                        .send()
                })
                .await
                .map(drop),
            Op::DeleteInlinePolicy { role, name } => self
                .call(action, t, missing, || {
                    c.delete_role_policy()
                        .role_name(role)
                        .policy_name(name)
                        .send()
                })
                .await
                .map(drop),
            Op::RemoveFromInstanceProfile { role, profile } => self
                .call(action, t, missing, || {
                    c.remove_role_from_instance_profile()
                        .role_name(role)
                        .instance_profile_name(profile)
                        .send()
                })
                .await
                .map(drop),
            Op::DeleteRole { role } => self
                .call(action, t, missing, || {
                    c.delete_role().role_name(role).send()
                })
                .await
                .map(drop),
            Op::CreatePolicy {
                name,
                path,
                document,
                tags,
                ..
            } => self
                .call(action, t, missing, || {
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
                .call(action, t, missing, || {
                    c.create_policy_version()
                        .policy_arn(arn)
                        .policy_document(document.to_string())
                        .set_as_default(true)
                        .send()
                })
                .await
                .map(drop),
            Op::DeletePolicyVersion { arn, version_id } => self
                .call(action, t, missing, || {
                    c.delete_policy_version()
                        .policy_arn(arn)
                        .version_id(version_id)
                        .send()
                })
                .await
                .map(drop),
            Op::TagPolicy { arn, tags } => self
                .call(action, t, missing, || {
                    c.tag_policy()
                        .policy_arn(arn)
                        .set_tags(Some(map_to_tags(tags)))
                        .send()
                })
                .await
                .map(drop),
            Op::UntagPolicy { arn, keys } => self
                .call(action, t, missing, || {
                    c.untag_policy()
                        .policy_arn(arn)
                        .set_tag_keys(Some(keys.clone()))
                        .send()
                })
                .await
                .map(drop),
            Op::DeletePolicy { arn } => self
                .call(action, t, missing, || {
                    c.delete_policy().policy_arn(arn).send()
                })
                .await
                .map(drop),
        };
        match result {
            Err(e) if removal && e.is_not_found() => Ok(()),
            // An earlier attempt landed although IAM did not say so: the entity carries this
            // request's owner tag.
            Err(e) if e.is_already_exists() && e.after_uncertain_attempt => {
                match self.made_by(op).await {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(e),
                    Err(check) => Err(check),
                }
            }
            other => other,
        }
    }

    /// Whether the role or policy an `Op::CreateRole` / `Op::CreatePolicy` names exists with the
    /// owner tag that op would have given it.
    async fn made_by(&self, op: &Op) -> Result<bool, IamError> {
        let c = self.client;
        let target = op.target();
        let (tags, wanted) = match op {
            Op::CreateRole { name, tags, .. } => {
                let got = self.call("GetRole", &target, Missing::Final, || {
                    c.get_role().role_name(name).send()
                });
                let got = got.await?;
                (got.role().map(|r| tags_to_map(r.tags())), tags)
            }
            Op::CreatePolicy { arn, tags, .. } => {
                let got = self.call("GetPolicy", &target, Missing::Final, || {
                    c.get_policy().policy_arn(arn).send()
                });
                let got = got.await?;
                (got.policy().map(|p| tags_to_map(p.tags())), tags)
            }
            _ => return Ok(false),
        };
        let owner = |tags: &BTreeMap<String, String>| tags.get(OWNER_TAG_KEY).cloned();
        Ok(tags.is_some_and(|found| owner(&found).is_some() && owner(&found) == owner(wanted)))
    }
}

/// AWS managed policies live in the account named `aws`.
fn is_aws_managed(policy_arn: &str) -> bool {
    policy_arn.split(':').nth(4) == Some("aws")
}

/// The wait before retry `attempt` (1, 2, …): "full jitter", uniformly random up to a cap
/// that doubles from 200 ms to 5 s, so many stacks throttled together spread out.
fn backoff(attempt: u32) -> Duration {
    let cap_ms = (200u64 << attempt.saturating_sub(1).min(5)).min(5_000);
    Duration::from_millis(random_below(cap_ms + 1))
}

/// A random number below `bound`: std's `RandomState` is keyed from the operating system's
/// random source (per thread, then stepped), which is all the jitter needs.
fn random_below(bound: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(bound);
    hasher.finish() % bound.max(1)
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

    fn error(action: &'static str, status: u16, code: &str, message: &str) -> IamError {
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
            (error("AttachRolePolicy", 400, "Throttling", "Rate exceeded"), Final, Retry::Transient),
            (error("TagRole", 409, "ConcurrentModification", ""), Final, Retry::Transient),
            (error("GetRole", 500, "ServiceFailure", "x"), Final, Retry::Transient),
            (error("GetRole", 503, "", ""), Final, Retry::Transient),
            (
                error("CreateRole", 400, "MalformedPolicyDocument", "Invalid principal in policy: \"AWS\":\"arn\""),
                Final,
                Retry::Propagation,
            ),
            (error("CreateRole", 400, "MalformedPolicyDocument", "Syntax errors in policy"), Final, Retry::No),
            (error("CreateRole", 409, "LimitExceeded", "Cannot exceed quota for RolesPerAccount: 1000"), Final, Retry::No),
            (error("CreateRole", 403, "AccessDenied", "no"), Final, Retry::No),
            (error("DeleteRole", 409, "DeleteConflict", "must detach"), Final, Retry::Propagation),
            (error("CreateRole", 409, "EntityAlreadyExists", "exists"), Final, Retry::No),
            // A write to something this request made a moment ago; a read or create: final.
            (error("PutRolePolicy", 404, "NoSuchEntity", "The role with name r cannot be found."), Propagating, Retry::Propagation),
            (error("GetRole", 404, "NoSuchEntity", "The role with name r cannot be found."), Final, Retry::No),
            // Attaching an AWS managed policy: a missing role propagates, a missing policy is final.
            (error("AttachRolePolicy", 404, "NoSuchEntity", "The role with name r cannot be found."), RolePropagating, Retry::Propagation),
            (error("AttachRolePolicy", 404, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/X does not exist or is not attachable."), RolePropagating, Retry::No),
            (error("AttachRolePolicy", 404, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy does not exist or is not attachable."), RolePropagating, Retry::No),
            (error("AttachRolePolicy", 404, "NoSuchEntity", "Policy arn:aws:iam::123456789012:policy/X does not exist or is not attachable."), Propagating, Retry::Propagation),
        ];
        for (err, missing, expected) in cases {
            assert_eq!(classify(&err, missing), expected, "{err} ({missing:?})");
        }
        // No answer may have landed: retried. An error without a code from building the
        // request or reading the answer: not.
        let mut transport = error("CreateRole", 0, "", "connection reset");
        transport.origin = Origin::Transport;
        assert_eq!(classify(&transport, Missing::Final), Retry::Transient);
        let mut local = error("CreateRole", 0, "", "failed to construct request");
        local.origin = Origin::Local;
        assert_eq!(classify(&local, Missing::Final), Retry::No);
    }

    #[test]
    fn limit_exceeded_names_the_quota() {
        let e = error(
            "AttachRolePolicy",
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
            "CreateRole",
            409,
            "LimitExceeded",
            "Cannot exceed quota for ACLSizePerRole: 2048",
        );
        assert!(
            e.to_string()
                .contains("role trust policy length, 2,048 characters"),
            "{e}"
        );
        let e = error("GetRole", 0, "", "dispatch failure");
        assert_eq!(e.to_string(), "GetRole on role r failed: dispatch failure");
    }

    #[test]
    fn backoff_is_jittered_and_bounded() {
        let waits: Vec<Duration> = (0..200).map(|_| backoff(1)).collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(200)));
        assert!(waits.iter().any(|w| *w != waits[0]), "jittered");
        assert!((0..200).all(|_| backoff(30) <= Duration::from_secs(5)));
        let late: Duration = (0..200).map(|_| backoff(30)).sum();
        assert!(
            late / 200 > Duration::from_millis(1_500),
            "grows: mean {:?}",
            late / 200
        );
    }

    #[test]
    fn rollback_reserve_is_bounded() {
        assert_eq!(
            rollback_reserve(Duration::from_secs(2)),
            Duration::from_millis(1_500)
        );
        assert_eq!(
            rollback_reserve(Duration::from_secs(60)),
            Duration::from_secs(15)
        );
        assert_eq!(
            rollback_reserve(Duration::from_secs(900)),
            Duration::from_secs(60)
        );
    }
}
