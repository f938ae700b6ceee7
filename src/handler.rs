//! One event in, exactly one answer out: the lifecycle (Create, Update, Delete) on top of spec,
//! desired, plan and iam, and the guards around it (deadline watchdog, panics).

use crate::desired::{self, DesiredState, Owner};
use crate::iam::Session;
use crate::identity::{self, failed_marker_id, is_failed_marker, stack_env};
use crate::plan::{self, ActualState};
use crate::protocol::{self, Answer, EventFields};
use crate::spec::{self, Spec};
use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest as Request;
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;
use tracing::Instrument;

/// What the handler needs, built once per process.
pub struct Deps {
    pub iam: aws_sdk_iam::Client,
    pub http: reqwest::Client,
}

/// Time kept back from the Lambda deadline to send the answer.
fn safety_margin(remaining: Duration) -> Duration {
    (remaining / 10).clamp(Duration::from_millis(800), Duration::from_secs(10))
}

/// The invocation deadline as an Instant. Lambda sends milliseconds since the epoch; a value
/// too small to be one (cargo-lambda's emulator sends the timeout itself) is read as a duration.
fn deadline_instant(deadline_ms: u64) -> Instant {
    const YEAR_2001_MS: u64 = 1_000_000_000_000;
    if deadline_ms < YEAR_2001_MS {
        return Instant::now() + Duration::from_millis(deadline_ms);
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}

/// The Lambda entry point.
pub async fn handle(
    deps: Arc<Deps>,
    event: LambdaEvent<Value>,
) -> Result<Value, lambda_runtime::Error> {
    let started = Instant::now();
    let deadline = deadline_instant(event.context.deadline);
    let raw = event.payload;
    let fields = EventFields::read(&raw);
    let span = tracing::info_span!(
        "event",
        RequestId = %fields.request_id,
        LogicalResourceId = %fields.logical_resource_id,
        RequestType = fields.request_type.as_deref().unwrap_or("?"),
        LambdaRequestId = %event.context.request_id,
    );
    async move {
        tracing::debug!(deadline_ms = event.context.deadline, remaining_ms = deadline.saturating_duration_since(Instant::now()).as_millis() as u64, "received");
        let budget_end = deadline - safety_margin(deadline.saturating_duration_since(Instant::now()));
        // If the work cannot answer (timeout, panic), the answer still needs an id that the
        // following Delete can clean up with.
        let fallback_id = fallback_physical_id(&fields);
        let work = tokio::spawn({
            let deps = deps.clone();
            let raw = raw.clone();
            async move { process(&deps, &raw, budget_end).await }.in_current_span()
        });
        let abort = work.abort_handle();
        let (answer, calls, writes) = tokio::select! {
            joined = work => match joined {
                Ok(outcome) => outcome,
                Err(e) => {
                    let reason = match e.try_into_panic() {
                        Ok(panic) => format!("internal error: the handler panicked: {}", panic_message(&panic)),
                        Err(_) => "internal error: the handler was cancelled".to_string(),
                    };
                    tracing::error!(reason, "handler failed");
                    (Answer::failed(fallback_id, reason), 0, 0)
                }
            },
            _ = tokio::time::sleep_until(budget_end) => {
                abort.abort();
                let reason = "timed out: the request did not finish before the Lambda deadline; anything it created is owned by this PhysicalResourceId and removed by its Delete";
                tracing::error!(reason);
                (Answer::failed(fallback_id, reason), 0, 0)
            }
        };
        let body = protocol::render_body(&fields, &answer);
        let sent = match &fields.response_url {
            Some(url) => {
                let put_deadline = deadline - Duration::from_millis(100);
                let result = protocol::put_response(&deps.http, url, body.clone(), put_deadline).await;
                if let Err(e) = &result {
                    tracing::error!(error = %e, "could not deliver the answer");
                }
                Some((protocol::redact_url(url).to_string(), result))
            }
            None => None,
        };
        tracing::info!(
            status = if answer.success { "SUCCESS" } else { "FAILED" },
            reason = answer.reason.as_deref().unwrap_or(""),
            physical_resource_id = %answer.physical_resource_id,
            iam_calls = calls,
            iam_writes = writes,
            duration_ms = started.elapsed().as_millis() as u64,
            response_url = sent.as_ref().map(|(u, _)| u.as_str()).unwrap_or("(none: answered by return value)"),
            "answered"
        );
        match sent {
            // Answered: the invocation succeeds, so Lambda never runs the event again.
            Some((_, Ok(()))) => Ok(serde_json::from_slice(&body)?),
            // Not delivered: failing the invocation lets Lambda's own retry try once more.
            Some((_, Err(e))) => Err(e.into()),
            None if answer.success => Ok(json!({
                "PhysicalResourceId": answer.physical_resource_id,
                "Data": answer.data,
            })),
            None => Err(answer.reason.unwrap_or_default().into()),
        }
    }
    .instrument(span)
    .await
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}

fn fallback_physical_id(fields: &EventFields) -> String {
    if let Some(id) = &fields.physical_resource_id {
        return id.clone();
    }
    match stack_env(&fields.stack_id) {
        Ok(env) => identity::physical_id(
            &env,
            &fields.stack_id,
            &fields.logical_resource_id,
            &fields.request_id,
        ),
        Err(_) => failed_marker_id(&fields.request_id),
    }
}

/// Handle one parsed event: the answer and the IAM call/write counts.
pub async fn process(deps: &Deps, raw: &Value, budget_end: Instant) -> (Answer, usize, usize) {
    let fields = EventFields::read(raw);
    let request = match protocol::parse_request(raw) {
        Ok(request) => request,
        Err(reason) => {
            let id = fields
                .physical_resource_id
                .clone()
                .unwrap_or_else(|| failed_marker_id(&fields.request_id));
            // A malformed Delete must not block the stack: nothing was made from it.
            let success = fields.request_type.as_deref() == Some("Delete");
            let answer = if success {
                Answer::success(id, Default::default())
            } else {
                Answer::failed(id, reason)
            };
            return (answer, 0, 0);
        }
    };
    let session = Session::new(&deps.iam, budget_end);
    let answer = match request {
        Request::Create(r) => {
            create(
                &session,
                &r.stack_id,
                &r.logical_resource_id,
                &r.request_id,
                &r.resource_properties,
            )
            .await
        }
        Request::Update(r) => {
            update(
                &session,
                &r.stack_id,
                &r.logical_resource_id,
                &r.request_id,
                &r.physical_resource_id,
                &r.resource_properties,
                &r.old_resource_properties,
            )
            .await
        }
        Request::Delete(r) => {
            delete(
                &session,
                &r.stack_id,
                &r.logical_resource_id,
                &r.physical_resource_id,
                &r.resource_properties,
            )
            .await
        }
        // The enum is non-exhaustive; a future RequestType is answered, not ignored.
        #[allow(unreachable_patterns)]
        _ => Answer::failed(
            failed_marker_id(&fields.request_id),
            "unsupported RequestType",
        ),
    };
    (answer, session.calls(), session.writes())
}

fn names(state: &DesiredState) -> (Vec<String>, Vec<String>) {
    (
        state.roles.iter().map(|r| r.name.clone()).collect(),
        state.policies.iter().map(|p| p.arn.clone()).collect(),
    )
}

async fn create(
    session: &Session<'_>,
    stack_id: &str,
    logical_id: &str,
    request_id: &str,
    properties: &Value,
) -> Answer {
    let marker = || failed_marker_id(request_id);
    let env = match stack_env(stack_id) {
        Ok(env) => env,
        Err(reason) => return Answer::failed(marker(), reason),
    };
    let spec = match spec::parse(properties) {
        Ok(spec) => spec,
        Err(e) => return Answer::failed(marker(), e.to_string()),
    };
    let id = identity::physical_id(&env, stack_id, logical_id, request_id);
    let owner = Owner {
        env: &env,
        logical_id,
        physical_id: &id,
    };
    let desired = desired::build(&spec, &owner);
    match converge(session, &desired, &[], &[&id]).await {
        Ok(()) => Answer::success(id.clone(), desired::outputs(&spec, &desired, &env)),
        Err(reason) => {
            // Everything this request made is owned by `id` (a retry of the same request has
            // the same id), so removing what `id` owns removes exactly this request's work.
            let cleanup = remove_owned(session, &desired, &id).await;
            Answer::failed(id, with_cleanup(reason, cleanup))
        }
    }
}

fn with_cleanup(reason: String, cleanup: Result<(), String>) -> String {
    match cleanup {
        Ok(()) => format!("{reason}; what this request created was removed again"),
        Err(e) => format!("{reason}; cleanup also failed ({e}): the Delete for this PhysicalResourceId removes the rest"),
    }
}

/// Whether going from `old` to `new` needs a new resource: a name or path change, or a kind
/// removed (its role must outlive a rollback).
pub fn needs_replacement(old: &Spec, new: &Spec) -> bool {
    old.path != new.path
        || old
            .roles
            .iter()
            .any(|(kind, old_role)| match new.roles.get(kind) {
                None => true,
                Some(new_role) => {
                    old_role.role_name != new_role.role_name
                        || old_role.policy_name != new_role.policy_name
                }
            })
}

#[allow(clippy::too_many_arguments)]
async fn update(
    session: &Session<'_>,
    stack_id: &str,
    logical_id: &str,
    request_id: &str,
    physical_id: &str,
    properties: &Value,
    old_properties: &Value,
) -> Answer {
    let env = match stack_env(stack_id) {
        Ok(env) => env,
        Err(reason) => return Answer::failed(physical_id.to_string(), reason),
    };
    let spec = match spec::parse(properties) {
        Ok(spec) => spec,
        Err(e) => return Answer::failed(physical_id.to_string(), e.to_string()),
    };
    let old_spec = spec::parse(old_properties).ok();
    let replace = is_failed_marker(physical_id)
        || old_spec
            .as_ref()
            .is_none_or(|old| needs_replacement(old, &spec));
    let id = if replace {
        identity::physical_id(&env, stack_id, logical_id, request_id)
    } else {
        physical_id.to_string()
    };
    let desired = desired::build(
        &spec,
        &Owner {
            env: &env,
            logical_id,
            physical_id: &id,
        },
    );
    // In place, what the old properties had and the new ones drop (a custom policy when
    // LeastPrivilege is turned off) is read too, so that it can be removed.
    let old_policies: Vec<String> = match (&old_spec, replace) {
        (Some(old), false) => {
            let old_desired = desired::build(
                old,
                &Owner {
                    env: &env,
                    logical_id,
                    physical_id,
                },
            );
            names(&old_desired).1
        }
        _ => vec![],
    };
    match converge(session, &desired, &old_policies, &[&id, physical_id]).await {
        Ok(()) => Answer::success(id, desired::outputs(&spec, &desired, &env)),
        Err(reason) if replace => {
            let cleanup = remove_owned(session, &desired, &id).await;
            Answer::failed(physical_id.to_string(), with_cleanup(reason, cleanup))
        }
        Err(reason) => Answer::failed(physical_id.to_string(), reason),
    }
}

async fn converge(
    session: &Session<'_>,
    desired: &DesiredState,
    extra_policies: &[String],
    accepted_owners: &[&str],
) -> Result<(), String> {
    let (roles, mut policies) = names(desired);
    policies.extend(
        extra_policies
            .iter()
            .filter(|a| !policies.contains(a))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let actual = session
        .read_state(&roles, &policies, false)
        .await
        .map_err(|e| e.to_string())?;
    let plan = plan::converge(desired, &actual, accepted_owners).map_err(|e| e.to_string())?;
    tracing::info!(plan = %plan, "plan");
    session.apply(&plan).await.map_err(|e| e.to_string())
}

/// Remove every role and policy of `desired` that `owner` owns.
async fn remove_owned(
    session: &Session<'_>,
    desired: &DesiredState,
    owner: &str,
) -> Result<(), String> {
    let (roles, policies) = names(desired);
    let actual: ActualState = session
        .read_state(&roles, &policies, true)
        .await
        .map_err(|e| e.to_string())?;
    let plan = plan::teardown(&actual, owner);
    tracing::info!(plan = %plan, "teardown plan");
    session.apply(&plan).await.map_err(|e| e.to_string())
}

async fn delete(
    session: &Session<'_>,
    stack_id: &str,
    logical_id: &str,
    physical_id: &str,
    properties: &Value,
) -> Answer {
    let done = || Answer::success(physical_id.to_string(), Default::default());
    if is_failed_marker(physical_id) {
        return done();
    }
    // A Create with bad input or a bad StackId made nothing; its Delete has nothing to do.
    let (Ok(env), Ok(spec)) = (stack_env(stack_id), spec::parse(properties)) else {
        tracing::warn!("Delete with properties that never created anything; nothing to do");
        return done();
    };
    let desired = desired::build(
        &spec,
        &Owner {
            env: &env,
            logical_id,
            physical_id,
        },
    );
    match remove_owned(session, &desired, physical_id).await {
        Ok(()) => done(),
        Err(reason) => Answer::failed(physical_id.to_string(), reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(v: Value) -> Spec {
        spec::parse(&v).unwrap()
    }

    #[test]
    fn replacement_rules() {
        let base = spec(json!({"Roles": {"TaskExecution": {"RoleName": "a"}, "EcsAnywhere": {}}}));
        let same = base.clone();
        assert!(!needs_replacement(&base, &same));
        let tagged = spec(
            json!({"Roles": {"TaskExecution": {"RoleName": "a"}, "EcsAnywhere": {"LeastPrivilege": "true"}}, "Tags": [{"Key": "k", "Value": "v"}]}),
        );
        assert!(!needs_replacement(&base, &tagged));
        let added = spec(
            json!({"Roles": {"TaskExecution": {"RoleName": "a"}, "EcsAnywhere": {}, "Task": {"ClusterName": "c"}}}),
        );
        assert!(!needs_replacement(&base, &added));
        let renamed =
            spec(json!({"Roles": {"TaskExecution": {"RoleName": "b"}, "EcsAnywhere": {}}}));
        assert!(needs_replacement(&base, &renamed));
        let removed = spec(json!({"Roles": {"TaskExecution": {"RoleName": "a"}}}));
        assert!(needs_replacement(&base, &removed));
        let moved = spec(
            json!({"Path": "/x/", "Roles": {"TaskExecution": {"RoleName": "a"}, "EcsAnywhere": {}}}),
        );
        assert!(needs_replacement(&base, &moved));
    }

    #[test]
    fn deadlines_absolute_or_relative() {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let absolute = deadline_instant(now_ms + 30_000).saturating_duration_since(Instant::now());
        assert!(absolute > Duration::from_secs(29) && absolute <= Duration::from_secs(30));
        let relative = deadline_instant(600_000).saturating_duration_since(Instant::now());
        assert!(relative > Duration::from_secs(599));
        assert_eq!(
            deadline_instant(now_ms - 1_000).saturating_duration_since(Instant::now()),
            Duration::ZERO
        );
    }

    #[test]
    fn margin_is_bounded() {
        assert_eq!(
            safety_margin(Duration::from_secs(3)),
            Duration::from_millis(800)
        );
        assert_eq!(
            safety_margin(Duration::from_secs(60)),
            Duration::from_secs(6)
        );
        assert_eq!(
            safety_margin(Duration::from_secs(900)),
            Duration::from_secs(10)
        );
    }
}
