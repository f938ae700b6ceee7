//! The named phases a plan is made of, and the plan itself: a value to print and test.

use super::op::Op;
use std::collections::BTreeMap;
use std::fmt;

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
    /// Create what is missing; set and remove tags, the owner tag among them; make room for a
    /// new policy version.
    Own,
    /// Put or remove permissions boundaries.
    Bound,
    /// Give what the new state grants: trust policies, managed and inline policies, new policy
    /// versions, roles in their instance profiles.
    Grant,
    /// Detach and delete policies and old policy versions, take roles out of instance profiles;
    /// give an adopted role back its trust and boundary.
    Revoke,
    /// Delete the roles, policies and instance profiles, now empty.
    Delete,
    /// Remove this resource's bookkeeping tags from what it gives back.
    Release,
}

/// One step of a plan: operations that do not depend on each other and run concurrently.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// Which stage it is.
    pub stage: Stage,
    /// Its operations, in the order they were planned.
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
    /// The phases in the order they run; none is empty.
    pub phases: Vec<Phase>,
}

impl Plan {
    /// This plan's phases after `first`'s.
    pub fn after(mut self, first: Plan) -> Plan {
        let mut phases = first.phases;
        phases.append(&mut self.phases);
        self.phases = phases;
        self
    }

    /// Whether the plan makes no IAM write at all.
    pub fn is_empty(&self) -> bool {
        self.phases.is_empty()
    }

    /// Every operation, phase by phase.
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

/// Operations collected by stage while a plan is worked out. Within a stage they keep the order
/// they were added in; `into_plan` puts the stages in order and leaves out empty ones.
#[derive(Debug, Default)]
pub(crate) struct Steps {
    by_stage: BTreeMap<Stage, Vec<Op>>,
}

impl Steps {
    pub(crate) fn add(&mut self, stage: Stage, op: Op) {
        self.by_stage.entry(stage).or_default().push(op);
    }

    /// Adds `op` unless the stage holds it already (two owners of one removal).
    pub(crate) fn add_once(&mut self, stage: Stage, op: Op) {
        let ops = self.by_stage.entry(stage).or_default();
        if !ops.contains(&op) {
            ops.push(op);
        }
    }

    pub(crate) fn into_plan(self) -> Plan {
        Plan {
            phases: self
                .by_stage
                .into_iter()
                .map(|(stage, ops)| Phase { stage, ops })
                .collect(),
        }
    }
}
