//! Create: make the roles and policies under an id every delivery of the request shares.

use super::{env_of, Failure, Lifecycle, Outcome, Outputs};
use crate::desired::{self, Owner};
use crate::error::Error;
use crate::identity::StackEnv;
use crate::identity::{self, failed_marker_id};
use crate::plan::{self, ActualState, Created, Ownership};
use crate::spec::Spec;
use serde_json::Value;
use std::sync::atomic::Ordering;

pub(crate) async fn create(
    cx: &Lifecycle<'_>,
    stack_id: &str,
    logical_id: &str,
    request_id: &str,
    properties: &Value,
) -> Outcome {
    let admitted = async {
        let env = env_of(stack_id)?;
        let spec = cx.checked_spec(properties, &env)?;
        cx.guard(&spec, None, &env, stack_id).await?;
        cx.check_home(&env).await?;
        Ok::<_, Error>((env, spec))
    };
    let (env, spec) = match admitted.await {
        Ok(admitted) => admitted,
        // Nothing was made: the answer carries a marker that owns nothing.
        Err(error) => return Outcome::new(&failed_marker_id(request_id), Err(error)),
    };
    // The same for every delivery of this request: a retry finds its own earlier work.
    let id = identity::physical_id(&env, stack_id, logical_id, request_id);
    let result = make(cx, &env, &spec, logical_id, &id).await;
    if result.is_ok() {
        // A Create always made (or found) roles the stack's next resources will use.
        cx.access_changed.store(true, Ordering::Relaxed);
        cx.settle(spec.propagation_delay()).await;
    }
    Outcome::new(&id, result)
}

/// Converge from nothing (the usual first delivery) or from what exists; on failure, take back
/// what this delivery made.
async fn make(
    cx: &Lifecycle<'_>,
    env: &StackEnv,
    spec: &Spec,
    logical_id: &str,
    id: &str,
) -> Result<Outputs, Error> {
    let desired = desired::build(spec, &Owner::new(env, logical_id, id));
    let outputs = || desired::outputs(spec, &desired, env);
    let ownership = Ownership {
        adopt: spec.adopt_existing,
        ..Ownership::sole(id)
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
        match cx.apply(&fast, &nothing).await {
            Ok(()) => return Ok(outputs()),
            Err(e) if e.only_already_exists() => Created::from_ops(&e.completed),
            Err(e) => return Err(cx.undo(Failure::applying(e), &desired, &nothing, id).await),
        }
    };
    let before = match cx.read(&[&desired], false).await {
        Ok(actual) => actual,
        Err(error) => {
            let failure = Failure {
                error,
                changed: Some(made),
            };
            return Err(cx.undo(failure, &desired, &nothing, id).await);
        }
    };
    match cx.converge(&desired, &before, &ownership).await {
        Ok(()) => Ok(outputs()),
        Err(mut failure) => {
            // Only what this delivery made is taken back: an earlier delivery of the same
            // request may already have been answered SUCCESS.
            if made != Created::default() {
                let mut changed = made;
                changed.extend(failure.changed.take().unwrap_or_default());
                failure.changed = Some(changed);
            }
            Err(cx.undo(failure, &desired, &before, id).await)
        }
    }
}
