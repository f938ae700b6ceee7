//! Update: read what the decision needs, let `plan::decide_update` decide, and carry it out.

use super::{check_belongs, env_of, Lifecycle, Outcome, Outputs};
use crate::desired::{self, DesiredState, Owner};
use crate::error::Error;
use crate::identity::is_failed_marker;
use crate::identity::StackEnv;
use crate::plan::{self, ActualState, Ownership, Replaced, Stray, UpdateFound, UpdateStrategy};
use crate::spec::Spec;
use serde_json::Value;

/// The request, as the Update needs it.
pub(crate) struct UpdateRequest<'a> {
    pub stack_id: &'a str,
    pub logical_id: &'a str,
    pub request_id: &'a str,
    /// The current PhysicalResourceId.
    pub current: &'a str,
    pub properties: &'a Value,
    pub old_properties: &'a Value,
}

pub(crate) async fn update(cx: &Lifecycle<'_>, request: &UpdateRequest<'_>) -> Outcome {
    let cur = request.current;
    // A failed Create's marker owns nothing: there is nothing to read for it.
    let read = if is_failed_marker(cur) {
        None
    } else {
        match read_for_update(cx, request).await {
            Ok(read) => Some(read),
            Err(error) => return Outcome::new(cur, Err(error)),
        }
    };
    // Nothing is read only for a failed Create's marker.
    let Some(read) = read else {
        return create_anew(cx, request).await;
    };
    match plan::decide_update(cur, Some(&read.found())) {
        UpdateStrategy::InPlace { stray } => {
            let result = in_place(cx, cur, &read, stray).await;
            if result.is_ok() {
                cx.settle(read.spec.propagation_delay()).await;
            }
            Outcome::new(cur, result)
        }
        UpdateStrategy::ReturnTo { to, reasons } => {
            tracing::info!(reasons = reasons.join("; "), "replacement");
            tracing::info!(previous = to.id, "returning to the replaced resource");
            replace(cx, cur, &read, to.id, to.state, to.actual).await
        }
        UpdateStrategy::Replace { reasons } => {
            tracing::info!(reasons = reasons.join("; "), "replacement");
            let plan::Replacement { id, desired } =
                plan::replacement(&read.spec, &updating(&read.env, request));
            match cx.read(&[&desired], false).await {
                Ok(before) => replace(cx, cur, &read, &id, &desired, &before).await,
                Err(error) => Outcome::new(cur, Err(error)),
            }
        }
        // Only for a failed Create's marker, for which nothing is read (above).
        UpdateStrategy::CreateAnew => create_anew(cx, request).await,
    }
}

/// The resource `request` updates, in the stack `env`.
fn updating<'a>(env: &'a StackEnv, request: &'a UpdateRequest<'a>) -> plan::Updating<'a> {
    plan::Updating {
        env,
        stack_id: request.stack_id,
        logical_id: request.logical_id,
        current: request.current,
        old_properties: request.old_properties,
    }
}

/// An Update of a resource whose Create failed: make it as a Create would.
async fn create_anew(cx: &Lifecycle<'_>, request: &UpdateRequest<'_>) -> Outcome {
    tracing::info!("Update of a resource whose Create failed: creating it");
    let r = request;
    super::create(cx, r.stack_id, r.logical_id, r.request_id, r.properties).await
}

/// What an Update read before deciding.
struct UpdateRead {
    env: StackEnv,
    spec: Spec,
    /// The new properties under the current id.
    in_place: DesiredState,
    old: Option<DesiredState>,
    /// What a replacement to the old properties that never answered would have made.
    stray: Option<plan::Replacement>,
    actual: ActualState,
    /// The resource to return to, if any.
    replaced: Option<ReplacedRead>,
}

/// The resource an UPDATE_ROLLBACK returns to: its id, the new properties' state under it, and
/// what exists of that state.
struct ReplacedRead {
    id: String,
    state: DesiredState,
    actual: ActualState,
}

impl UpdateRead {
    fn found(&self) -> UpdateFound<'_> {
        UpdateFound {
            new: &self.in_place,
            old: self.old.as_ref(),
            actual: &self.actual,
            stray: self.stray.as_ref(),
            replaced: self.replaced.as_ref().map(|r| Replaced {
                id: &r.id,
                state: &r.state,
                actual: &r.actual,
            }),
        }
    }
}

async fn read_for_update(
    cx: &Lifecycle<'_>,
    request: &UpdateRequest<'_>,
) -> Result<UpdateRead, Error> {
    let (stack_id, logical_id, cur) = (request.stack_id, request.logical_id, request.current);
    let env = env_of(stack_id)?;
    let spec = cx.checked_spec(request.properties, &env)?;
    check_belongs(cur, stack_id, logical_id)?;
    let old_spec = cx.known_spec(request.old_properties, &env);
    cx.guard(&spec, Some(old_spec.as_ref()), &env, stack_id)
        .await?;
    cx.check_home(&env).await?;
    let in_place = desired::build(&spec, &Owner::new(&env, logical_id, cur));
    let old = old_spec
        .as_ref()
        .map(|old| desired::build(old, &Owner::new(&env, logical_id, cur)));
    // A replacement of this resource to the old properties that never answered (cut off by
    // the deadline) made its roles under an id CloudFormation never learned; this Update (the
    // rollback) is the last chance to find them.
    let updating = updating(&env, request);
    let stray = old_spec
        .as_ref()
        .filter(|old| **old != spec)
        .map(|old| plan::unanswered_replacement(old, &updating));
    let mut states = vec![&in_place];
    states.extend(old.as_ref());
    states.extend(stray.as_ref().map(|stray| &stray.desired));
    let actual = cx.read(&states, false).await?;
    // An UPDATE_ROLLBACK returns to the resource this one replaced, if it is still there.
    let replaced = match plan::rollback_target(cur, &in_place, old.as_ref(), &actual) {
        Some(id) => {
            let state = desired::build(&spec, &Owner::new(&env, logical_id, &id));
            let actual = cx.read(&[&state], false).await?;
            Some(ReplacedRead { id, state, actual })
        }
        None => None,
    };
    Ok(UpdateRead {
        env,
        spec,
        in_place,
        old,
        stray,
        actual,
        replaced,
    })
}

/// Converge under the current id, then remove what an unanswered replacement made alone.
async fn in_place(
    cx: &Lifecycle<'_>,
    cur: &str,
    read: &UpdateRead,
    stray: Option<Stray>,
) -> Result<Outputs, Error> {
    let ownership = Ownership::in_place(cur, read.spec.adopt_existing);
    // In place, CloudFormation's rollback Update puts back the old properties: nothing to undo.
    cx.converge(&read.in_place, &read.actual, &ownership)
        .await
        .map_err(|failure| failure.error)?;
    if let Some(stray) = stray {
        let plan = plan::teardown(&stray.leftovers, &stray.id, cx.required_boundary());
        if !plan.is_empty() {
            tracing::info!(plan = %plan, "removing what an unanswered replacement made");
            // Only removal is left: it may use the time kept back for a rollback.
            cx.session.start_cleanup();
            cx.apply(&plan, &stray.leftovers)
                .await
                .map_err(Error::StrayRemoval)?;
        }
    }
    Ok(desired::outputs(&read.spec, &read.in_place, &read.env))
}

/// Converge the resource `id` (a new one, or the one `cur` replaced) to `desired`, taking over
/// what `cur` owns; on failure, take back what this request changed.
async fn replace(
    cx: &Lifecycle<'_>,
    cur: &str,
    read: &UpdateRead,
    id: &str,
    desired: &DesiredState,
    before: &ActualState,
) -> Outcome {
    let ownership = Ownership::replacing(id, &cur, read.spec.adopt_existing);
    match cx.converge(desired, before, &ownership).await {
        Ok(()) => {
            cx.settle(read.spec.propagation_delay()).await;
            Outcome::new(id, Ok(desired::outputs(&read.spec, desired, &read.env)))
        }
        Err(failure) => Outcome::new(cur, Err(cx.undo(failure, desired, before, id).await)),
    }
}
