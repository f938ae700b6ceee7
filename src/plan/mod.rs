//! Desired vs actual → the IAM operations to run, grouped in phases. Pure: no network here.
//!
//! Operations within a phase do not depend on each other and run concurrently; a phase starts
//! when the previous one has finished. Creates come first, then what needs the created entities
//! (attachments, inline policies, new policy versions), then removals, so a role is never left
//! with fewer permissions than both the old and the new state grant.

use crate::adoption::{is_bookkeeping_key, AdoptionRecord};
use crate::desired::{DesiredRole, DesiredState};
use crate::spec::{LINEAGE_TAG_KEY, OWNER_TAG_KEY};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What IAM holds for a role this resource may own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualRole {
    pub name: String,
    pub path: String,
    pub trust: Value,
    pub managed_policy_arns: BTreeSet<String>,
    pub inline_policies: BTreeMap<String, Value>,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub instance_profiles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyVersion {
    pub id: String,
    pub is_default: bool,
}

/// What IAM holds for a customer-managed policy this resource may own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualPolicy {
    pub arn: String,
    pub document: Value,
    /// Oldest first.
    pub versions: Vec<PolicyVersion>,
    pub tags: BTreeMap<String, String>,
}

/// The roles (by name) and policies (by ARN) that exist; what is missing does not exist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActualState {
    pub roles: BTreeMap<String, ActualRole>,
    pub policies: BTreeMap<String, ActualPolicy>,
}

pub use op::{Created, Op};

mod op;

/// The named steps of every plan, in the order they run. Each exists for an ordering that IAM
/// (or the execution role's policy) needs:
/// - `Own` first: what is created is created, and a role adopted now gets its owner tag, because
///   the execution role may change a role or policy only while it carries that tag;
/// - `Bound` before `Grant`: with a required permissions boundary, IAM allows granting
///   permissions to a role only once the boundary is on it;
/// - `Grant` before `Revoke`: a role never holds less than both the old and the new state grant;
/// - `Delete` once the roles and policies are empty;
/// - `Release` last: the owner tag of a role given back goes only after every change to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Own,
    Bound,
    Grant,
    Revoke,
    Delete,
    Release,
}

/// One step of a plan: operations that do not depend on each other and run concurrently.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub stage: Stage,
    pub ops: Vec<Op>,
}

impl std::ops::Deref for Phase {
    type Target = [Op];
    fn deref(&self) -> &[Op] {
        &self.ops
    }
}

/// Phases of operations: each phase's operations run concurrently; a phase starts when the
/// previous one has finished.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub phases: Vec<Phase>,
}

impl Plan {
    /// Operations sorted into their stages, in stage order; empty stages are left out.
    pub fn staged(ops: impl IntoIterator<Item = (Stage, Op)>) -> Plan {
        let mut by_stage: BTreeMap<Stage, Vec<Op>> = BTreeMap::new();
        for (stage, op) in ops {
            by_stage.entry(stage).or_default().push(op);
        }
        Plan {
            phases: by_stage
                .into_iter()
                .map(|(stage, ops)| Phase { stage, ops })
                .collect(),
        }
    }

    /// This plan's phases after `first`'s.
    pub fn after(mut self, first: Plan) -> Plan {
        let mut phases = first.phases;
        phases.append(&mut self.phases);
        self.phases = phases;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.phases.is_empty()
    }

    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.phases.iter().flat_map(|p| p.ops.iter())
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no changes");
        }
        for (i, phase) in self.phases.iter().enumerate() {
            writeln!(f, "phase {} ({:?}):", i + 1, phase.stage)?;
            for op in &phase.ops {
                writeln!(f, "  {op}")?;
            }
        }
        Ok(())
    }
}

/// Why no plan can bring IAM to the desired state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A role or policy exists under the name this resource wants, and someone else owns it.
    #[error("{entity} {name} already exists and is not owned by this resource ({owner}); it was left untouched. Choose another name, delete it, or set AdoptExisting: true to take over a role")]
    NotOwned {
        entity: &'static str,
        name: String,
        owner: String,
    },
    /// Adopting the role would let the kind's trusted principal use permissions it already has.
    #[error("role {name} cannot be adopted: it holds permissions beyond its kind's ({}), which the new trust would hand to another principal; nothing was changed. Remove them from the role first, or choose another RoleName", extra.join(", "))]
    AdoptionWidens { name: String, extra: Vec<String> },
    /// The tags IAM would have to hold at once exceed its limit.
    #[error("{entity} {name} would carry {count} tags ({own} of them this resource's own bookkeeping, the rest its Tags and the tags it already has); IAM allows 50. Nothing was changed. Use fewer Tags, remove tags from the {entity}, or change Tags in two updates")]
    TooManyTags {
        entity: &'static str,
        name: String,
        count: usize,
        own: usize,
    },
    /// The role exists under the same name in another case (IAM names ignore case).
    #[error("role {wanted} exists as {actual} (IAM role names are unique regardless of case); nothing was changed. Use RoleName: {actual}, or another name")]
    NameCase { wanted: String, actual: String },
    /// IAM cannot move a role to another path.
    #[error("role {name} exists at path {actual}, not {wanted}; IAM cannot change a role's path. Use another RoleName or remove the role")]
    WrongPath {
        name: String,
        actual: String,
        wanted: String,
    },
}

fn describe_owner(tags: &BTreeMap<String, String>) -> String {
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
    pub fn sole(owner: &'a str) -> Ownership<'a> {
        Ownership {
            owner,
            takes_over: &[],
            descendants_of: None,
            adopt: false,
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

/// A policy document in a canonical form, so that documents IAM considers equal compare equal:
/// a single string and a one-element list are the same, list order does not matter, and a lone
/// Statement object is a one-statement list.
pub fn normalize_policy(value: &Value) -> Value {
    fn normalize(value: &Value, key: Option<&str>) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), normalize(v, Some(k))))
                    .collect(),
            ),
            Value::Array(items) => {
                let mut items: Vec<Value> = items.iter().map(|v| normalize(v, None)).collect();
                items.sort_by_key(|v| v.to_string());
                items.dedup();
                Value::Array(items)
            }
            scalar => match key {
                Some("Version" | "Effect" | "Sid" | "Id") | None => scalar.clone(),
                Some(_) => Value::Array(vec![scalar.clone()]),
            },
        }
    }
    let mut normalized = normalize(value, None);
    if let Some(statement) = normalized.get_mut("Statement") {
        if statement.is_object() {
            *statement = Value::Array(vec![statement.take()]);
        }
    }
    normalized
}

pub fn same_policy(a: &Value, b: &Value) -> bool {
    normalize_policy(a) == normalize_policy(b)
}

fn tag_diff(
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
    // Bookkeeping tags (lineage, adoption record) are kept unless replaced.
    let to_remove = actual
        .keys()
        .filter(|k| find(desired, k).is_none() && !is_bookkeeping_key(k))
        .cloned()
        .collect();
    (to_set, to_remove)
}

/// IAM's limit of tags on one role or policy.
pub const MAX_TAGS_PER_ENTITY: usize = 50;

/// Tagging runs alongside untagging, so an entity may briefly carry every tag it has now and
/// every tag being set: that must fit in IAM's limit, or IAM refuses part-way.
fn check_tag_budget(
    entity: &'static str,
    name: &str,
    found: &BTreeMap<String, String>,
    set: &BTreeMap<String, String>,
) -> Result<(), PlanError> {
    let keys: std::collections::BTreeSet<String> = found
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

/// IAM keeps at most five versions of a managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;

/// The operations that bring IAM from `actual` to `desired`. An existing role or policy must be
/// accepted by `ownership` (or adopted), or nothing is planned at all. Customer-managed
/// policies in `actual` that are owned but no longer desired are removed.
pub fn converge(
    desired: &DesiredState,
    actual: &ActualState,
    ownership: &Ownership,
) -> Result<Plan, PlanError> {
    let mut ops: Vec<(Stage, Op)> = vec![];

    for policy in &desired.policies {
        let Some(found) = actual.policies.get(&policy.arn) else {
            ops.push((
                Stage::Own,
                Op::CreatePolicy {
                    arn: policy.arn.clone(),
                    name: policy.name.clone(),
                    path: policy.path.clone(),
                    document: policy.document.clone(),
                    tags: policy.tags.clone(),
                },
            ));
            continue;
        };
        if !ownership.accepts(&found.tags) {
            return Err(PlanError::NotOwned {
                entity: "policy",
                name: policy.arn.clone(),
                owner: describe_owner(&found.tags),
            });
        }
        if !same_policy(&found.document, &policy.document) {
            if found.versions.len() >= MAX_POLICY_VERSIONS {
                if let Some(oldest) = found.versions.iter().find(|v| !v.is_default) {
                    ops.push((
                        Stage::Own,
                        Op::DeletePolicyVersion {
                            arn: policy.arn.clone(),
                            version_id: oldest.id.clone(),
                        },
                    ));
                }
            }
            ops.push((
                Stage::Grant,
                Op::CreatePolicyVersion {
                    arn: policy.arn.clone(),
                    document: policy.document.clone(),
                },
            ));
        }
        let (set, unset) = tag_diff(&policy.tags, &found.tags);
        check_tag_budget("policy", &policy.arn, &found.tags, &set)?;
        if !set.is_empty() {
            ops.push((
                Stage::Own,
                Op::TagPolicy {
                    arn: policy.arn.clone(),
                    tags: set,
                },
            ));
        }
        if !unset.is_empty() {
            ops.push((
                Stage::Own,
                Op::UntagPolicy {
                    arn: policy.arn.clone(),
                    keys: unset,
                },
            ));
        }
    }

    for role in &desired.roles {
        let name = &role.name;
        let Some(found) = actual.roles.get(name) else {
            ops.push((
                Stage::Own,
                Op::CreateRole {
                    name: name.clone(),
                    path: role.path.clone(),
                    trust: role.trust.clone(),
                    permissions_boundary: role.permissions_boundary.clone(),
                    tags: role.tags.clone(),
                },
            ));
            for arn in &role.managed_policy_arns {
                ops.push(attach(name, arn));
            }
            for (policy_name, document) in &role.inline_policies {
                ops.push(put_inline(name, policy_name, document));
            }
            continue;
        };
        let accepted = ownership.accepts(&found.tags);
        let unowned = !found.tags.contains_key(OWNER_TAG_KEY);
        if !(accepted || ownership.adopt && unowned) {
            return Err(PlanError::NotOwned {
                entity: "role",
                name: name.clone(),
                owner: describe_owner(&found.tags),
            });
        }
        // IAM found the role under the name in another case. Its ARN carries the stored name,
        // which the outputs would not: the stack must say the name as IAM has it.
        if found.name != *name {
            return Err(PlanError::NameCase {
                wanted: name.clone(),
                actual: found.name.clone(),
            });
        }
        if found.path != role.path {
            return Err(PlanError::WrongPath {
                name: name.clone(),
                actual: found.path.clone(),
                wanted: role.path.clone(),
            });
        }
        if !accepted {
            // Adopting changes who can assume the role: it must hold nothing but its kind's.
            let extra = beyond_kind(role, found);
            if !extra.is_empty() {
                return Err(PlanError::AdoptionWidens {
                    name: name.clone(),
                    extra,
                });
            }
        }
        // A role this project did not create is only ever added to (seed 003's repair), and
        // what was added is recorded on it so that Delete can give it back as it was.
        let adopted = AdoptionRecord::from_tags(&found.tags).filter(|_| accepted);
        let adopting = adopted.is_some() || !accepted;
        let mut record = adopted.clone().unwrap_or_default();

        if !same_policy(&found.trust, &role.trust) {
            if adopting && record.trust.is_none() {
                record.trust = Some(found.trust.clone());
            }
            ops.push((
                Stage::Grant,
                Op::UpdateTrust {
                    role: name.clone(),
                    trust: role.trust.clone(),
                },
            ));
        }
        match (&role.permissions_boundary, &found.permissions_boundary) {
            (Some(want), have) if have.as_ref() != Some(want) => {
                if adopting && record.boundary.is_none() {
                    record.boundary = Some(have.clone());
                }
                ops.push((
                    Stage::Bound,
                    Op::PutBoundary {
                        role: name.clone(),
                        arn: want.clone(),
                    },
                ));
            }
            (None, Some(_)) if !adopting => {
                ops.push((Stage::Bound, Op::DeleteBoundary { role: name.clone() }))
            }
            _ => {}
        }
        for arn in role
            .managed_policy_arns
            .difference(&found.managed_policy_arns)
        {
            if adopting && !record.attached.contains(arn) {
                record.attached.push(arn.clone());
            }
            ops.push(attach(name, arn));
        }
        for (policy_name, document) in &role.inline_policies {
            let have = found.inline_policies.get(policy_name);
            if have.is_none_or(|have| !same_policy(have, document)) {
                if adopting && have.is_none() && !record.inline.contains(policy_name) {
                    record.inline.push(policy_name.clone());
                }
                ops.push(put_inline(name, policy_name, document));
            }
        }
        let mut tags = role.tags.clone();
        if adopting {
            for key in role.tags.keys() {
                if !found.tags.contains_key(key)
                    && !is_bookkeeping_key(key)
                    && !record.tags_added.contains(key)
                {
                    record.tags_added.push(key.clone());
                }
            }
            tags.extend(record.to_tags());
        }
        let (set, unset) = tag_diff(&tags, &found.tags);
        check_tag_budget("role", name, &found.tags, &set)?;
        if !set.is_empty() {
            ops.push((
                Stage::Own,
                Op::TagRole {
                    role: name.clone(),
                    tags: set,
                },
            ));
        }
        if adopting {
            // What the role had before adoption stays.
            continue;
        }
        if !unset.is_empty() {
            ops.push((
                Stage::Own,
                Op::UntagRole {
                    role: name.clone(),
                    keys: unset,
                },
            ));
        }
        for arn in found
            .managed_policy_arns
            .difference(&role.managed_policy_arns)
        {
            ops.push((
                Stage::Revoke,
                Op::DetachPolicy {
                    role: name.clone(),
                    arn: arn.clone(),
                },
            ));
        }
        for policy_name in found.inline_policies.keys() {
            if !role.inline_policies.contains_key(policy_name) {
                ops.push((
                    Stage::Revoke,
                    Op::DeleteInlinePolicy {
                        role: name.clone(),
                        name: policy_name.clone(),
                    },
                ));
            }
        }
    }

    // Owned policies no longer wanted (e.g. LeastPrivilege turned off): detached above from the
    // roles that had them, deleted last.
    for (arn, found) in &actual.policies {
        if ownership.accepts(&found.tags) && !desired.policies.iter().any(|p| &p.arn == arn) {
            ops.extend(policy_removal(arn, found));
        }
    }

    Ok(Plan::staged(ops))
}

/// A managed policy attached to a role.
fn attach(role: &str, arn: &str) -> (Stage, Op) {
    let op = Op::AttachPolicy {
        role: role.to_string(),
        arn: arn.to_string(),
    };
    (Stage::Grant, op)
}

/// An inline policy put on a role.
fn put_inline(role: &str, name: &str, document: &Value) -> (Stage, Op) {
    let op = Op::PutInlinePolicy {
        role: role.to_string(),
        name: name.to_string(),
        document: document.clone(),
    };
    (Stage::Grant, op)
}

/// What an existing role holds beyond what `role`'s kind grants: other managed policies and
/// inline policies of other names, as the Reason lists them.
fn beyond_kind(role: &DesiredRole, found: &ActualRole) -> Vec<String> {
    let managed = found
        .managed_policy_arns
        .difference(&role.managed_policy_arns)
        .map(|arn| format!("managed policy {arn}"));
    let inline = found
        .inline_policies
        .keys()
        .filter(|name| !role.inline_policies.contains_key(*name))
        .map(|name| format!("inline policy {name}"));
    managed.chain(inline).collect()
}

/// The operations that remove every role and policy in `actual` owned by `owner`: detach,
/// delete inline policies, leave instance profiles, delete old versions, then delete. An
/// adopted role is not deleted but given back as it was before adoption (keeping a boundary the
/// operator requires: IAM would refuse to take it off). What is owned by someone else is left
/// alone.
pub fn teardown(actual: &ActualState, owner: &str, required_boundary: Option<&str>) -> Plan {
    let owned = |tags: &BTreeMap<String, String>| {
        tags.get(OWNER_TAG_KEY).map(String::as_str) == Some(owner)
    };
    let mut ops: Vec<(Stage, Op)> = vec![];
    for (name, role) in &actual.roles {
        if !owned(&role.tags) {
            continue;
        }
        if let Some(record) = AdoptionRecord::from_tags(&role.tags) {
            ops.extend(restore(name, role, &record, required_boundary));
            continue;
        }
        for arn in &role.managed_policy_arns {
            ops.push((
                Stage::Revoke,
                Op::DetachPolicy {
                    role: name.clone(),
                    arn: arn.clone(),
                },
            ));
        }
        for policy_name in role.inline_policies.keys() {
            ops.push((
                Stage::Revoke,
                Op::DeleteInlinePolicy {
                    role: name.clone(),
                    name: policy_name.clone(),
                },
            ));
        }
        for profile in &role.instance_profiles {
            ops.push((
                Stage::Revoke,
                Op::RemoveFromInstanceProfile {
                    role: name.clone(),
                    profile: profile.clone(),
                },
            ));
        }
        ops.push((Stage::Delete, Op::DeleteRole { role: name.clone() }));
    }
    for (arn, policy) in &actual.policies {
        if owned(&policy.tags) {
            ops.extend(policy_removal(arn, policy));
        }
    }
    Plan::staged(ops)
}

/// A customer-managed policy removed: its non-default versions, then the policy.
fn policy_removal(arn: &str, policy: &ActualPolicy) -> Vec<(Stage, Op)> {
    let versions = policy.versions.iter().filter(|v| !v.is_default).map(|v| {
        let op = Op::DeletePolicyVersion {
            arn: arn.to_string(),
            version_id: v.id.clone(),
        };
        (Stage::Revoke, op)
    });
    let delete = (
        Stage::Delete,
        Op::DeletePolicy {
            arn: arn.to_string(),
        },
    );
    versions.chain([delete]).collect()
}

/// Why an Update from `old` to `new` (both named under the current PhysicalResourceId `cur`)
/// cannot happen in place: what `cur` owns that `new` no longer names (a role renamed or whose
/// kind was removed, a renamed policy), and roles that would have to move to another path.
/// Empty means in place. Policies `new` drops altogether (LeastPrivilege turned off) are
/// removed in place. Only what exists counts: an earlier failed Update left nothing behind.
pub fn replacement_reasons(
    old: &DesiredState,
    new: &DesiredState,
    actual: &ActualState,
    cur: &str,
) -> Vec<String> {
    let owned =
        |tags: &BTreeMap<String, String>| tags.get(OWNER_TAG_KEY).map(String::as_str) == Some(cur);
    let mut reasons = vec![];
    for role in &old.roles {
        let kept = new.roles.iter().any(|r| r.name == role.name);
        if !kept && actual.roles.get(&role.name).is_some_and(|r| owned(&r.tags)) {
            reasons.push(format!("role {} is no longer wanted", role.name));
        }
    }
    for policy in &old.policies {
        let kept = new.policies.iter().any(|p| p.arn == policy.arn);
        let renamed = new.policies.iter().any(|p| p.kind == policy.kind);
        if !kept
            && renamed
            && actual
                .policies
                .get(&policy.arn)
                .is_some_and(|p| owned(&p.tags))
        {
            reasons.push(format!("policy {} is renamed", policy.arn));
        }
    }
    for role in &new.roles {
        if let Some(found) = actual.roles.get(&role.name) {
            if found.path != role.path && owned(&found.tags) {
                reasons.push(format!(
                    "role {} moves from {} to {}",
                    role.name, found.path, role.path
                ));
            }
        }
    }
    reasons
}

/// The resource that `cur` replaced, as its roles record it (for an UPDATE_ROLLBACK).
pub fn replaced_by(state: &DesiredState, actual: &ActualState, cur: &str) -> Option<String> {
    let tags = state
        .roles
        .iter()
        .filter_map(|r| actual.roles.get(&r.name).map(|a| &a.tags))
        .chain(
            state
                .policies
                .iter()
                .filter_map(|p| actual.policies.get(&p.arn).map(|a| &a.tags)),
        );
    tags.filter(|t| t.get(OWNER_TAG_KEY).map(String::as_str) == Some(cur))
        .find_map(|t| {
            t.get(LINEAGE_TAG_KEY)
                .filter(|id| id.as_str() != cur)
                .cloned()
        })
}

/// What of `state` exists in `actual` and `wanted` does not name: a role or policy of another
/// resource's that this request may remove.
pub fn unwanted(state: &DesiredState, wanted: &DesiredState, actual: &ActualState) -> ActualState {
    ActualState {
        roles: state
            .roles
            .iter()
            .filter(|r| !wanted.roles.iter().any(|w| w.name == r.name))
            .filter_map(|r| {
                actual
                    .roles
                    .get(&r.name)
                    .map(|a| (r.name.clone(), a.clone()))
            })
            .collect(),
        policies: state
            .policies
            .iter()
            .filter(|p| !wanted.policies.iter().any(|w| w.arn == p.arn))
            .filter_map(|p| {
                actual
                    .policies
                    .get(&p.arn)
                    .map(|a| (p.arn.clone(), a.clone()))
            })
            .collect(),
    }
}

/// Whether `owner` still owns any of the roles and policies of `state`.
pub fn owns_any(state: &DesiredState, actual: &ActualState, owner: &str) -> bool {
    let owned = |tags: &BTreeMap<String, String>| {
        tags.get(OWNER_TAG_KEY).map(String::as_str) == Some(owner)
    };
    state
        .roles
        .iter()
        .any(|r| actual.roles.get(&r.name).is_some_and(|a| owned(&a.tags)))
        || state
            .policies
            .iter()
            .any(|p| actual.policies.get(&p.arn).is_some_and(|a| owned(&a.tags)))
}

/// The operations that take back what a failed request did: the roles and policies it
/// `created` (and roles it adopted) are torn down as `owner`'s, and the roles and policies it
/// took over from other owners get their owner tag back. `before` is what existed before the
/// plan ran, `after` the same names read again.
pub fn undo(
    created: &Created,
    before: &ActualState,
    after: &ActualState,
    owner: &str,
    required_boundary: Option<&str>,
) -> Plan {
    let (created_roles, created_policies) = (&created.roles, &created.policies);
    let mut torn_down = ActualState::default();
    for (name, role) in &after.roles {
        let adopted_now = before
            .roles
            .get(name)
            .is_some_and(|b| !b.tags.contains_key(OWNER_TAG_KEY));
        if created_roles.contains(name) || adopted_now {
            torn_down.roles.insert(name.clone(), role.clone());
        }
    }
    for (arn, policy) in &after.policies {
        if created_policies
            .iter()
            .any(|p| arn.ends_with(&format!("/{p}")))
        {
            torn_down.policies.insert(arn.clone(), policy.clone());
        }
    }
    // Whoever owned it before this request, if this request re-pointed its owner tag.
    let previous_owner = |was: &BTreeMap<String, String>,
                          now: Option<&BTreeMap<String, String>>| {
        let (was, now) = (was.get(OWNER_TAG_KEY)?, now?.get(OWNER_TAG_KEY)?);
        (was != now).then(|| BTreeMap::from([(OWNER_TAG_KEY.to_string(), was.clone())]))
    };
    let mut give_back = vec![];
    for (name, role) in &before.roles {
        if let Some(tags) = previous_owner(&role.tags, after.roles.get(name).map(|r| &r.tags)) {
            give_back.push((
                Stage::Own,
                Op::TagRole {
                    role: name.clone(),
                    tags,
                },
            ));
        }
    }
    for (arn, policy) in &before.policies {
        if let Some(tags) = previous_owner(&policy.tags, after.policies.get(arn).map(|p| &p.tags)) {
            give_back.push((
                Stage::Own,
                Op::TagPolicy {
                    arn: arn.clone(),
                    tags,
                },
            ));
        }
    }
    teardown(&torn_down, owner, required_boundary).after(Plan::staged(give_back))
}

/// Undo what an adoption added to a role, leaving the role as it was before: its own
/// permissions, trust and boundary first, the owner tag last (the execution role may change
/// the role only while it carries that tag). A boundary the operator requires stays, and is put
/// on first if the role lacks it (IAM refuses the trust change otherwise).
fn restore(
    name: &str,
    role: &ActualRole,
    record: &AdoptionRecord,
    required_boundary: Option<&str>,
) -> Vec<(Stage, Op)> {
    let mut ops = vec![];
    if let Some(required) = required_boundary {
        if role.permissions_boundary.as_deref() != Some(required) {
            ops.push((
                Stage::Bound,
                Op::PutBoundary {
                    role: name.to_string(),
                    arn: required.to_string(),
                },
            ));
        }
    }
    for arn in record
        .attached
        .iter()
        .filter(|a| role.managed_policy_arns.contains(*a))
    {
        ops.push((
            Stage::Revoke,
            Op::DetachPolicy {
                role: name.to_string(),
                arn: arn.clone(),
            },
        ));
    }
    for policy_name in record
        .inline
        .iter()
        .filter(|p| role.inline_policies.contains_key(*p))
    {
        ops.push((
            Stage::Revoke,
            Op::DeleteInlinePolicy {
                role: name.to_string(),
                name: policy_name.clone(),
            },
        ));
    }
    if let Some(trust) = &record.trust {
        ops.push((
            Stage::Revoke,
            Op::UpdateTrust {
                role: name.to_string(),
                trust: trust.clone(),
            },
        ));
    }
    match &record.boundary {
        _ if required_boundary.is_some() => {}
        Some(Some(arn)) => ops.push((
            Stage::Revoke,
            Op::PutBoundary {
                role: name.to_string(),
                arn: arn.clone(),
            },
        )),
        Some(None) => ops.push((
            Stage::Revoke,
            Op::DeleteBoundary {
                role: name.to_string(),
            },
        )),
        None => {}
    }
    let keys: Vec<String> = role
        .tags
        .keys()
        .filter(|k| is_bookkeeping_key(k) || record.tags_added.contains(*k))
        .cloned()
        .collect();
    ops.push((
        Stage::Release,
        Op::UntagRole {
            role: name.to_string(),
            keys,
        },
    ));
    ops
}

/// States for the unit tests of the planning modules.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::desired::{build, Owner};
    use crate::identity::stack_env;
    use crate::spec;
    use serde_json::json;

    pub const OWNER: &str = "stack-R-abc";

    pub fn desired(properties: Value) -> DesiredState {
        let env = stack_env("arn:aws:cloudformation:eu-west-1:123456789012:stack/stack/g").unwrap();
        let spec = spec::parse(&properties).unwrap();
        build(&spec, &Owner::new(&env, "R", OWNER))
    }

    /// What IAM would hold after applying `desired` exactly.
    pub fn as_actual(desired: &DesiredState) -> ActualState {
        ActualState {
            roles: desired
                .roles
                .iter()
                .map(|r| {
                    (
                        r.name.clone(),
                        ActualRole {
                            name: r.name.clone(),
                            path: r.path.clone(),
                            trust: r.trust.clone(),
                            managed_policy_arns: r.managed_policy_arns.clone(),
                            inline_policies: r.inline_policies.clone(),
                            permissions_boundary: r.permissions_boundary.clone(),
                            tags: r.tags.clone(),
                            instance_profiles: vec![],
                        },
                    )
                })
                .collect(),
            policies: desired
                .policies
                .iter()
                .map(|p| {
                    (
                        p.arn.clone(),
                        ActualPolicy {
                            arn: p.arn.clone(),
                            document: p.document.clone(),
                            versions: vec![PolicyVersion {
                                id: "v1".into(),
                                is_default: true,
                            }],
                            tags: p.tags.clone(),
                        },
                    )
                })
                .collect(),
        }
    }

    pub fn all_five() -> Value {
        let p = "arn:aws:iam::111122223333:role/granted-access-handler";
        json!({"Roles": {
            "EcsAnywhere": {"LeastPrivilege": "true"},
            "TaskExecution": {},
            "Task": {"ClusterName": "c"},
            "SsoManagement": {"TrustedPrincipalArn": p},
            "ClusterAccess": {"TrustedPrincipalArn": p},
        }})
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{all_five, as_actual, desired, OWNER};
    use super::*;
    use serde_json::json;

    #[test]
    fn create_from_nothing_is_two_phases() {
        let want = desired(all_five());
        let plan = converge(&want, &ActualState::default(), &Ownership::sole(OWNER)).unwrap();
        assert_eq!(plan.phases.len(), 2, "{plan}");
        assert!(plan.phases[0]
            .iter()
            .all(|op| matches!(op, Op::CreateRole { .. } | Op::CreatePolicy { .. })));
        assert_eq!(plan.phases[0].len(), 5 + 3);
        // 2 (EcsAnywhere) + 1 + 1 inline + 1 + 1 = 6 attachments/puts.
        assert_eq!(plan.phases[1].len(), 6, "{plan}");
        let created = Created::from_ops(plan.ops());
        assert_eq!((created.roles.len(), created.policies.len()), (5, 3));
    }

    #[test]
    fn converged_state_plans_nothing() {
        let want = desired(all_five());
        let plan = converge(&want, &as_actual(&want), &Ownership::sole(OWNER)).unwrap();
        assert!(plan.is_empty(), "{plan}");
    }

    #[test]
    fn equivalent_documents_in_other_shapes_are_not_drift() {
        let want =
            desired(json!({"Roles": {"EcsAnywhere": {}}, "RestrictTrustToAccount": "false"}));
        let mut actual = as_actual(&want);
        // Seed 002 prints the same trust with a lone Statement object and a one-element list.
        actual.roles.values_mut().next().unwrap().trust = json!({
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Principal": {"Service": ["ssm.amazonaws.com"]}, "Action": "sts:AssumeRole"}
        });
        assert!(converge(&want, &actual, &Ownership::sole(OWNER))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn drift_is_repaired() {
        let want =
            desired(json!({"Roles": {"EcsAnywhere": {}}, "Tags": [{"Key": "team", "Value": "a"}]}));
        let mut actual = as_actual(&want);
        let role = actual.roles.values_mut().next().unwrap();
        role.trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]});
        let core = role.managed_policy_arns.iter().next().unwrap().clone();
        role.managed_policy_arns.remove(&core);
        role.managed_policy_arns
            .insert("arn:aws:iam::aws:policy/AdministratorAccess".into());
        role.inline_policies.insert("sneaky".into(), json!({}));
        role.tags.insert("team".into(), "b".into());
        role.tags.insert("extra".into(), "x".into());
        role.permissions_boundary = Some("arn:aws:iam::123456789012:policy/B".into());
        let plan = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap();
        let actions: Vec<String> = plan.ops().map(|op| op.to_string()).collect();
        let name = &want.roles[0].name;
        for expected in [
            format!("UpdateAssumeRolePolicy role {name}"),
            format!("DeleteRolePermissionsBoundary role {name}"),
            format!("TagRole role {name}"),
            format!("UntagRole role {name}"),
            format!("AttachRolePolicy role {name} (policy {core})"),
            format!(
                "DetachRolePolicy role {name} (policy arn:aws:iam::aws:policy/AdministratorAccess)"
            ),
            format!("DeleteRolePolicy role {name} (inline policy sneaky)"),
        ] {
            assert!(
                actions.contains(&expected),
                "missing {expected} in {actions:?}"
            );
        }
        assert_eq!(actions.len(), 7, "{actions:?}");
        // Attach comes before detach.
        let phase_of = |prefix: &str| {
            plan.phases
                .iter()
                .position(|p| p.iter().any(|op| op.to_string().starts_with(prefix)))
                .unwrap()
        };
        assert!(phase_of("AttachRolePolicy") < phase_of("DetachRolePolicy"));
    }

    #[test]
    fn foreign_role_is_refused() {
        let want = desired(json!({"Roles": {"TaskExecution": {"RoleName": "taken"}}}));
        let mut actual = as_actual(&want);
        actual.roles.get_mut("taken").unwrap().tags.clear();
        let err = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap_err();
        assert!(
            matches!(&err, PlanError::NotOwned { name, .. } if name == "taken"),
            "{err}"
        );
        assert!(err.to_string().contains("AdoptExisting"), "{err}");
        actual
            .roles
            .get_mut("taken")
            .unwrap()
            .tags
            .insert(OWNER_TAG_KEY.into(), "other".into());
        assert!(converge(&want, &actual, &Ownership::sole(OWNER)).is_err());
        let takes_over = Ownership {
            takes_over: &["other"],
            ..Ownership::sole(OWNER)
        };
        assert!(converge(&want, &actual, &takes_over).is_ok());
    }

    #[test]
    fn changed_policy_document_gets_a_new_version_pruning_the_oldest() {
        let want = desired(
            json!({"Roles": {"ClusterAccess": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h"}}}),
        );
        let mut actual = as_actual(&want);
        let policy = actual.policies.values_mut().next().unwrap();
        policy.document = json!({"Version": "2012-10-17", "Statement": []});
        policy.versions = (1..=5)
            .map(|i| PolicyVersion {
                id: format!("v{i}"),
                is_default: i == 3,
            })
            .collect();
        let plan = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap();
        assert_eq!(plan.phases.len(), 2, "{plan}");
        assert!(
            matches!(&plan.phases[0][0], Op::DeletePolicyVersion { version_id, .. } if version_id == "v1")
        );
        assert!(matches!(&plan.phases[1][0], Op::CreatePolicyVersion { .. }));
    }

    #[test]
    fn least_privilege_off_detaches_and_deletes_the_custom_policy() {
        let before = desired(json!({"Roles": {"EcsAnywhere": {"LeastPrivilege": "true"}}}));
        let after = desired(json!({"Roles": {"EcsAnywhere": {"LeastPrivilege": "false"}}}));
        let plan = converge(&after, &as_actual(&before), &Ownership::sole(OWNER)).unwrap();
        let ops: Vec<&str> = plan.ops().map(|op| op.action().as_str()).collect();
        assert_eq!(
            ops,
            ["AttachRolePolicy", "DetachRolePolicy", "DeletePolicy"],
            "{plan}"
        );
    }

    #[test]
    fn teardown_empties_then_deletes_only_owned() {
        let want = desired(all_five());
        let mut actual = as_actual(&want);
        actual
            .roles
            .values_mut()
            .next()
            .unwrap()
            .instance_profiles
            .push("p".into());
        let foreign = actual.roles.keys().last().unwrap().clone();
        actual
            .roles
            .get_mut(&foreign)
            .unwrap()
            .tags
            .insert(OWNER_TAG_KEY.into(), "someone-else".into());
        let plan = teardown(&actual, OWNER, None);
        assert_eq!(plan.phases.len(), 2);
        assert!(plan.phases[1]
            .iter()
            .all(|op| matches!(op, Op::DeleteRole { .. } | Op::DeletePolicy { .. })));
        assert_eq!(plan.phases[1].len(), 4 + 3);
        assert!(!plan.ops().any(|op| op.target().contains(&foreign)));
        assert!(plan
            .ops()
            .any(|op| matches!(op, Op::RemoveFromInstanceProfile { .. })));
        assert!(teardown(&ActualState::default(), OWNER, None).is_empty());
    }

    #[test]
    fn normalize_treats_scalars_and_lists_alike() {
        let a = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "a:B", "Resource": "*"}});
        let b = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["a:B"], "Resource": ["*"]}]});
        assert!(same_policy(&a, &b));
        let c = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["a:B"], "Resource": ["*"]}]});
        assert!(!same_policy(&a, &c));
    }

    fn owned_by(actual: &mut ActualState, owner: &str) {
        for role in actual.roles.values_mut() {
            role.tags.insert(OWNER_TAG_KEY.into(), owner.into());
        }
        for policy in actual.policies.values_mut() {
            policy.tags.insert(OWNER_TAG_KEY.into(), owner.into());
        }
    }

    #[test]
    fn replacement_reasons_come_from_what_exists() {
        let old = desired(
            json!({"Roles": {"TaskExecution": {"RoleName": "a"}, "SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "PolicyName": "p1"}, "EcsAnywhere": {"LeastPrivilege": "true"}}}),
        );
        let actual = as_actual(&old);
        let same = replacement_reasons(&old, &old, &actual, OWNER);
        assert!(same.is_empty(), "{same:?}");
        let renamed = desired(
            json!({"Roles": {"TaskExecution": {"RoleName": "b"}, "SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "PolicyName": "p2"}, "EcsAnywhere": {}}}),
        );
        let reasons = replacement_reasons(&old, &renamed, &actual, OWNER);
        assert_eq!(
            reasons.len(),
            2,
            "role a and policy p1, not the LeastPrivilege policy: {reasons:?}"
        );
        assert!(reasons[0].contains("role a"));
        assert!(reasons[1].contains("policy/p1"));
        // An earlier failed Update left nothing: nothing is abandoned, so in place.
        assert!(replacement_reasons(&renamed, &old, &as_actual(&old), OWNER).is_empty());
        // Someone else's role is not ours to abandon.
        let mut foreign = actual.clone();
        owned_by(&mut foreign, "other");
        assert!(replacement_reasons(&old, &renamed, &foreign, OWNER).is_empty());
        let moved = desired(
            json!({"Path": "/x/", "Roles": {"TaskExecution": {"RoleName": "a"}, "SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "PolicyName": "p1"}, "EcsAnywhere": {"LeastPrivilege": "true"}}}),
        );
        let reasons = replacement_reasons(&old, &moved, &actual, OWNER);
        assert!(
            reasons.iter().any(|r| r.contains("moves from / to /x/")),
            "{reasons:?}"
        );
    }

    #[test]
    fn lineage_points_back_to_the_replaced_resource() {
        let state = desired(json!({"Roles": {"TaskExecution": {"RoleName": "a"}}}));
        let mut actual = as_actual(&state);
        assert_eq!(replaced_by(&state, &actual, OWNER), None);
        actual
            .roles
            .get_mut("a")
            .unwrap()
            .tags
            .insert(LINEAGE_TAG_KEY.into(), "old-id".into());
        assert_eq!(
            replaced_by(&state, &actual, OWNER).as_deref(),
            Some("old-id")
        );
        assert_eq!(replaced_by(&state, &actual, "someone-else"), None);
        actual
            .roles
            .get_mut("a")
            .unwrap()
            .tags
            .insert(LINEAGE_TAG_KEY.into(), OWNER.into());
        assert_eq!(
            replaced_by(&state, &actual, OWNER),
            None,
            "a role never replaces itself"
        );
        assert!(owns_any(&state, &actual, OWNER));
        assert!(!owns_any(&state, &actual, "old-id"));
    }

    #[test]
    fn undo_tears_down_what_was_created_and_gives_back_what_was_taken_over() {
        let state = desired(
            json!({"Roles": {"TaskExecution": {"RoleName": "new"}, "EcsAnywhere": {"RoleName": "kept"}}}),
        );
        let after = as_actual(&state);
        let mut before = after.clone();
        before.roles.remove("new");
        before
            .roles
            .get_mut("kept")
            .unwrap()
            .tags
            .insert(OWNER_TAG_KEY.into(), "previous".into());
        let plan = converge(
            &state,
            &before,
            &Ownership {
                takes_over: &["previous"],
                ..Ownership::sole(OWNER)
            },
        )
        .unwrap();
        let undo_plan = undo(&Created::from_ops(plan.ops()), &before, &after, OWNER, None);
        let ops: Vec<String> = undo_plan.ops().map(|op| op.to_string()).collect();
        assert!(ops.contains(&"TagRole role kept".to_string()), "{ops:?}");
        assert!(ops.contains(&"DeleteRole role new".to_string()), "{ops:?}");
        assert!(!ops.iter().any(|o| o == "DeleteRole role kept"), "{ops:?}");
        let Op::TagRole { tags, .. } = &undo_plan.phases[0][0] else {
            panic!("{undo_plan}")
        };
        assert_eq!(tags[OWNER_TAG_KEY], "previous");
    }

    #[test]
    fn adoption_that_would_pass_fifty_tags_is_refused_before_any_call() {
        let state = desired(
            json!({"AdoptExisting": "true", "Tags": [{"Key": "team", "Value": "platform"}], "Roles": {"TaskExecution": {"RoleName": "theirs"}}}),
        );
        let mut actual = as_actual(&state);
        let role = actual.roles.get_mut("theirs").unwrap();
        // The role's own 47 tags, and a trust the record must keep (about 425 characters of
        // JSON, 568 of base64); with the user's tag, the owner tag and the adoption record
        // (marker and three chunks) that is 53.
        role.tags = (0..47)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        role.trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole", "Sid": "x".repeat(300)}]});
        let adopt = Ownership {
            adopt: true,
            ..Ownership::sole(OWNER)
        };
        let err = converge(&state, &actual, &adopt).unwrap_err();
        let PlanError::TooManyTags {
            entity,
            name,
            count,
            own,
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!((*entity, name.as_str()), ("role", "theirs"));
        assert_eq!((*count, *own), (53, 5));
        assert!(
            err.to_string()
                .contains("IAM allows 50. Nothing was changed"),
            "{err}"
        );
        // With three of its tags fewer, it fits exactly.
        let role = actual.roles.get_mut("theirs").unwrap();
        role.tags
            .retain(|k, _| !["k0", "k1", "k2"].contains(&k.as_str()));
        assert!(converge(&state, &actual, &adopt).is_ok());
    }

    #[test]
    fn a_role_found_under_the_name_in_another_case_is_refused() {
        let state = desired(
            json!({"AdoptExisting": "true", "Roles": {"TaskExecution": {"RoleName": "AdoptMe"}}}),
        );
        let mut actual = as_actual(&state);
        let role = actual.roles.get_mut("AdoptMe").unwrap();
        role.name = "adoptme".into();
        role.tags.clear();
        let adopt = Ownership {
            adopt: true,
            ..Ownership::sole(OWNER)
        };
        assert_eq!(
            converge(&state, &actual, &adopt).unwrap_err(),
            PlanError::NameCase {
                wanted: "AdoptMe".into(),
                actual: "adoptme".into()
            }
        );
        // Someone else's role: the usual refusal comes first.
        let err = converge(&state, &actual, &Ownership::sole(OWNER)).unwrap_err();
        assert!(
            err.to_string()
                .contains("already exists and is not owned by this resource"),
            "{err}"
        );
    }

    #[test]
    fn tag_keys_are_one_key_regardless_of_case() {
        let state = desired(
            json!({"Tags": [{"Key": "Team", "Value": "platform"}], "Roles": {"TaskExecution": {}}}),
        );
        let mut actual = as_actual(&state);
        let role = actual.roles.values_mut().next().unwrap();
        let value = role.tags.remove("Team").unwrap();
        role.tags.insert("team".into(), value);
        // IAM keeps `team` for `Team`: no drift, nothing to write.
        let plan = converge(&state, &actual, &Ownership::sole(OWNER)).unwrap();
        assert!(plan.is_empty(), "{plan}");
        // A different value is set once, and the key is never untagged.
        let role = actual.roles.values_mut().next().unwrap();
        role.tags.insert("team".into(), "other".into());
        let plan = converge(&state, &actual, &Ownership::sole(OWNER)).unwrap();
        let ops: Vec<String> = plan.ops().map(ToString::to_string).collect();
        assert_eq!(ops.len(), 1, "{ops:?}");
        assert!(ops[0].starts_with("TagRole"), "{ops:?}");
    }

    #[test]
    fn adoption_only_adds_and_records_what_it_added() {
        let state = desired(
            json!({"AdoptExisting": "true", "Roles": {"EcsAnywhere": {"RoleName": "ecsAnywhereRole"}}}),
        );
        let mut actual = as_actual(&state);
        let role = actual.roles.get_mut("ecsAnywhereRole").unwrap();
        role.tags = BTreeMap::from([("team".to_string(), "infra".to_string())]);
        let original_trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        role.trust = original_trust.clone();
        let core = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore".to_string();
        role.managed_policy_arns = BTreeSet::from([
            core.clone(),
            "arn:aws:iam::aws:policy/ReadOnlyAccess".to_string(),
        ]);
        role.inline_policies.insert("theirs".into(), json!({}));

        assert!(
            converge(&state, &actual, &Ownership::sole(OWNER)).is_err(),
            "not without AdoptExisting"
        );
        let adopt = Ownership {
            adopt: true,
            ..Ownership::sole(OWNER)
        };
        // Permissions beyond the kind's would pass to the new trusted principal: refused.
        let err = converge(&state, &actual, &adopt).unwrap_err();
        assert_eq!(
            err,
            PlanError::AdoptionWidens {
                name: "ecsAnywhereRole".into(),
                extra: vec![
                    "managed policy arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
                    "inline policy theirs".into()
                ]
            }
        );
        assert!(
            err.to_string()
                .contains("ReadOnlyAccess, inline policy theirs"),
            "{err}"
        );
        let role = actual.roles.get_mut("ecsAnywhereRole").unwrap();
        role.managed_policy_arns
            .remove("arn:aws:iam::aws:policy/ReadOnlyAccess");
        role.inline_policies.clear();
        let plan = converge(
            &state,
            &actual,
            &Ownership {
                adopt: true,
                ..Ownership::sole(OWNER)
            },
        )
        .unwrap();
        let actions: Vec<&str> = plan.ops().map(|op| op.action().as_str()).collect();
        assert!(
            !actions.iter().any(|a| a.starts_with("Detach")
                || a.starts_with("Delete")
                || a.starts_with("Untag")),
            "{plan}"
        );
        let tags = plan
            .ops()
            .find_map(|op| match op {
                Op::TagRole { tags, .. } => Some(tags.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(tags[OWNER_TAG_KEY], OWNER);
        let record = AdoptionRecord::from_tags(&tags).expect("adoption recorded");
        let phase_of = |action: &str| {
            plan.phases
                .iter()
                .position(|p| p.iter().any(|op| op.action().as_str() == action))
                .unwrap()
        };
        assert!(
            phase_of("TagRole") < phase_of("UpdateAssumeRolePolicy"),
            "owner tag first: {plan}"
        );
        assert_eq!(
            record.attached,
            vec![
                "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
                    .to_string()
            ]
        );
        assert_eq!(record.trust, Some(original_trust.clone()));

        // Another resource's role is never adopted.
        let mut taken = actual.clone();
        taken
            .roles
            .get_mut("ecsAnywhereRole")
            .unwrap()
            .tags
            .insert(OWNER_TAG_KEY.into(), "other".into());
        assert!(converge(
            &state,
            &taken,
            &Ownership {
                adopt: true,
                ..Ownership::sole(OWNER)
            }
        )
        .is_err());

        // Teardown gives the role back instead of deleting it.
        let mut adopted = actual.clone();
        let role = adopted.roles.get_mut("ecsAnywhereRole").unwrap();
        role.tags.extend(tags);
        role.managed_policy_arns.extend(record.attached.clone());
        let plan = teardown(&adopted, OWNER, None);
        let ops: Vec<String> = plan.ops().map(|op| op.to_string()).collect();
        assert!(!ops.iter().any(|o| o.starts_with("DeleteRole")), "{ops:?}");
        assert!(
            ops.contains(&"UpdateAssumeRolePolicy role ecsAnywhereRole".to_string()),
            "{ops:?}"
        );
        assert!(
            ops.iter()
                .any(|o| o.contains("AmazonEC2ContainerServiceforEC2Role")),
            "{ops:?}"
        );
        assert!(
            !ops.iter()
                .any(|o| o.contains(&core) || o.contains("ReadOnlyAccess") || o.contains("theirs")),
            "{ops:?}"
        );
        let untag = plan
            .ops()
            .find_map(|op| match op {
                Op::UntagRole { keys, .. } => Some(keys.clone()),
                _ => None,
            })
            .unwrap();
        assert!(untag.contains(&OWNER_TAG_KEY.to_string()));
        assert!(!untag.contains(&"team".to_string()));
    }

    #[test]
    fn role_at_another_path_is_refused() {
        let state = desired(json!({"Roles": {"TaskExecution": {"RoleName": "a"}}}));
        let mut actual = as_actual(&state);
        actual.roles.get_mut("a").unwrap().path = "/other/".into();
        let err = converge(&state, &actual, &Ownership::sole(OWNER)).unwrap_err();
        assert!(matches!(err, PlanError::WrongPath { .. }), "{err}");
    }
}
