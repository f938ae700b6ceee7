//! The one answer: delivered to the ResponseURL (or returned, when a relay answers
//! CloudFormation), logged, and shaped into the invocation's result; and the answers given
//! without the lifecycle (an unreadable event, a panic, the deadline).

use super::deadline::before;
use super::Calls;
use super::Deps;
use crate::arn::Arn;
use crate::identity::{self, failed_marker_id, stack_env};
use crate::lifecycle::Outcome;
use crate::logs::JsonMembers;
use crate::metrics::Answered;
use crate::protocol::{self, Answer, EventFields};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::time::Instant;

/// The answer to a request the lifecycle handled: here its error becomes the Reason.
pub(super) fn answer_of(outcome: Outcome) -> Answer {
    match outcome.result {
        Ok(outputs) => Answer {
            reason: outcome.note,
            ..Answer::success(outcome.physical_id, outputs)
        },
        Err(error) => Answer::failed(outcome.physical_id, error.to_string()),
    }
}

/// Whether `service_token` (the event's `ResourceProperties.ServiceToken`) names another Lambda
/// function than `invoked` (this invocation's function ARN, perhaps with an alias or version):
/// then a relay such as the CDK Provider framework invoked this function and answers
/// CloudFormation itself.
pub fn is_relayed(service_token: Option<&str>, invoked: &str) -> bool {
    // arn:partition:lambda:region:account:function:name[:qualifier] → all but the qualifier.
    fn function(text: &str) -> Option<(&str, &str, &str, &str)> {
        let arn = Arn::parse(text).filter(|arn| arn.service == "lambda")?;
        let name = arn.resource.strip_prefix("function:")?.split(':').next()?;
        Some((arn.partition, arn.region, arn.account, name))
    }
    match (service_token.and_then(function), function(invoked)) {
        (Some(token), Some(this)) => token != this,
        // No token, not a function (an SNS topic), or no known ARN of our own: not a relay.
        _ => false,
    }
}

/// The answer to an event serde_json could not read: FAILED (a Delete: SUCCESS, since nothing
/// was ever made from such properties).
pub(super) fn unreadable_answer(fields: &EventFields, id: String, error: &str) -> Answer {
    if fields.request_type.as_deref() == Some("Delete") {
        return Answer::success(id, Default::default());
    }
    Answer::failed(id, format!("malformed event: {error}"))
}

/// Deliver the one answer (PUT, unless there is no ResponseURL or a relay answers), log it, and
/// shape the invocation's result.
pub(super) async fn answer_and_return(
    deps: &Deps,
    fields: &EventFields,
    relayed: bool,
    answer: Answer,
    counts: Option<Calls>,
    started: Instant,
    deadline: Instant,
) -> Result<Value, lambda_runtime::Error> {
    let body = protocol::render_body(fields, &answer);
    let sent = match &fields.response_url {
        Some(url) if !relayed => {
            let put_deadline = before(deadline, Duration::from_millis(100));
            let result = protocol::put_response(&deps.http, url, body.clone(), put_deadline).await;
            if let Err(e) = &result {
                tracing::error!(error = %e, "could not deliver the answer");
            }
            Some((protocol::redact_url(url).to_string(), result))
        }
        _ => None,
    };
    let answered_by = match &sent {
        Some((url, _)) => url.as_str(),
        None if relayed => "(none: relayed by another function, which answers CloudFormation)",
        None => "(none: answered by return value)",
    };
    let status = if answer.success { "SUCCESS" } else { "FAILED" };
    let duration_ms = started.elapsed().as_millis() as u64;
    // The metrics (EMF) and the calls by action are JSON values: members of this one line.
    let mut members = deps.metrics.members(&Answered {
        request_type: fields.request_type.as_deref().unwrap_or("?"),
        status,
        duration_ms,
        iam_calls: counts.as_ref().map(|c| c.total),
        iam_writes: counts.as_ref().map(|c| c.writes),
        cold_start: deps.metrics.take_cold_start(),
    });
    if let Some(counts) = &counts {
        members.insert("iam_calls_by_action".into(), json!(counts.by_action));
    }
    tracing::info!(
        status,
        reason = answer.reason.as_deref().unwrap_or(""),
        physical_resource_id = %answer.physical_resource_id,
        iam_calls = counts.as_ref().map(|c| c.total),
        iam_writes = counts.as_ref().map(|c| c.writes),
        iam_retries = counts.as_ref().map(|c| c.retries),
        duration_ms,
        response_url = answered_by,
        json_members = %JsonMembers(members),
        "answered"
    );
    match sent {
        // Answered: the invocation succeeds, so Lambda never runs the event again.
        Some((_, Ok(()))) => Ok(serde_json::from_slice(&body)?),
        // Not delivered: failing the invocation lets Lambda's own retry try once more.
        Some((_, Err(e))) => Err(e.into()),
        // By return value: a relay reports a failed invocation to CloudFormation as FAILED,
        // with the error message as the Reason.
        None if answer.success => Ok(json!({
            "PhysicalResourceId": answer.physical_resource_id,
            "Data": answer.data,
        })),
        None => {
            let reason = answer.reason.unwrap_or_default();
            Err(protocol::cut_reason(&reason, protocol::RELAYED_REASON_MAX_BYTES).into())
        }
    }
}

pub(super) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}

pub(super) fn fallback_physical_id(fields: &EventFields) -> String {
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
