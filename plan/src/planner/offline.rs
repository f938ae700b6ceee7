//! The offline plans: a Create, an Update from the old template's properties (deployed as they
//! are), a Delete; and what IAM would hold after them.

use super::{calls, placeholder_id, rules, Context, ResourceOut};
use crate::changes;
use crate::check::{self, Stage};
use ecs_iam_roles::desired::{self, DesiredState, Owner};
use ecs_iam_roles::plan::{
    self, ActualState, Ownership, UpdateFound, UpdateStrategy, OWNER_TAG_KEY,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// A Create: what the function makes. `diff`: also as changes (the resource is new in an
/// update).
pub(super) fn create(cx: &Context<'_>, out: &mut ResourceOut, properties: &Value, diff: bool) {
    let checked = match check::check(
        properties,
        rules(cx),
        Stage::Request { old: None },
        &mut out.tokens,
    ) {
        Ok(checked) => checked,
        Err(errors) => return out.spec_errors(errors),
    };
    let id = placeholder_id(cx, &out.logical_id);
    let state = desired::build(&checked.spec, &Owner::new(&cx.env, &out.logical_id, &id));
    out.show(&checked.spec, &state, cx);
    out.action = "create";
    let nothing = ActualState::default();
    let ownership = Ownership {
        adopt: checked.spec.adopt_existing,
        ..Ownership::sole(&id)
    };
    match plan::converge(&state, &nothing, &ownership) {
        Ok(plan) if diff => out.plan(&plan, &nothing, &[&state]),
        Ok(plan) => out.changed |= !plan.is_empty(),
        Err(e) => out.plan_error(e.to_string()),
    }
}

/// An Update from `old` (the old template's properties, deployed as they are) to `properties`.
pub(super) fn update(cx: &Context<'_>, out: &mut ResourceOut, properties: &Value, old: &Value) {
    let known = check::check(old, rules(cx), Stage::Known, &mut out.tokens);
    let Ok(old_checked) = known else {
        // The old properties never made anything (the function refused them): the Update
        // makes everything, as a Create.
        out.notes.push(
            "the old template's properties are invalid, so its Create failed and made nothing: this Update creates everything".into(),
        );
        return create(cx, out, properties, true);
    };
    let checked = match check::check(
        properties,
        rules(cx),
        Stage::Request {
            old: Some(&old_checked.spec),
        },
        &mut out.tokens,
    ) {
        Ok(checked) => checked,
        Err(errors) => return out.spec_errors(errors),
    };
    let (env, logical) = (&cx.env, out.logical_id.clone());
    let cur = placeholder_id(cx, &logical);
    let in_place = desired::build(&checked.spec, &Owner::new(env, &logical, &cur));
    let old_state = desired::build(&old_checked.spec, &Owner::new(env, &logical, &cur));
    // What the old template made: everything, as it asked, owned by the current id.
    let actual = ActualState::as_made(&old_state);
    let found = UpdateFound {
        new: &in_place,
        old: Some(&old_state),
        actual: &actual,
        stray: None,
        replaced: None,
    };
    match plan::decide_update(&cur, Some(&found)) {
        UpdateStrategy::InPlace { .. } => {
            out.show(&checked.spec, &in_place, cx);
            let ownership = Ownership::in_place(&cur, checked.spec.adopt_existing);
            match plan::converge(&in_place, &actual, &ownership) {
                Ok(plan) => {
                    out.action = if plan.is_empty() { "none" } else { "update" };
                    out.plan(&plan, &actual, &[&in_place, &old_state]);
                }
                Err(e) => out.plan_error(e.to_string()),
            }
        }
        UpdateStrategy::Replace { reasons } | UpdateStrategy::ReturnTo { reasons, .. } => {
            let updating = plan::Updating {
                env,
                stack_id: &cx.stack_id,
                logical_id: &logical,
                current: &cur,
                old_properties: &old_checked.properties,
            };
            let plan::Replacement { id, desired: state } =
                plan::replacement(&checked.spec, &updating);
            out.show(&checked.spec, &state, cx);
            out.action = "replace";
            out.replacement = true;
            out.reasons = reasons;
            // The function reads what the new state names; it takes over what the current
            // resource owns of it.
            let before = plan::within(&actual, &state);
            let replaced = cur.as_str();
            let ownership = Ownership::replacing(&id, &replaced, checked.spec.adopt_existing);
            match plan::converge(&state, &before, &ownership) {
                Ok(plan) => out.plan(&plan, &before, &[&state, &old_state]),
                Err(e) => return out.plan_error(e.to_string()),
            }
            // CloudFormation's Delete of the replaced resource, after the stack update: what
            // the current id still owns.
            let after = handed_over(&actual, &state, &id);
            let cleanup = plan::teardown(&after, &cur, cx.operator.required_boundary.as_deref());
            out.cleanup = changes::of_plan(&cleanup, &after, &[&old_state]);
            out.cleanup_calls = calls(&cleanup);
        }
        UpdateStrategy::CreateAnew => create(cx, out, properties, true),
    }
}

/// The resource is gone from the template (or its Condition turned false): CloudFormation
/// deletes it, and the function removes what it made.
pub(super) fn delete(cx: &Context<'_>, out: &mut ResourceOut, old: &Value) {
    let Ok(old_checked) = check::check(old, rules(cx), Stage::Known, &mut out.tokens) else {
        out.notes.push("the old template's properties are invalid, so its Create failed and made nothing: the Delete removes nothing".into());
        out.changes = Some(vec![]);
        return;
    };
    let cur = placeholder_id(cx, &out.logical_id);
    let old_state = desired::build(
        &old_checked.spec,
        &Owner::new(&cx.env, &out.logical_id, &cur),
    );
    let actual = ActualState::as_made(&old_state);
    let plan = plan::teardown(&actual, &cur, cx.operator.required_boundary.as_deref());
    out.action = "delete";
    out.plan(&plan, &actual, &[&old_state]);
}

/// `actual` after a replacement under `id` took over what `state` names.
pub(super) fn handed_over(actual: &ActualState, state: &DesiredState, id: &str) -> ActualState {
    let mut after = actual.clone();
    let taken = plan::within(actual, state);
    let owner = || BTreeMap::from([(OWNER_TAG_KEY.to_string(), id.to_string())]);
    for name in taken.roles.keys() {
        after
            .roles
            .get_mut(name)
            .expect("taken from it")
            .tags
            .extend(owner());
    }
    for arn in taken.policies.keys() {
        after
            .policies
            .get_mut(arn)
            .expect("taken from it")
            .tags
            .extend(owner());
    }
    for name in taken.instance_profiles.keys() {
        after
            .instance_profiles
            .get_mut(name)
            .expect("taken from it")
            .tags
            .extend(owner());
    }
    after
}
