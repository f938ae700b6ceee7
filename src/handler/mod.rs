//! One event in, exactly one answer out: the lifecycle (Create, Update, Delete) on top of spec,
//! desired, plan and iam, and the guards around it (deadline watchdog, panics).

use crate::account::Caller;
use crate::desired::{self, DesiredState, Owner};
use crate::iam::{ApplyError, Session};
use crate::identity::StackEnv;
use crate::identity::{self, failed_marker_id, is_failed_marker, stack_env};
use crate::operator::Operator;
use crate::plan::{self, ActualState, Created, Ownership};
use crate::protocol::{self, Answer, EventFields};
use crate::spec::{self, Spec};
use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest as Request;
use lambda_runtime::LambdaEvent;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
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
}

/// What the lifecycle of one request works with.
struct Lifecycle<'a> {
    session: Session<'a>,
    operator: &'a Operator,
    caller: &'a Caller,
}

impl Lifecycle<'_> {
    fn context<'e>(&'e self, env: &'e StackEnv) -> spec::Context<'e> {
        spec::Context {
            partition: Some(&env.partition),
            default_path: &self.operator.managed_path,
        }
    }

    /// The properties of a Create or Update, checked, also against the operator's rules.
    /// Nothing here calls IAM.
    fn checked_spec(&self, properties: &Value, env: &StackEnv) -> Result<Spec, String> {
        let spec = spec::parse_in(properties, self.context(env)).map_err(|e| e.to_string())?;
        self.operator.check(&spec).map_err(|e| e.to_string())?;
        Ok(spec)
    }

    /// Properties that were accepted once (old properties, a Delete's): parsed to find names,
    /// without the operator's rules, which may have changed since.
    fn known_spec(&self, properties: &Value, env: &StackEnv) -> Option<Spec> {
        let context = spec::Context {
            partition: None,
            ..self.context(env)
        };
        spec::parse_in(properties, context).ok()
    }

    /// The stack must live where the function manages IAM: checked before the first IAM call.
    async fn check_home(&self, env: &StackEnv) -> Result<(), String> {
        let home = tokio::time::timeout_at(self.session.deadline(), self.caller.home())
            .await
            .map_err(|_| "timed out asking STS for the function's own account".to_string())??;
        home.check(env)
    }

    fn required_boundary(&self) -> Option<&str> {
        self.operator.required_boundary.as_deref()
    }
}

/// `instant - duration`, or now if that is not representable (an Instant cannot go before
/// the clock's origin, shortly after boot).
fn before(instant: Instant, duration: Duration) -> Instant {
    instant.checked_sub(duration).unwrap_or_else(Instant::now)
}

/// Between the end of a request's IAM calls and the watchdog's timed-out answer.
const WORK_GRACE: Duration = Duration::from_millis(250);

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

/// Whether `service_token` (the event's `ResourceProperties.ServiceToken`) names another Lambda
/// function than `invoked` (this invocation's function ARN, perhaps with an alias or version):
/// then a relay such as the CDK Provider framework invoked this function and answers
/// CloudFormation itself.
pub fn is_relayed(service_token: Option<&str>, invoked: &str) -> bool {
    // arn:partition:lambda:region:account:function:name[:qualifier]
    let function = |arn: &str| -> Option<Vec<String>> {
        let parts: Vec<&str> = arn.split(':').collect();
        let ok =
            parts.len() >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function";
        ok.then(|| parts[..7].iter().map(|p| p.to_string()).collect())
    };
    match (service_token.and_then(function), function(invoked)) {
        (Some(token), Some(this)) => token != this,
        // No token, not a function (an SNS topic), or no known ARN of our own: not a relay.
        _ => false,
    }
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

/// The answer to an event serde_json could not read: FAILED (a Delete: SUCCESS, since nothing
/// was ever made from such properties).
fn unreadable_answer(fields: &EventFields, id: String, error: &str) -> Answer {
    if fields.request_type.as_deref() == Some("Delete") {
        return Answer::success(id, Default::default());
    }
    Answer::failed(id, format!("malformed event: {error}"))
}

/// Deliver the one answer (PUT, unless there is no ResponseURL or a relay answers), log it, and
/// shape the invocation's result.
async fn answer_and_return(
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
    tracing::info!(
        status = if answer.success { "SUCCESS" } else { "FAILED" },
        reason = answer.reason.as_deref().unwrap_or(""),
        physical_resource_id = %answer.physical_resource_id,
        iam_calls = counts.as_ref().map(|c| c.total),
        iam_writes = counts.as_ref().map(|c| c.writes),
        iam_retries = counts.as_ref().map(|c| c.retries),
        iam_calls_by_action = counts.as_ref().map(|c| c.by_action.as_str()),
        duration_ms = started.elapsed().as_millis() as u64,
        response_url = answered_by,
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

/// What one event's work did to IAM, for the log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calls {
    /// Every attempt, retries included.
    pub total: usize,
    pub writes: usize,
    /// Attempts that retried a failed one.
    pub retries: usize,
    /// `Action×count`, alphabetical.
    pub by_action: String,
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
        Err(reason) => return (Answer::failed(id(), reason.clone()), Calls::default()),
    };
    let cx = Lifecycle {
        // IAM calls end a little before the watchdog fires, so the work answers for itself,
        // with IAM's own words, whenever it is IAM that is slow.
        session: Session::new(&deps.iam, before(budget_end, WORK_GRACE)),
        operator,
        caller: &deps.caller,
    };
    let answer = match request {
        Request::Create(r) => {
            create(
                &cx,
                &r.stack_id,
                &r.logical_resource_id,
                &r.request_id,
                &r.resource_properties,
            )
            .await
        }
        Request::Update(r) => {
            update(
                &cx,
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
        _ => Answer::failed(
            failed_marker_id(&fields.request_id),
            "unsupported RequestType",
        ),
    };
    let calls = Calls {
        total: cx.session.calls(),
        writes: cx.session.writes(),
        retries: cx.session.retries(),
        by_action: cx
            .session
            .calls_by_action()
            .iter()
            .map(|(action, n)| format!("{action}×{n}"))
            .collect::<Vec<_>>()
            .join(" "),
    };
    (answer, calls)
}

/// The role names (with their inline policy names) and policy ARNs of some desired states,
/// each once.
type Names = (Vec<(String, Vec<String>)>, Vec<String>);

fn names(states: &[&DesiredState]) -> Names {
    let mut roles: Vec<(String, Vec<String>)> = vec![];
    let mut policies: Vec<String> = vec![];
    for state in states {
        for role in &state.roles {
            let inline = role.inline_policies.keys().cloned();
            match roles.iter_mut().find(|(name, _)| *name == role.name) {
                Some((_, known)) => {
                    known.extend(inline.filter(|n| !known.contains(n)).collect::<Vec<_>>())
                }
                None => roles.push((role.name.clone(), inline.collect())),
            }
        }
        for policy in &state.policies {
            if !policies.contains(&policy.arn) {
                policies.push(policy.arn.clone());
            }
        }
    }
    (roles, policies)
}

async fn read(
    session: &Session<'_>,
    states: &[&DesiredState],
    for_delete: bool,
) -> Result<ActualState, String> {
    let (roles, policies) = names(states);
    session
        .read_state(&roles, &policies, for_delete)
        .await
        .map_err(|e| e.to_string())
}

/// Why a request failed, and what it created before it did (None: IAM was not changed).
struct Failure {
    reason: String,
    changed: Option<Created>,
}

impl Failure {
    fn applying(e: ApplyError) -> Failure {
        Failure {
            reason: e.to_string(),
            changed: Some(Created::from_ops(&e.completed)),
        }
    }
}

/// Plan from `actual` to `desired` and apply it.
async fn converge(
    session: &Session<'_>,
    desired: &DesiredState,
    actual: &ActualState,
    ownership: &Ownership<'_>,
) -> Result<(), Failure> {
    let plan = plan::converge(desired, actual, ownership).map_err(|e| Failure {
        reason: e.to_string(),
        changed: None,
    })?;
    tracing::info!(plan = %plan, "plan");
    session.apply(&plan).await.map_err(Failure::applying)
}

/// Take back what a failed request did to `desired`'s roles and policies (see `plan::undo`).
async fn undo(
    cx: &Lifecycle<'_>,
    failure: Failure,
    desired: &DesiredState,
    before: &ActualState,
    owner: &str,
) -> String {
    let Some(created) = failure.changed else {
        return format!("{}; nothing was changed", failure.reason);
    };
    // Taking back may use the time the forward work's retries left for it.
    cx.session.start_cleanup();
    let cleanup = async {
        let after = read(&cx.session, &[desired], true).await?;
        let plan = plan::undo(&created, before, &after, owner, cx.required_boundary());
        tracing::info!(plan = %plan, "undo plan");
        cx.session.apply(&plan).await.map_err(|e| e.to_string())
    };
    match cleanup.await {
        Ok(()) => format!("{}; what this request changed was taken back", failure.reason),
        Err(e) => format!(
            "{}; taking back what this request changed also failed ({e}): what it made is tagged as this resource's, and CloudFormation's Delete (or, for an Update, its rollback) removes it",
            failure.reason
        ),
    }
}

async fn create(
    cx: &Lifecycle<'_>,
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
    let spec = match cx.checked_spec(properties, &env) {
        Ok(spec) => spec,
        Err(reason) => return Answer::failed(marker(), reason),
    };
    if let Err(reason) = cx.check_home(&env).await {
        return Answer::failed(marker(), reason);
    }
    let session = &cx.session;
    // The same for every delivery of this request: a retry finds its own earlier work.
    let id = identity::physical_id(&env, stack_id, logical_id, request_id);
    let desired = desired::build(&spec, &Owner::new(&env, logical_id, &id));
    let success = || Answer::success(id.clone(), desired::outputs(&spec, &desired, &env));
    let ownership = Ownership {
        adopt: spec.adopt_existing,
        ..Ownership::sole(&id)
    };

    // The usual first delivery finds nothing: create without reading first (one round trip
    // fewer). A name that exists (a retry, or someone else's role) sends it the careful way.
    // Adoption expects names to exist, and may be refused: it reads first, so a refusal
    // changes nothing at all.
    let nothing = ActualState::default();
    let made = if spec.adopt_existing {
        Created::default()
    } else {
        let fast = plan::converge(&desired, &nothing, &ownership).expect("nothing to refuse");
        tracing::info!(plan = %fast, "plan, assuming nothing exists yet");
        match session.apply(&fast).await {
            Ok(()) => return success(),
            Err(e) if e.only_already_exists() => Created::from_ops(&e.completed),
            Err(e) => {
                let reason = undo(cx, Failure::applying(e), &desired, &nothing, &id).await;
                return Answer::failed(id, reason);
            }
        }
    };
    let before = match read(session, &[&desired], false).await {
        Ok(actual) => actual,
        Err(reason) => {
            let failure = Failure {
                reason,
                changed: Some(made),
            };
            return Answer::failed(id.clone(), undo(cx, failure, &desired, &nothing, &id).await);
        }
    };
    match converge(session, &desired, &before, &ownership).await {
        Ok(()) => success(),
        Err(mut failure) => {
            // Only what this delivery made is taken back: an earlier delivery of the same
            // request may already have been answered SUCCESS.
            if made != Created::default() {
                let mut changed = made;
                changed.extend(failure.changed.take().unwrap_or_default());
                failure.changed = Some(changed);
            }
            let reason = undo(cx, failure, &desired, &before, &id).await;
            Answer::failed(id, reason)
        }
    }
}

/// Why an Update or Delete carrying `physical_id` must not touch IAM for this stack, if so.
fn foreign_id(physical_id: &str, stack_id: &str, logical_id: &str) -> Option<String> {
    (!identity::belongs_to(physical_id, stack_id, logical_id)).then(|| {
        format!(
            "PhysicalResourceId {physical_id:?} was not made for logical resource {logical_id:?} of stack {stack_id}; nothing was changed"
        )
    })
}

async fn update(
    cx: &Lifecycle<'_>,
    stack_id: &str,
    logical_id: &str,
    request_id: &str,
    cur: &str,
    properties: &Value,
    old_properties: &Value,
) -> Answer {
    // The resource's Create failed (its id is a marker that owns nothing, and the marker's
    // Delete removes nothing): this Update makes the resource, under a new id, as a Create
    // would; CloudFormation then deletes the marker, which is a no-op.
    if is_failed_marker(cur) {
        tracing::info!("Update of a resource whose Create failed: creating it");
        return create(cx, stack_id, logical_id, request_id, properties).await;
    }
    let failed = |reason: String| Answer::failed(cur.to_string(), reason);
    let env = match stack_env(stack_id) {
        Ok(env) => env,
        Err(reason) => return failed(reason),
    };
    let spec = match cx.checked_spec(properties, &env) {
        Ok(spec) => spec,
        Err(reason) => return failed(reason),
    };
    if let Some(reason) = foreign_id(cur, stack_id, logical_id) {
        return failed(reason);
    }
    if let Err(reason) = cx.check_home(&env).await {
        return failed(reason);
    }
    let session = &cx.session;
    let in_place = desired::build(&spec, &Owner::new(&env, logical_id, cur));
    let old_spec = cx.known_spec(old_properties, &env);
    let old = old_spec
        .as_ref()
        .map(|old| desired::build(old, &Owner::new(&env, logical_id, cur)));
    // A replacement of this resource to the old properties that never answered (cut off by
    // the deadline) made its roles under an id CloudFormation never learned; this Update (the
    // rollback) is the last chance to find them.
    let stray_id = old_spec
        .as_ref()
        .filter(|old| **old != spec)
        .map(|old| identity::replacement_id(&env, stack_id, logical_id, cur, &old.fingerprint()));
    let stray = old_spec
        .as_ref()
        .zip(stray_id.as_deref())
        .map(|(old, id)| desired::build(old, &Owner::new(&env, logical_id, id)));
    let mut states = vec![&in_place];
    states.extend(old.as_ref());
    states.extend(stray.as_ref());
    let actual = match read(session, &states, false).await {
        Ok(actual) => actual,
        Err(reason) => return failed(reason),
    };
    let reasons = old
        .as_ref()
        .map(|old| plan::replacement_reasons(old, &in_place, &actual, cur))
        .unwrap_or_default();

    if reasons.is_empty() {
        let ownership = Ownership {
            descendants_of: Some(cur),
            adopt: spec.adopt_existing,
            ..Ownership::sole(cur)
        };
        if let Err(failure) = converge(session, &in_place, &actual, &ownership).await {
            // In place, CloudFormation's rollback Update puts back the old properties.
            return failed(failure.reason);
        }
        if let (Some(stray), Some(stray_id)) = (&stray, &stray_id) {
            // What it took over was handed back above; what it made alone goes.
            let plan = plan::teardown(
                &plan::unwanted(stray, &in_place, &actual),
                stray_id,
                cx.required_boundary(),
            );
            if !plan.is_empty() {
                tracing::info!(plan = %plan, "removing what an unanswered replacement made");
                // Only removal is left: it may use the time kept back for a rollback.
                session.start_cleanup();
                if let Err(e) = session.apply(&plan).await {
                    return failed(format!("removing what an unanswered replacement made: {e}"));
                }
            }
        }
        return Answer::success(cur.to_string(), desired::outputs(&spec, &in_place, &env));
    }
    tracing::info!(reasons = reasons.join("; "), "replacement");

    // An UPDATE_ROLLBACK returns to the resource this one replaced, if it is still there;
    // otherwise a new resource is made.
    let previous = old
        .as_ref()
        .and_then(|old| plan::replaced_by(old, &actual, cur));
    let mut target = None;
    if let Some(previous) = previous {
        let desired = desired::build(&spec, &Owner::new(&env, logical_id, &previous));
        match read(session, &[&desired], false).await {
            Ok(actual) if plan::owns_any(&desired, &actual, &previous) => {
                tracing::info!(previous, "returning to the replaced resource");
                target = Some((previous, desired, actual));
            }
            Ok(_) => {}
            Err(reason) => return failed(reason),
        }
    }
    let (id, desired, before) = match target {
        Some(target) => target,
        None => {
            let id = identity::replacement_id(&env, stack_id, logical_id, cur, &spec.fingerprint());
            let owner = Owner {
                replaces: Some(cur),
                ..Owner::new(&env, logical_id, &id)
            };
            let desired = desired::build(&spec, &owner);
            match read(session, &[&desired], false).await {
                Ok(actual) => (id, desired, actual),
                Err(reason) => return failed(reason),
            }
        }
    };
    let ownership = Ownership {
        owner: &id,
        takes_over: &[cur],
        descendants_of: Some(cur),
        adopt: spec.adopt_existing,
    };
    match converge(session, &desired, &before, &ownership).await {
        Ok(()) => Answer::success(id.clone(), desired::outputs(&spec, &desired, &env)),
        Err(failure) => failed(undo(cx, failure, &desired, &before, &id).await),
    }
}

async fn delete(
    cx: &Lifecycle<'_>,
    stack_id: &str,
    logical_id: &str,
    physical_id: &str,
    properties: &Value,
) -> Answer {
    let done = || Answer::success(physical_id.to_string(), Default::default());
    if is_failed_marker(physical_id) {
        return done();
    }
    if let Some(reason) = foreign_id(physical_id, stack_id, logical_id) {
        return Answer::failed(physical_id.to_string(), reason);
    }
    // A Create with bad input or a bad StackId made nothing; its Delete has nothing to do.
    let Ok(env) = stack_env(stack_id) else {
        tracing::warn!("Delete with a StackId that never created anything; nothing to do");
        return done();
    };
    let Some(spec) = cx.known_spec(properties, &env) else {
        tracing::warn!("Delete with properties that never created anything; nothing to do");
        return done();
    };
    if let Err(reason) = cx.check_home(&env).await {
        return Answer::failed(physical_id.to_string(), reason);
    }
    let desired = desired::build(&spec, &Owner::new(&env, logical_id, physical_id));
    // Nothing to keep time back for: a Delete's retries may run until the deadline.
    cx.session.start_cleanup();
    let removal = async {
        let actual = read(&cx.session, &[&desired], true).await?;
        let plan = plan::teardown(&actual, physical_id, cx.required_boundary());
        tracing::info!(plan = %plan, "teardown plan");
        cx.session.apply(&plan).await.map_err(|e| e.to_string())
    };
    match removal.await {
        Ok(()) => done(),
        Err(reason) => Answer::failed(physical_id.to_string(), reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn relayed_means_another_function_than_this_one() {
        let this = "arn:aws:lambda:eu-west-1:123456789012:function:ecs-iam-roles";
        for ours in [
            this,
            "arn:aws:lambda:eu-west-1:123456789012:function:ecs-iam-roles:live",
            "arn:aws:lambda:eu-west-1:123456789012:function:ecs-iam-roles:7",
        ] {
            assert!(!is_relayed(Some(ours), this), "{ours}");
            // Invoked through an alias or version, the token may name the function plainly.
            assert!(!is_relayed(Some(this), ours), "{ours}");
        }
        for other in [
            "arn:aws:lambda:eu-west-1:123456789012:function:stack-ProviderframeworkonEvent-Ab12",
            "arn:aws:lambda:eu-west-1:999999999999:function:ecs-iam-roles",
            "arn:aws:lambda:us-east-1:123456789012:function:ecs-iam-roles",
        ] {
            assert!(is_relayed(Some(other), this), "{other}");
        }
        // Not a function, no token, or no ARN of our own to compare with: answered directly.
        assert!(!is_relayed(
            Some("arn:aws:sns:eu-west-1:123456789012:topic"),
            this
        ));
        assert!(!is_relayed(None, this));
        assert!(!is_relayed(Some(this), ""));
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

    /// A ResponseURL on loopback that accepts one PUT and hands back its body.
    async fn one_put_server() -> (String, tokio::sync::oneshot::Receiver<Vec<u8>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/answer?X-Amz-Signature=x",
            listener.local_addr().unwrap()
        );
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = vec![];
            let mut chunk = [0u8; 4096];
            loop {
                let n = stream.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length: usize = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + length {
                        stream
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                            .await
                            .unwrap();
                        let _ = tx.send(buf[end + 4..end + 4 + length].to_vec());
                        return;
                    }
                }
            }
        });
        (url, rx)
    }

    fn deps() -> Arc<Deps> {
        let config = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .build();
        Arc::new(Deps {
            iam: aws_sdk_iam::Client::from_conf(config),
            http: reqwest::Client::new(),
            operator: Ok(Operator::default()),
            caller: Caller::known(crate::account::Home {
                account: "123456789012".into(),
                partition: "aws".into(),
            }),
        })
    }

    #[tokio::test]
    async fn adoption_can_be_turned_off() {
        let deps = deps();
        let Payload::Json(mut raw) = event("http://127.0.0.1:1/x", 30).payload else {
            unreachable!()
        };
        raw["ResourceProperties"]["AdoptExisting"] = json!("true");
        let (answer, calls) = process(&deps, &raw, Instant::now() + Duration::from_secs(30)).await;
        assert!(!answer.success);
        assert!(answer.reason.unwrap().contains("AllowAdoption"));
        assert_eq!(calls.total, 0, "refused before any IAM call");
    }

    fn event(url: &str, seconds: u64) -> LambdaEvent<Payload> {
        let mut context = lambda_runtime::Context::default();
        context.deadline = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
            + seconds * 1000;
        context.request_id = "lambda-1".into();
        let payload = json!({
            "RequestType": "Create", "RequestId": "r1", "ResponseURL": url,
            "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g",
            "LogicalResourceId": "EcsRoles", "ResourceType": "Custom::EcsIamRoles",
            "ResourceProperties": {"Roles": {"TaskExecution": {}}}
        });
        LambdaEvent::new(Payload::Json(payload), context)
    }

    #[tokio::test]
    async fn a_panic_is_answered_failed() {
        let (url, body) = one_put_server().await;
        let result = handle_with(deps(), event(&url, 30), |_, _, _| async {
            panic!("boom in the handler");
        })
        .await
        .expect("the invocation succeeds once answered");
        let sent: Value = serde_json::from_slice(&body.await.unwrap()).unwrap();
        assert_eq!(sent, result);
        assert_eq!(sent["Status"], "FAILED");
        assert!(
            sent["Reason"]
                .as_str()
                .unwrap()
                .contains("panicked: boom in the handler"),
            "{sent}"
        );
        // The id its Delete will clean up with: the one this Create's roles would carry.
        assert!(
            sent["PhysicalResourceId"]
                .as_str()
                .unwrap()
                .starts_with("s-EcsRoles-"),
            "{sent}"
        );
    }

    #[tokio::test]
    async fn work_past_the_budget_is_answered_timed_out_before_the_deadline() {
        let (url, body) = one_put_server().await;
        let started = Instant::now();
        let result = handle_with(deps(), event(&url, 2), |_, _, _| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            unreachable!()
        })
        .await
        .unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let sent: Value = serde_json::from_slice(&body.await.unwrap()).unwrap();
        assert_eq!(sent, result);
        assert!(
            sent["Reason"].as_str().unwrap().starts_with("timed out"),
            "{sent}"
        );
    }
}
