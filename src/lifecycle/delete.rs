//! Delete: remove what this resource owns, give back what it adopted, and give back to the
//! resource it replaced what it took over, when a rollback sends this Delete alone.

use super::{check_belongs, Lifecycle, Outcome};
use crate::desired::{self, DesiredState, Owner};
use crate::error::Error;
use crate::identity::{self, is_failed_marker, stack_env, StackEnv};
use crate::plan::{self, ActualState, Ownership};
use serde_json::Value;

pub(crate) async fn delete(
    cx: &Lifecycle<'_>,
    stack_id: &str,
    logical_id: &str,
    physical_id: &str,
    properties: &Value,
) -> Outcome {
    match remove(cx, stack_id, logical_id, physical_id, properties).await {
        Ok(note) => Outcome {
            note,
            ..Outcome::new(physical_id, Ok(Default::default()))
        },
        Err(error) => Outcome::new(physical_id, Err(error)),
    }
}

/// Remove what `physical_id` owns; Some(what was kept instead, and why).
async fn remove(
    cx: &Lifecycle<'_>,
    stack_id: &str,
    logical_id: &str,
    physical_id: &str,
    properties: &Value,
) -> Result<Option<String>, Error> {
    if is_failed_marker(physical_id) {
        return Ok(None);
    }
    check_belongs(physical_id, stack_id, logical_id)?;
    // A Create with bad input or a bad StackId made nothing; its Delete has nothing to do.
    let Ok(env) = stack_env(stack_id) else {
        tracing::warn!("Delete with a StackId that never created anything; nothing to do");
        return Ok(None);
    };
    let Some(spec) = cx.known_spec(properties, &env) else {
        tracing::warn!("Delete with properties that never created anything; nothing to do");
        return Ok(None);
    };
    cx.check_home(&env).await?;
    let desired = desired::build(&spec, &Owner::new(&env, logical_id, physical_id));
    // Nothing to keep time back for: a Delete's retries may run until the deadline.
    cx.session.start_cleanup();
    let mut actual = cx.read(&[&desired], true).await?;
    let here = Here {
        env: &env,
        stack_id,
        logical_id,
        physical_id,
    };
    let note = match give_back(cx, &here, &actual).await? {
        Some((given, note)) => {
            actual = plan::without(&actual, &given);
            Some(note)
        }
        None => None,
    };
    let plan = plan::teardown(&actual, physical_id, cx.required_boundary());
    tracing::info!(plan = %plan, "teardown plan");
    cx.apply(&plan, &actual).await?;
    Ok(note)
}

/// The resource being deleted.
struct Here<'a> {
    env: &'a StackEnv,
    stack_id: &'a str,
    logical_id: &'a str,
    physical_id: &'a str,
}

/// If this resource replaced another that still owns some of its roles or policies, this
/// Delete is a rollback that came without an Update carrying the old properties (or a stack
/// deletion whose cleanup Delete of the old resource failed or never came: nothing tells the
/// two apart): what this resource took over from it goes back to it, as its properties describe
/// it. Returns what was given back and the answer's note; None when there is nothing to give
/// back (the cleanup Delete of the old resource completed the hand-over).
async fn give_back(
    cx: &Lifecycle<'_>,
    here: &Here<'_>,
    actual: &ActualState,
) -> Result<Option<(DesiredState, String)>, Error> {
    let Some((previous_id, properties)) = plan::handed_over_from(actual, here.physical_id) else {
        return Ok(None);
    };
    // Only a resource of the same stack and logical id (the record is this function's own).
    if !identity::belongs_to(&previous_id, here.stack_id, here.logical_id) {
        tracing::warn!(
            previous = previous_id,
            "hand-over record names another resource; ignored"
        );
        return Ok(None);
    }
    let Some(previous_spec) = cx.known_spec(&properties, here.env) else {
        tracing::warn!(
            previous = previous_id,
            "hand-over record cannot be read; ignored"
        );
        return Ok(None);
    };
    let owner = Owner::new(here.env, here.logical_id, &previous_id);
    let previous = desired::build(&previous_spec, &owner);
    let found = cx.read(&[&previous], false).await?;
    if !plan::owns_any(&previous, &found, &previous_id) {
        return Ok(None);
    }
    let given = plan::give_back_state(&previous, &found, here.physical_id, &previous_id);
    if given.roles.is_empty() && given.policies.is_empty() {
        return Ok(None);
    }
    let takes_over = [here.physical_id];
    let ownership = Ownership {
        takes_over: &takes_over,
        ..Ownership::sole(&previous_id)
    };
    let found = plan::within(&found, &given);
    let plan = plan::converge(&given, &found, &ownership).map_err(Error::from)?;
    tracing::info!(plan = %plan, previous = previous_id, "give-back plan");
    cx.apply(&plan, &found).await?;
    let mut names: Vec<&str> = given.roles.iter().map(|r| r.name.as_str()).collect();
    names.extend(given.policies.iter().map(|p| p.name.as_str()));
    let note = format!(
        "kept {} for {previous_id}, the resource this one replaced, which still owns some of its \
         roles: given back as its properties describe them (a rollback that sent only this \
         Delete, or a stack deletion after the cleanup Delete of {previous_id} failed or never \
         came)",
        names.join(", ")
    );
    tracing::warn!(note, "gave back what this resource took over");
    Ok(Some((given, note)))
}
