//! The one question the function asks CloudFormation: is the stack rolling an update back?
//! Asked only when the operator's guardrails would refuse an Update, so that an UPDATE_ROLLBACK
//! is never refused by a guardrail the forward update passed (the event itself does not say
//! whether it is a rollback: it is an Update whose new properties are the old ones).

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use tokio::time::Instant;

/// The stack status of an update being rolled back (CloudFormation User Guide, "Stack status
/// codes"): the Updates CloudFormation sends then carry the properties before the update.
pub const UPDATE_ROLLBACK_IN_PROGRESS: &str = "UPDATE_ROLLBACK_IN_PROGRESS";

/// CloudFormation, as the function reads it (`cloudformation:DescribeStacks` on its own
/// account's stacks, nothing else).
pub struct Stacks {
    client: Option<aws_sdk_cloudformation::Client>,
}

impl Stacks {
    pub fn new(client: aws_sdk_cloudformation::Client) -> Stacks {
        Stacks {
            client: Some(client),
        }
    }

    /// No CloudFormation to ask (tests of the handler alone): no stack is ever rolling back.
    pub fn none() -> Stacks {
        Stacks { client: None }
    }

    /// The stack's status (`StackStatus`), or why it could not be read by `deadline`.
    pub async fn status(&self, stack_id: &str, deadline: Instant) -> Result<String, String> {
        let client = self.client.as_ref().ok_or("no CloudFormation client")?;
        let ask = client.describe_stacks().stack_name(stack_id).send();
        let got = tokio::time::timeout_at(deadline, ask)
            .await
            .map_err(|_| "cloudformation:DescribeStacks timed out".to_string())?
            .map_err(|e| {
                format!(
                    "cloudformation:DescribeStacks failed: {}: {}",
                    e.code().unwrap_or("(no code)"),
                    e.message().unwrap_or("(no message)")
                )
            })?;
        let stack = got
            .stacks()
            .first()
            .ok_or("DescribeStacks answered no stack")?;
        let status = stack
            .stack_status()
            .ok_or("DescribeStacks answered no StackStatus")?;
        Ok(status.as_str().to_string())
    }
}
