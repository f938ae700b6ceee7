//! One event in, exactly one answer out: the guards around the lifecycle (`crate::lifecycle`).
//! The work runs in its own task under a deadline watchdog, so a panic or the deadline still
//! gets an answer; `answer` delivers and logs it, `deadline` says how much time there is.

mod answer;
mod deadline;
#[cfg(test)]
mod tests;

pub use answer::is_relayed;

use crate::account::Caller;
use crate::error::Error;
use crate::iam::Session;
use crate::identity::failed_marker_id;
use crate::lifecycle::{self, Lifecycle, UpdateRequest};
use crate::metrics::Metrics;
use crate::operator::Operator;
use crate::protocol::{self, Answer, EventFields};
use crate::stacks::Stacks;
use answer::{
    answer_and_return, answer_of, fallback_physical_id, panic_message, unreadable_answer,
};
use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest as Request;
use deadline::{before, deadline_instant, safety_margin, WORK_GRACE};
use lambda_runtime::LambdaEvent;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::time::Instant;
use tracing::Instrument;

/// What the handler needs, built once per process.
pub struct Deps {
    pub iam: aws_sdk_iam::Client,
    pub http: reqwest::Client,
    /// The operator's settings (an invalid one fails every request with its reason).
    pub operator: Result<Operator, String>,
    /// The account and partition the function manages IAM in.
    pub caller: Caller,
    /// CloudFormation, asked whether a stack is rolling back.
    pub stacks: Stacks,
    /// The answered line's metrics: their namespace, and whether this is the first invocation.
    pub metrics: Metrics,
}

/// What arrived: JSON the parser can take, or not (then only its top-level fields were read).
#[derive(Debug, Clone)]
pub enum Payload {
    Json(Value),
    /// The event is JSON that serde_json will not build a value of (for example nesting past
    /// its depth limit); `fields` were read without building the nested values.
    Unreadable {
        fields: EventFields,
        error: String,
    },
}

impl Payload {
    pub fn read(raw: &str) -> Payload {
        match serde_json::from_str(raw) {
            Ok(value) => Payload::Json(value),
            Err(e) => Payload::Unreadable {
                fields: EventFields::read_shallow(raw),
                error: e.to_string(),
            },
        }
    }
}

/// The Lambda entry point. The payload is taken as raw JSON text, so that an event serde_json
/// cannot build a value of still gets its answer.
pub async fn handle(
    deps: Arc<Deps>,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<Value, lambda_runtime::Error> {
    let (raw, context) = event.into_parts();
    let event = LambdaEvent::new(Payload::read(raw.get()), context);
    handle_with(deps, event, |deps, raw, budget_end| async move {
        process(&deps, &raw, budget_end).await
    })
    .await
}

/// The guards around one event's work: the work runs in its own task, so a panic or the
/// deadline still gets an answer. `work` is `process` except in tests.
pub async fn handle_with<W, Fut>(
    deps: Arc<Deps>,
    event: LambdaEvent<Payload>,
    work: W,
) -> Result<Value, lambda_runtime::Error>
where
    W: FnOnce(Arc<Deps>, Value, Instant) -> Fut,
    Fut: std::future::Future<Output = (Answer, Calls)> + Send + 'static,
{
    let started = Instant::now();
    let deadline = deadline_instant(event.context.deadline);
    let (fields, payload) = match event.payload {
        Payload::Json(raw) => (EventFields::read(&raw), Ok(raw)),
        Payload::Unreadable { fields, error } => (fields, Err(error)),
    };
    let relayed = is_relayed(
        fields.service_token.as_deref(),
        &event.context.invoked_function_arn,
    );
    let span = tracing::info_span!(
        "event",
        RequestId = %fields.request_id,
        LogicalResourceId = %fields.logical_resource_id,
        RequestType = fields.request_type.as_deref().unwrap_or("?"),
        LambdaRequestId = %event.context.request_id,
        // The X-Ray trace id the Runtime API gave this invocation (Lambda-Runtime-Trace-Id): the
        // runtime's own span carries it too, but only the innermost span is on each line.
        xrayTraceId = event.context.xray_trace_id.as_deref(),
    );
    async move {
        tracing::debug!(deadline_ms = event.context.deadline, remaining_ms = deadline.saturating_duration_since(Instant::now()).as_millis() as u64, "received");
        let budget_end = before(deadline, safety_margin(deadline.saturating_duration_since(Instant::now())));
        // If the work cannot answer (timeout, panic), the answer still needs an id that the
        // following Delete can clean up with.
        let fallback_id = fallback_physical_id(&fields);
        let raw = match payload {
            Ok(raw) => raw,
            Err(error) => {
                // Nothing can have been made from it: a failed marker unless the event has an id.
                let id = fields.physical_resource_id.clone().unwrap_or_else(|| failed_marker_id(&fields.request_id));
                let answer = unreadable_answer(&fields, id, &error);
                return answer_and_return(&deps, &fields, relayed, answer, None, started, deadline).await;
            }
        };
        let work = tokio::spawn(work(deps.clone(), raw, budget_end).in_current_span());
        let abort = work.abort_handle();
        // The IAM call counts are known when the work finished by itself.
        let (answer, counts) = tokio::select! {
            joined = work => match joined {
                Ok((answer, calls)) => (answer, Some(calls)),
                Err(e) => {
                    let reason = match e.try_into_panic() {
                        Ok(panic) => format!("internal error: the handler panicked: {}", panic_message(&panic)),
                        Err(_) => "internal error: the handler was cancelled".to_string(),
                    };
                    tracing::error!(reason, "handler failed");
                    (Answer::failed(fallback_id, reason), None)
                }
            },
            _ = tokio::time::sleep_until(budget_end) => {
                abort.abort();
                let reason = "timed out: the request did not finish before the Lambda deadline (IAM slow or unreachable); what it made is tagged as owned by this resource, and a Delete of this PhysicalResourceId removes it";
                tracing::error!(reason);
                (Answer::failed(fallback_id, reason), None)
            }
        };
        answer_and_return(&deps, &fields, relayed, answer, counts, started, deadline).await
    }
    .instrument(span)
    .await
}

/// What one event's work did to IAM, for the log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calls {
    /// Every attempt, retries included.
    pub total: usize,
    pub writes: usize,
    /// Attempts that retried a failed one.
    pub retries: usize,
    /// Attempts per IAM action, alphabetical.
    pub by_action: BTreeMap<&'static str, usize>,
}

/// Handle one event: its answer, and what it did to IAM.
pub async fn process(deps: &Deps, raw: &Value, budget_end: Instant) -> (Answer, Calls) {
    let fields = EventFields::read(raw);
    // The id of an answer given before any IAM call: the event's own, or a failed marker.
    let id = || {
        fields
            .physical_resource_id
            .clone()
            .unwrap_or_else(|| failed_marker_id(&fields.request_id))
    };
    let request = match protocol::parse_request(raw) {
        Ok(request) => request,
        Err(reason) => {
            let id = id();
            // A malformed Delete must not block the stack: nothing was made from it.
            let success = fields.request_type.as_deref() == Some("Delete");
            let answer = if success {
                Answer::success(id, Default::default())
            } else {
                Answer::failed(id, reason)
            };
            return (answer, Calls::default());
        }
    };
    let operator = match &deps.operator {
        Ok(operator) => operator,
        Err(reason) => {
            let misconfigured = Error::Misconfigured(reason.clone());
            return (
                Answer::failed(id(), misconfigured.to_string()),
                Calls::default(),
            );
        }
    };
    let cx = Lifecycle {
        // IAM calls end a little before the watchdog fires, so the work answers for itself,
        // with IAM's own words, whenever it is IAM that is slow.
        session: Session::new(&deps.iam, before(budget_end, WORK_GRACE)),
        operator,
        caller: &deps.caller,
        stacks: &deps.stacks,
        access_changed: Default::default(),
    };
    let outcome = match request {
        Request::Create(r) => {
            lifecycle::create(
                &cx,
                &r.stack_id,
                &r.logical_resource_id,
                &r.request_id,
                &r.resource_properties,
            )
            .await
        }
        Request::Update(r) => {
            let request = UpdateRequest {
                stack_id: &r.stack_id,
                logical_id: &r.logical_resource_id,
                request_id: &r.request_id,
                current: &r.physical_resource_id,
                properties: &r.resource_properties,
                old_properties: &r.old_resource_properties,
            };
            lifecycle::update(&cx, &request).await
        }
        Request::Delete(r) => {
            lifecycle::delete(
                &cx,
                &r.stack_id,
                &r.logical_resource_id,
                &r.physical_resource_id,
                &r.resource_properties,
            )
            .await
        }
        // The enum is non-exhaustive; a future RequestType is answered, not ignored.
        #[allow(unreachable_patterns)]
        _ => {
            let answer = Answer::failed(
                failed_marker_id(&fields.request_id),
                "unsupported RequestType",
            );
            return (answer, calls(&cx.session));
        }
    };
    (answer_of(outcome), calls(&cx.session))
}

/// What a session's calls came to.
fn calls(session: &Session<'_>) -> Calls {
    Calls {
        total: session.calls(),
        writes: session.writes(),
        retries: session.retries(),
        by_action: session.calls_by_action(),
    }
}
