//! Delete: remove what this resource owns, give back what it adopted.

use super::{check_belongs, Lifecycle, Outcome};
use crate::desired::{self, Owner};
use crate::error::Error;
use crate::identity::{is_failed_marker, stack_env};
use crate::plan;
use serde_json::Value;

pub(crate) async fn delete(
    cx: &Lifecycle<'_>,
    stack_id: &str,
    logical_id: &str,
    physical_id: &str,
    properties: &Value,
) -> Outcome {
    let result = remove(cx, stack_id, logical_id, physical_id, properties).await;
    Outcome::new(physical_id, result.map(|()| Default::default()))
}

async fn remove(
    cx: &Lifecycle<'_>,
    stack_id: &str,
    logical_id: &str,
    physical_id: &str,
    properties: &Value,
) -> Result<(), Error> {
    if is_failed_marker(physical_id) {
        return Ok(());
    }
    check_belongs(physical_id, stack_id, logical_id)?;
    // A Create with bad input or a bad StackId made nothing; its Delete has nothing to do.
    let Ok(env) = stack_env(stack_id) else {
        tracing::warn!("Delete with a StackId that never created anything; nothing to do");
        return Ok(());
    };
    let Some(spec) = cx.known_spec(properties, &env) else {
        tracing::warn!("Delete with properties that never created anything; nothing to do");
        return Ok(());
    };
    cx.check_home(&env).await?;
    let desired = desired::build(&spec, &Owner::new(&env, logical_id, physical_id));
    // Nothing to keep time back for: a Delete's retries may run until the deadline.
    cx.session.start_cleanup();
    let actual = cx.read(&[&desired], true).await?;
    let plan = plan::teardown(&actual, physical_id, cx.required_boundary());
    tracing::info!(plan = %plan, "teardown plan");
    cx.session.apply(&plan).await?;
    Ok(())
}
