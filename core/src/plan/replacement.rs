//! The resource a replacing Update makes (for the function and the plan command alike), and the
//! one a replacement that never answered made: their PhysicalResourceIds and desired states.

use crate::desired::{self, DesiredState, Owner, Replacing};
use crate::identity::{self, StackEnv};
use crate::spec::Spec;
use serde_json::Value;

/// The resource a replacing Update makes ([`UpdateStrategy::Replace`](super::UpdateStrategy::Replace)): its PhysicalResourceId,
/// derived from the replaced resource and the new properties' fingerprint (so every delivery of
/// the Update, and the rollback that undoes it, arrive at the same id), and the new properties'
/// state under it, which records the replaced resource's id and properties (the hand-over
/// record) on everything it owns.
#[derive(Debug, Clone, PartialEq)]
pub struct Replacement {
    /// The new PhysicalResourceId.
    pub id: String,
    /// The new properties' state under `id`.
    pub desired: DesiredState,
}

/// Where the resource being updated lives and what it was: the stack, its logical id, its
/// current PhysicalResourceId and its old `ResourceProperties`.
#[derive(Debug, Clone, Copy)]
pub struct Updating<'a> {
    /// Where the stack lives.
    pub env: &'a StackEnv,
    /// The stack's StackId.
    pub stack_id: &'a str,
    /// The resource's LogicalResourceId.
    pub logical_id: &'a str,
    /// Its current PhysicalResourceId.
    pub current: &'a str,
    /// Its `ResourceProperties` before the Update.
    pub old_properties: &'a Value,
}

/// What a replacement of `updating`'s resource to its old properties `old` made, if it never
/// answered (cut off by the deadline): the id CloudFormation never learned, which the rollback
/// Update that follows is the last chance to find, and the roles and policies it named (by name;
/// their tags are not read).
pub fn unanswered_replacement(old: &Spec, updating: &Updating) -> Replacement {
    let Updating {
        env,
        stack_id,
        logical_id,
        current,
        ..
    } = *updating;
    let id = identity::replacement_id(env, stack_id, logical_id, current, &old.fingerprint());
    let desired = desired::build(old, &Owner::new(env, logical_id, &id));
    Replacement { id, desired }
}

/// What a replacing Update of `updating` to `spec` makes.
pub fn replacement(spec: &Spec, updating: &Updating) -> Replacement {
    let Updating {
        env,
        stack_id,
        logical_id,
        current,
        old_properties,
    } = *updating;
    let id = identity::replacement_id(env, stack_id, logical_id, current, &spec.fingerprint());
    let owner = Owner {
        replaces: Some(Replacing {
            physical_id: current,
            properties: old_properties,
        }),
        ..Owner::new(env, logical_id, &id)
    };
    let desired = desired::build(spec, &owner);
    Replacement { id, desired }
}
