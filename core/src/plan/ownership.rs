//! Who owns a role or policy: the tags that say so (every tag key this project writes is
//! defined here), whose roles and policies a plan may change, and IAM's limit on tags.

use super::PlanError;
use crate::handover;
use std::collections::{BTreeMap, BTreeSet};

/// One of this project's own tag keys: the prefix they all start with is written only here.
macro_rules! own_tag_key {
    ($name:literal) => {
        concat!("ecs-iam-roles:", $name)
    };
}
pub(crate) use own_tag_key;

/// Every tag key this project writes starts with this.
pub const TAG_PREFIX: &str = own_tag_key!("");
/// The tag key that records which resource owns a role or policy.
pub const OWNER_TAG_KEY: &str = own_tag_key!("owner");
/// The tag key that records which resource a replacement replaced (for its rollback).
pub const LINEAGE_TAG_KEY: &str = own_tag_key!("replaces");

/// IAM's limit of tags on one role or policy.
pub const MAX_TAGS_PER_ENTITY: usize = 50;
/// The tags a user may ask for: the ownership and lineage tags take two of IAM's 50 (a
/// replacement's hand-over record takes more: see [`crate::handover`]).
pub const MAX_USER_TAGS: usize = MAX_TAGS_PER_ENTITY - 2;

/// Whether a tag key is this project's own bookkeeping (never a user tag, never drift).
pub fn is_bookkeeping_key(key: &str) -> bool {
    key.starts_with(TAG_PREFIX)
}

/// Whether these tags name `owner` as the owner.
pub(super) fn is_owned_by(tags: &BTreeMap<String, String>, owner: &str) -> bool {
    tags.get(OWNER_TAG_KEY).map(String::as_str) == Some(owner)
}

pub(super) fn describe_owner(tags: &BTreeMap<String, String>) -> String {
    match tags.get(OWNER_TAG_KEY) {
        Some(owner) => format!("owner tag {owner}"),
        None => "no ownership tag".to_string(),
    }
}

/// Whose roles and policies a plan may change.
#[derive(Debug, Clone, Copy)]
pub struct Ownership<'a> {
    /// The owner everything ends up tagged with (the answer's PhysicalResourceId).
    pub owner: &'a str,
    /// Earlier owners whose roles this resource takes over (the resource being replaced).
    pub takes_over: &'a [&'a str],
    /// Also take over what a replacement of this id made and never reported (its lineage tag
    /// names this id): work left by a replacing Update that timed out or failed.
    pub descendants_of: Option<&'a str>,
    /// Take over roles that carry no ownership tag (`AdoptExisting: true`).
    pub adopt: bool,
}

impl<'a> Ownership<'a> {
    /// Only `owner`'s own: no take-over, no adoption.
    pub fn sole(owner: &'a str) -> Ownership<'a> {
        Ownership {
            owner,
            takes_over: &[],
            descendants_of: None,
            adopt: false,
        }
    }

    /// An in-place Update's: `current` owns, and takes over what a replacement of it that never
    /// answered made; with `adopt` (`AdoptExisting`), untagged roles too.
    pub fn in_place(current: &'a str, adopt: bool) -> Ownership<'a> {
        Ownership {
            descendants_of: Some(current),
            adopt,
            ..Ownership::sole(current)
        }
    }

    /// A replacement's (or a return to the replaced resource's): `id` owns, and takes over what
    /// `replaced` (the current resource) owns and what a replacement of it that never answered
    /// made; with `adopt`, untagged roles too.
    pub fn replacing(id: &'a str, replaced: &'a &'a str, adopt: bool) -> Ownership<'a> {
        Ownership {
            owner: id,
            takes_over: std::slice::from_ref(replaced),
            descendants_of: Some(replaced),
            adopt,
        }
    }

    /// Whether an existing role or policy with these tags is this resource's to change.
    pub fn accepts(&self, tags: &BTreeMap<String, String>) -> bool {
        let Some(owner) = tags.get(OWNER_TAG_KEY) else {
            return false;
        };
        owner == self.owner
            || self.takes_over.contains(&owner.as_str())
            || self
                .descendants_of
                .is_some_and(|id| tags.get(LINEAGE_TAG_KEY).map(String::as_str) == Some(id))
    }
}

pub(super) fn tag_diff(
    desired: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    // IAM keeps one tag per key regardless of case (and keeps the case it was first given).
    let find = |tags: &BTreeMap<String, String>, key: &str| {
        tags.iter()
            .find(|(k, _)| k.to_lowercase() == key.to_lowercase())
            .map(|(_, v)| v.clone())
    };
    let to_set = desired
        .iter()
        .filter(|(k, v)| find(actual, k).as_ref() != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // Bookkeeping tags (lineage, adoption record) are kept unless replaced; a new hand-over
    // record replaces the old one whole (it may have fewer chunks). An entity given back to the
    // resource it was taken from (a rollback) loses the lineage and the record that name that
    // resource: they only said where it came from.
    let new_record = desired.contains_key(handover::MARKER_KEY);
    let returned = !desired.contains_key(LINEAGE_TAG_KEY)
        && actual.get(LINEAGE_TAG_KEY).is_some()
        && actual.get(LINEAGE_TAG_KEY) == desired.get(OWNER_TAG_KEY);
    let superseded = |k: &str| {
        (new_record || returned) && handover::is_record_key(k) || returned && k == LINEAGE_TAG_KEY
    };
    let to_remove = actual
        .keys()
        .filter(|k| find(desired, k).is_none() && (!is_bookkeeping_key(k) || superseded(k)))
        .cloned()
        .collect();
    (to_set, to_remove)
}

/// Tagging runs alongside untagging, so an entity may briefly carry every tag it has now and
/// every tag being set: that must fit in IAM's limit, or IAM refuses part-way.
pub(super) fn check_tag_budget(
    entity: &'static str,
    name: &str,
    found: &BTreeMap<String, String>,
    set: &BTreeMap<String, String>,
) -> Result<(), PlanError> {
    let keys: BTreeSet<String> = found
        .keys()
        .chain(set.keys())
        .map(|k| k.to_lowercase())
        .collect();
    if keys.len() <= MAX_TAGS_PER_ENTITY {
        return Ok(());
    }
    let own = keys.iter().filter(|k| is_bookkeeping_key(k)).count();
    Err(PlanError::TooManyTags {
        entity,
        name: name.to_string(),
        count: keys.len(),
        own,
    })
}
