//! A resource planned against what IAM holds (`--live`): drift, with zero IAM writes.

use super::*;

/// Drift: what an Update with these properties would do in the account now.
pub(super) async fn live_resource(
    cx: &Context<'_>,
    out: &mut ResourceOut,
    properties: &Value,
    found: Option<live::StackResource>,
    aws: &Aws,
) {
    let Some(found) = found else {
        out.notes.push(format!(
            "stack {} has no resource {} yet: its Create makes everything",
            cx.env.stack_name, out.logical_id
        ));
        return create(cx, out, properties, true);
    };
    out.physical_id = Some(found.physical_id.clone());
    if identity::is_failed_marker(&found.physical_id) {
        out.notes.push(
            "the resource's Create failed and made nothing: its next Update creates everything"
                .into(),
        );
        return create(cx, out, properties, true);
    }
    // An Update carrying an id made for another stack or resource is refused (with
    // --physical-id there is no stack id to hold it to).
    if !found.stack_id.is_empty()
        && !identity::belongs_to(&found.physical_id, &found.stack_id, &out.logical_id)
    {
        let e = ecs_iam_roles::error::Error::ForeignId {
            physical_id: found.physical_id.clone(),
            logical_id: out.logical_id.clone(),
            stack_id: found.stack_id.clone(),
        };
        return out.plan_error(e.to_string());
    }
    // The template is taken as the deployed one: what the resource holds stays served
    // (Operator::guard of an Update that adds nothing).
    let checked = match check::check(properties, rules(cx), Stage::Known, &mut out.tokens) {
        Ok(known) => {
            let old = known.spec.clone();
            check::check(
                properties,
                rules(cx),
                Stage::Request { old: Some(&old) },
                &mut out.tokens,
            )
        }
        Err(errors) => Err(errors),
    };
    let checked = match checked {
        Ok(checked) => checked,
        Err(errors) => return out.spec_errors(errors),
    };
    if out.tokens.stands_in(&checked.properties.to_string()) {
        out.notes.push(LIVE_TOKENS_NOTE.to_string());
    }
    let cur = found.physical_id.clone();
    let state = desired::build(&checked.spec, &Owner::new(&cx.env, &out.logical_id, &cur));
    out.show(&checked.spec, &state, cx);
    let actual = match live::read(aws, &state).await {
        Ok(actual) => actual,
        Err(e) => {
            out.errors.push(error(&out.logical_id, None, &e));
            out.action = "refused";
            return;
        }
    };
    let ownership = Ownership {
        descendants_of: Some(&cur),
        adopt: checked.spec.adopt_existing,
        ..Ownership::sole(&cur)
    };
    match plan::converge(&state, &actual, &ownership) {
        Ok(plan) => {
            out.action = if plan.is_empty() { "none" } else { "repair" };
            out.plan(&plan, &actual, &[&state]);
        }
        Err(e) => out.plan_error(e.to_string()),
    }
}
