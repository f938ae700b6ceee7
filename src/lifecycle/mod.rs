//! The lifecycle of one request (Create, Update, Delete) on top of spec, desired, plan and iam:
//! what it reads, plans and applies, and what it takes back when it fails. Each request comes
//! to an [`Outcome`]; the handler turns it into the one answer.

mod create;
mod delete;
mod update;

pub(crate) use create::create;
pub(crate) use delete::delete;
pub(crate) use update::{update, UpdateRequest};

use crate::account::Caller;
use crate::desired::DesiredState;
use crate::error::Error;
use crate::iam::{ApplyError, Names, Session};
use crate::identity::StackEnv;
use crate::identity::{self, stack_env};
use crate::operator::Operator;
use crate::plan::{self, ActualState, Created, Ownership, Plan};
use crate::spec::{self, Spec};
use crate::stacks::{Stacks, UPDATE_ROLLBACK_IN_PROGRESS};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// The stack's outputs (the answer's `Data`).
pub type Outputs = BTreeMap<String, String>;

/// What a request comes to: the PhysicalResourceId to answer with, and the outputs or why it
/// failed.
#[derive(Debug)]
pub struct Outcome {
    pub physical_id: String,
    pub result: Result<Outputs, Error>,
    /// What a SUCCESS answer says besides (its Reason): what was kept that would otherwise
    /// have been deleted, and why.
    pub note: Option<String>,
}

impl Outcome {
    fn new(physical_id: &str, result: Result<Outputs, Error>) -> Outcome {
        Outcome {
            physical_id: physical_id.to_string(),
            result,
            note: None,
        }
    }
}

/// What the lifecycle of one request works with.
pub(crate) struct Lifecycle<'a> {
    pub session: Session<'a>,
    pub operator: &'a Operator,
    pub caller: &'a Caller,
    /// CloudFormation, asked whether a stack is rolling back.
    pub stacks: &'a Stacks,
    /// Set once this request made a role or changed a trust policy or permissions.
    pub access_changed: AtomicBool,
}

impl Lifecycle<'_> {
    /// Wait `delay` before a SUCCESS answer if this request changed access, so that the stack's
    /// next resource finds the role usable (IAM's changes take time to reach every service);
    /// never past the time the answer needs.
    async fn settle(&self, delay: Duration) {
        if delay.is_zero() || !self.access_changed.load(Ordering::Relaxed) {
            return;
        }
        let until = (Instant::now() + delay).min(self.session.deadline());
        tracing::info!(
            delay_ms = until.saturating_duration_since(Instant::now()).as_millis() as u64,
            "waiting for IAM to propagate (PropagationDelay)"
        );
        tokio::time::sleep_until(until).await;
    }

    fn context<'e>(&'e self, env: &'e StackEnv) -> spec::Context<'e> {
        spec::Context {
            partition: Some(&env.partition),
            default_path: &self.operator.managed_path,
        }
    }

    /// The properties of a Create or Update, checked, also against the operator's rules.
    /// Nothing here calls IAM.
    fn checked_spec(&self, properties: &Value, env: &StackEnv) -> Result<Spec, Error> {
        let spec = spec::parse_in(properties, self.context(env))?;
        self.operator.check(&spec, &env.account)?;
        Ok(spec)
    }

    /// Properties that were accepted once (old properties, a Delete's): parsed to find names,
    /// without the operator's rules, which may have changed since.
    fn known_spec(&self, properties: &Value, env: &StackEnv) -> Option<Spec> {
        let context = spec::Context {
            partition: None,
            ..self.context(env)
        };
        spec::parse_known(properties, context).ok()
    }

    /// The operator's guardrails on what a Create (`update` None), or an Update from its old
    /// properties (`update` Some: None inside when they no longer parse), adds (see
    /// `Operator::guard`), before any IAM call. An Update they refuse is still served while the
    /// stack is rolling back: its properties are what the resource held before the update,
    /// which the guardrails let through then or which predate them.
    async fn guard(
        &self,
        spec: &Spec,
        update: Option<Option<&Spec>>,
        env: &StackEnv,
        stack_id: &str,
    ) -> Result<(), Error> {
        let old = update.flatten();
        let Err(refused) = self.operator.guard(spec, old, &env.account) else {
            return Ok(());
        };
        if update.is_none() {
            return Err(refused.into());
        }
        match self.stacks.status(stack_id, self.session.deadline()).await {
            Ok(status) if status == UPDATE_ROLLBACK_IN_PROGRESS => {
                tracing::warn!(
                    refused = %refused,
                    "served although the operator's settings refuse it: the stack is rolling back"
                );
                Ok(())
            }
            Ok(_) => Err(refused.into()),
            Err(why) => {
                tracing::warn!(why, "could not tell whether the stack is rolling back");
                Err(refused.into())
            }
        }
    }

    /// The stack must live where the function manages IAM: checked before the first IAM call.
    async fn check_home(&self, env: &StackEnv) -> Result<(), Error> {
        let home = tokio::time::timeout_at(self.session.deadline(), self.caller.home())
            .await
            .map_err(|_| Error::HomeTimeout)?
            .map_err(Error::UnknownHome)?;
        home.check(env).map_err(Error::OtherAccount)
    }

    fn required_boundary(&self) -> Option<&str> {
        self.operator.required_boundary.as_deref()
    }

    /// Apply `plan`, made against `actual`. The execution role's policy allows each call only in
    /// the order the plan keeps: debug builds (which the tests run) check every plan the function
    /// applies against that rule first.
    async fn apply(&self, plan: &Plan, actual: &ActualState) -> Result<(), ApplyError> {
        debug_assert_eq!(
            crate::order::violations(plan, actual, self.required_boundary()),
            Vec::<String>::new(),
            "{plan}"
        );
        self.session.apply(plan).await
    }

    /// What IAM holds of some desired states' roles and policies.
    async fn read(&self, states: &[&DesiredState], for_delete: bool) -> Result<ActualState, Error> {
        let actual = self
            .session
            .read_state(&Names::of(states), for_delete)
            .await?;
        Ok(actual)
    }

    /// Plan from `actual` to `desired` and apply it.
    async fn converge(
        &self,
        desired: &DesiredState,
        actual: &ActualState,
        ownership: &Ownership<'_>,
    ) -> Result<(), Failure> {
        let plan = plan::converge(desired, actual, ownership).map_err(|e| Failure {
            error: e.into(),
            changed: None,
        })?;
        tracing::info!(plan = %plan, "plan");
        self.apply(&plan, actual).await.map_err(Failure::applying)?;
        if plan.ops().any(|op| op.changes_access()) {
            self.access_changed.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Take back what a failed request did to `desired`'s roles and policies (see
    /// `plan::undo`): the failure, with what became of the taking back.
    async fn undo(
        &self,
        failure: Failure,
        desired: &DesiredState,
        before: &ActualState,
        owner: &str,
    ) -> Error {
        let error = Box::new(failure.error);
        let Some(created) = failure.changed else {
            return Error::NothingChanged(error);
        };
        // Taking back may use the time the forward work's retries left for it.
        self.session.start_cleanup();
        let cleanup = async {
            let after = self.read(&[desired], true).await?;
            let plan = plan::undo(&created, before, &after, owner, self.required_boundary());
            tracing::info!(plan = %plan, "undo plan");
            self.apply(&plan, &after).await.map_err(Error::from)
        };
        match cleanup.await {
            Ok(()) => Error::TakenBack(error),
            Err(undo) => Error::UndoFailed {
                failure: error,
                undo: Box::new(undo),
            },
        }
    }
}

/// The environment of the stack a StackId names.
fn env_of(stack_id: &str) -> Result<StackEnv, Error> {
    stack_env(stack_id).map_err(Error::StackId)
}

/// An Update or Delete carrying `physical_id` must not touch IAM for another stack's resource.
fn check_belongs(physical_id: &str, stack_id: &str, logical_id: &str) -> Result<(), Error> {
    if identity::belongs_to(physical_id, stack_id, logical_id) {
        return Ok(());
    }
    Err(Error::ForeignId {
        physical_id: physical_id.to_string(),
        logical_id: logical_id.to_string(),
        stack_id: stack_id.to_string(),
    })
}

/// Why a request failed, and what it created before it did (None: IAM was not changed).
struct Failure {
    error: Error,
    changed: Option<Created>,
}

impl Failure {
    fn applying(e: ApplyError) -> Failure {
        let changed = Some(Created::from_ops(&e.completed));
        Failure {
            error: e.into(),
            changed,
        }
    }
}
