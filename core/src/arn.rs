//! ARNs, `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`: the one type that takes them apart
//! (the StackId, the ARNs in the properties, function ARNs) and puts them together (the ARNs the
//! resource answers with).

use std::fmt;

/// An ARN in its six parts, borrowed from the text it was read from or the values it is made of;
/// `Display` writes it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: &'a str,
    /// The service namespace: `iam`, `ecs`, `lambda`, …
    pub service: &'a str,
    /// Empty for global services such as IAM.
    pub region: &'a str,
    /// Empty for some services; `aws` for AWS managed IAM policies.
    pub account: &'a str,
    /// Everything after the fifth colon (it may hold colons itself).
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The six parts of `text`, if it is an ARN in a known shape of partition.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let arn = Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        };
        is_partition(arn.partition).then_some(arn)
    }

    /// An IAM ARN (no region) in `account`, e.g. `role/PATH/NAME`.
    pub fn iam(partition: &'a str, account: &'a str, resource: &'a str) -> Arn<'a> {
        Arn {
            partition,
            service: "iam",
            region: "",
            account,
            resource,
        }
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Arn {
            partition,
            service,
            region,
            account,
            resource,
        } = self;
        write!(f, "arn:{partition}:{service}:{region}:{account}:{resource}")
    }
}

/// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`, …
fn is_partition(value: &str) -> bool {
    value == "aws"
        || value.strip_prefix("aws-").is_some_and(|rest| {
            rest.split('-')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        })
}

/// Twelve digits.
pub fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip() {
        for text in [
            "arn:aws:iam::123456789012:role/ecs/r",
            "arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/s/g",
            "arn:aws:lambda:eu-west-1:123456789012:function:f:live",
            "arn:aws-us-gov:iam::aws:policy/service-role/X",
        ] {
            let arn = Arn::parse(text).unwrap();
            assert_eq!(arn.to_string(), text);
        }
        let f = Arn::parse("arn:aws:lambda:eu-west-1:123456789012:function:f:live").unwrap();
        assert_eq!(
            (f.service, f.region, f.account, f.resource),
            ("lambda", "eu-west-1", "123456789012", "function:f:live")
        );
        assert_eq!(
            Arn::iam("aws", "123456789012", "policy/p").to_string(),
            "arn:aws:iam::123456789012:policy/p"
        );
    }

    #[test]
    fn not_arns() {
        for text in [
            "",
            "arn:aws:iam::123456789012",
            "ARN:aws:iam::123456789012:role/r",
            "arn:gcp:iam::123456789012:role/r",
            "arn:aws-:iam::123456789012:role/r",
            "arn:aws-CN:iam::123456789012:role/r",
        ] {
            assert_eq!(Arn::parse(text), None, "{text}");
        }
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("12345678901a"));
    }

    #[test]
    fn partitions() {
        for ok in ["aws", "aws-cn", "aws-us-gov", "aws-iso-b", "aws-eusc"] {
            assert!(is_partition(ok), "{ok}");
        }
        for bad in ["", "aws-", "aws x", "awscn", "AWS", "aws--cn", "aws-c1"] {
            assert!(!is_partition(bad), "{bad}");
        }
        assert_eq!(Arn::parse("arn:aws x:iam::123456789012:policy/B"), None);
    }
}
