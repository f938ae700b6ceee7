//! Desired vs actual → the IAM operations to run, grouped in phases. Pure: no network here.
//!
//! Operations within a phase do not depend on each other and run concurrently; a phase starts
//! when the previous one has finished. Creates come first, then what needs the created entities
//! (attachments, inline policies, new policy versions), then removals, so a role is never left
//! with fewer permissions than both the old and the new state grant.
//!
//! In pieces: `actual` (what IAM holds, as read), `phases` (the named stages, and the plan as a
//! value), `op` (the IAM writes), `ownership` (the tags that say who owns what; whose roles a
//! plan may change), `policy` (documents compared as IAM compares them), `converge` (Create,
//! Update and drift repair), `instance_profile` (instance profiles and service-linked roles),
//! `teardown` (Delete, undo, the give-back of adopted roles), `handback` (a replacement's
//! Delete that a rollback sends alone) and `update` (the Update decision).

mod actual;
mod converge;
mod handback;
mod instance_profile;
mod op;
mod ownership;
mod phases;
mod policy;
mod replacement;
mod teardown;
mod update;

pub use actual::{ActualInstanceProfile, ActualPolicy, ActualRole, ActualState, PolicyVersion};
pub use converge::{converge, MAX_POLICY_VERSIONS};
pub use handback::{give_back_state, handed_over_from, within, without};
pub use op::{Created, Op};
pub(crate) use ownership::own_tag_key;
pub use ownership::{
    is_bookkeeping_key, Ownership, LINEAGE_TAG_KEY, MAX_TAGS_PER_ENTITY, MAX_USER_TAGS,
    OWNER_TAG_KEY, TAG_PREFIX,
};
pub use phases::{Phase, Plan, Stage};
pub use policy::{normalize_policy, same_policy};
pub use replacement::{replacement, unanswered_replacement, Replacement, Updating};
pub use teardown::{teardown, undo};
pub use update::{
    decide_update, owns_any, replaced_by, replacement_reasons, rollback_target, unwanted, Replaced,
    Stray, UpdateFound, UpdateStrategy,
};

/// Why no plan can bring IAM to the desired state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A role, policy or instance profile exists under the name this resource wants, and
    /// someone else owns it.
    #[error("{entity} {name} already exists and is not owned by this resource ({owner}); it was left untouched. Choose another name, delete it, or set AdoptExisting: true to take over a role")]
    NotOwned {
        /// `role`, `policy` or `instance profile`.
        entity: &'static str,
        /// Its name (a policy's ARN).
        name: String,
        /// Who owns it, as its owner tag says (or that it has none).
        owner: String,
    },
    /// Adopting the role would let the kind's trusted principal use permissions it already has.
    #[error("role {name} cannot be adopted: it holds permissions beyond its kind's ({}), which the new trust would hand to another principal; nothing was changed. Remove them from the role first, or choose another RoleName", extra.join(", "))]
    AdoptionWidens {
        /// The role's name.
        name: String,
        /// The managed and inline policies it holds beyond its kind's.
        extra: Vec<String>,
    },
    /// The tags IAM would have to hold at once exceed its limit.
    #[error("{entity} {name} would carry {count} tags ({own} of them this resource's own bookkeeping, the rest its Tags and the tags it already has); IAM allows 50. Nothing was changed. Use fewer Tags, remove tags from the {entity}, or change Tags in two updates")]
    TooManyTags {
        /// `role`, `policy` or `instance profile`.
        entity: &'static str,
        /// Its name (a policy's ARN).
        name: String,
        /// The tags it would carry at once.
        count: usize,
        /// How many of them are this resource's bookkeeping tags.
        own: usize,
    },
    /// The role exists under the same name in another case (IAM names ignore case).
    #[error("role {wanted} exists as {actual} (IAM role names are unique regardless of case); nothing was changed. Use RoleName: {actual}, or another name")]
    NameCase {
        /// The name the properties give.
        wanted: String,
        /// The name as IAM holds it.
        actual: String,
    },
    /// IAM cannot move an instance profile to another path.
    #[error("instance profile {name} exists at path {actual}, not {wanted}; IAM cannot change an instance profile's path. Use another InstanceProfileName or remove the instance profile")]
    InstanceProfileWrongPath {
        /// The instance profile's name.
        name: String,
        /// The path IAM holds it at.
        actual: String,
        /// The path the properties ask for (`Path`).
        wanted: String,
    },
    /// Adopting the instance profile would take another role's place in it.
    #[error("instance profile {name} holds role {holds}, not {role}, and cannot be adopted: its instances would lose that role; nothing was changed. Use another InstanceProfileName, or remove {holds} from the instance profile first")]
    InstanceProfileHoldsAnother {
        /// The instance profile's name.
        name: String,
        /// The role it holds.
        holds: String,
        /// The role this resource would put in it.
        role: String,
    },
    /// IAM cannot move a role to another path.
    #[error("role {name} exists at path {actual}, not {wanted}; IAM cannot change a role's path. Use another RoleName or remove the role")]
    WrongPath {
        /// The role's name.
        name: String,
        /// The path IAM holds it at.
        actual: String,
        /// The path the properties ask for (`Path`).
        wanted: String,
    },
}
