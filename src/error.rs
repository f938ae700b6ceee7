//! The one error a request fails with. Each variant says what went wrong and to what; its text
//! is the CloudFormation Reason, rendered only where the answer is built.

use crate::iam::{ApplyError, IamError};
use crate::plan::PlanError;
use crate::spec::SpecError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The function's own settings are invalid: every request fails with this.
    #[error("{0}")]
    Misconfigured(String),
    /// The event's StackId is not a CloudFormation stack ARN.
    #[error("{0}")]
    StackId(String),
    /// The properties are invalid, or break the operator's rules.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// STS did not say in time which account the function manages IAM in.
    #[error("timed out asking STS for the function's own account")]
    HomeTimeout,
    /// STS could not say which account the function manages IAM in.
    #[error("{0}")]
    UnknownHome(String),
    /// The stack lives in another account or partition than the function's.
    #[error("{0}")]
    OtherAccount(String),
    /// An Update or Delete carries an id made for another resource.
    #[error("PhysicalResourceId {physical_id:?} was not made for logical resource {logical_id:?} of stack {stack_id}; nothing was changed")]
    ForeignId {
        physical_id: String,
        logical_id: String,
        stack_id: String,
    },
    /// No plan can bring IAM to the desired state.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Reading what IAM holds failed.
    #[error(transparent)]
    Read(#[from] IamError),
    /// A plan stopped part-way.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// Removing what an unanswered replacement made failed (after the Update itself worked).
    #[error("removing what an unanswered replacement made: {0}")]
    StrayRemoval(#[source] ApplyError),
    /// A request failed before it changed anything.
    #[error("{0}; nothing was changed")]
    NothingChanged(#[source] Box<Error>),
    /// A request failed, and what it had changed was taken back.
    #[error("{0}; what this request changed was taken back")]
    TakenBack(#[source] Box<Error>),
    /// A request failed, and taking back what it had changed failed too.
    #[error("{failure}; taking back what this request changed also failed ({undo}): what it made is tagged as this resource's, and CloudFormation's Delete (or, for an Update, its rollback) removes it")]
    UndoFailed {
        #[source]
        failure: Box<Error>,
        undo: Box<Error>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn composites_keep_the_failure_as_their_source() {
        let failure = || Box::new(Error::StackId("StackId \"x\" is bad".into()));
        let taken_back = Error::TakenBack(failure());
        assert_eq!(
            taken_back.to_string(),
            "StackId \"x\" is bad; what this request changed was taken back"
        );
        assert_eq!(
            taken_back.source().unwrap().to_string(),
            "StackId \"x\" is bad"
        );
        let undo_failed = Error::UndoFailed {
            failure: failure(),
            undo: Box::new(Error::HomeTimeout),
        };
        assert!(undo_failed.to_string().starts_with(
            "StackId \"x\" is bad; taking back what this request changed also failed (timed out asking STS"
        ));
        assert_eq!(
            Error::NothingChanged(failure()).to_string(),
            "StackId \"x\" is bad; nothing was changed"
        );
    }
}
