//! The account and partition the function manages IAM in: those of its own credentials, learned
//! once per process from STS `GetCallerIdentity`. A stack in another account (a cross-account
//! ServiceToken) would otherwise get roles in the function's account, with outputs and trust
//! conditions naming its own.

use crate::arn::{is_account_id, Arn};
use crate::identity::StackEnv;
use aws_sdk_sts::error::ProvideErrorMetadata;
use tokio::sync::OnceCell;

/// Where the function's credentials live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    pub account: String,
    pub partition: String,
}

impl Home {
    /// `arn:PARTITION:sts::ACCOUNT:...` (the caller's ARN) → its partition and account.
    pub fn from_caller(account: &str, arn: &str) -> Option<Home> {
        let partition = Arn::parse(arn)?.partition;
        is_account_id(account).then(|| Home {
            account: account.to_string(),
            partition: partition.to_string(),
        })
    }

    /// Refuse a stack whose StackId names another account or partition.
    pub fn check(&self, env: &StackEnv) -> Result<(), String> {
        if env.account == self.account && env.partition == self.partition {
            return Ok(());
        }
        Err(format!(
            "the stack is in account {} (partition {}), but this function manages IAM in account {} (partition {}); nothing was changed. Deploy ecs-iam-roles in the stack's own account and use that ServiceToken",
            env.account, env.partition, self.account, self.partition
        ))
    }
}

/// The function's home, asked of STS at most once per process (again after a failure).
pub struct Caller {
    sts: Option<aws_sdk_sts::Client>,
    home: OnceCell<Home>,
}

impl Caller {
    pub fn new(sts: aws_sdk_sts::Client) -> Caller {
        Caller {
            sts: Some(sts),
            home: OnceCell::new(),
        }
    }

    /// A home known in advance (tests).
    pub fn known(home: Home) -> Caller {
        Caller {
            sts: None,
            home: OnceCell::new_with(Some(home)),
        }
    }

    pub async fn home(&self) -> Result<&Home, String> {
        self.home
            .get_or_try_init(|| async {
                let sts = self.sts.as_ref().ok_or("no STS client")?;
                let got = sts.get_caller_identity().send().await.map_err(|e| {
                    format!(
                        "could not learn the function's own account: sts:GetCallerIdentity failed: {}: {}",
                        e.code().unwrap_or("(no code)"),
                        e.message().map(str::to_string).unwrap_or_else(|| {
                            aws_smithy_types::error::display::DisplayErrorContext(&e).to_string()
                        })
                    )
                })?;
                Home::from_caller(got.account().unwrap_or_default(), got.arn().unwrap_or_default())
                    .ok_or_else(|| {
                        format!(
                            "could not learn the function's own account: sts:GetCallerIdentity answered account {:?}, ARN {:?}",
                            got.account(),
                            got.arn()
                        )
                    })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::stack_env;

    #[test]
    fn a_stack_in_another_account_or_partition_is_refused() {
        let home = Home::from_caller(
            "123456789012",
            "arn:aws:sts::123456789012:assumed-role/fn-role/ecs-iam-roles",
        )
        .unwrap();
        let same = stack_env("arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g").unwrap();
        home.check(&same).unwrap();
        let other_account =
            stack_env("arn:aws:cloudformation:eu-west-1:210987654321:stack/s/g").unwrap();
        let err = home.check(&other_account).unwrap_err();
        assert!(
            err.contains("210987654321") && err.contains("123456789012"),
            "{err}"
        );
        let other_partition =
            stack_env("arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/s/g").unwrap();
        assert!(home.check(&other_partition).is_err());
        assert_eq!(Home::from_caller("1234", "arn:aws:sts::1234:x"), None);
        assert_eq!(Home::from_caller("123456789012", "nonsense"), None);
    }
}
