//! The command line: `ecs-iam-roles plan TEMPLATE [options]`.

use std::collections::BTreeMap;

pub const USAGE: &str = "\
ecs-iam-roles plan: the IAM roles, trust and statements a Custom::EcsIamRoles resource makes, from a
CloudFormation template, before it deploys (checked as the function checks them); with --old, only
the changes; with --live, the drift an Update would repair now. It never writes to AWS.

Usage:
  ecs-iam-roles plan TEMPLATE [--old OLD_TEMPLATE] [--parameter KEY=VALUE]... [--type TYPE]...
                     [--account ID] [--region R] [--partition P] [--stack-name NAME]
                     [--managed-path P] [--required-boundary ARN] [--allowed-kinds K,K]
                     [--trusted-accounts ID,ID] [--allow-adoption]
                     [--live [--physical-id [LOGICAL_ID=]ID]...] [--format text|json]
                     [--detailed-exitcode]

Options:
  --old OLD_TEMPLATE        print only the changes from OLD_TEMPLATE to TEMPLATE, and whether the
                            resource is replaced (and what the cleanup then deletes)
  --parameter KEY=VALUE     a template parameter's value (else its Default; else a ${KEY} token)
  --type TYPE               the resource type to plan (default Custom::EcsIamRoles; repeatable)
  --account ID              AWS::AccountId (default 123456789012)
  --region R                AWS::Region (default us-east-1)
  --partition P             AWS::Partition (default aws)
  --stack-name NAME         AWS::StackName (default stack); with --live, the stack to read
  --managed-path P          the function's ManagedPath (default /)
  --required-boundary ARN   the function's RequiredPermissionsBoundaryArn (default none)
  --allowed-kinds K,K       the function's AllowedKinds (default every kind)
  --trusted-accounts ID,ID  the function's TrustedPrincipalAccounts (default the own account)
  --allow-adoption          the function's AllowAdoption is true (default false)
  --live                    read the stack's resource (CloudFormation) and IAM, read-only, and
                            print what an Update would repair now; credentials and Region from
                            the usual AWS SDK chain
  --physical-id [LOGICAL_ID=]ID
                            with --live: the resource's PhysicalResourceId, instead of asking
                            CloudFormation (the pseudo parameters then come from the options)
  --format text|json        output format (default text)
  --detailed-exitcode       exit 0 when there is no IAM change, 2 when there are changes (or
                            drift), 1 on errors
  -h, --help                this text
  -V, --version             the version

Exit codes: 0 success, 1 error (a template the function would refuse, a bad option, a failed
read), 2 changes or drift (with --detailed-exitcode).
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub template: String,
    pub old: Option<String>,
    pub parameters: BTreeMap<String, String>,
    pub types: Vec<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub partition: Option<String>,
    pub stack_name: Option<String>,
    pub managed_path: Option<String>,
    pub required_boundary: Option<String>,
    pub allowed_kinds: Option<String>,
    pub trusted_accounts: Option<String>,
    pub allow_adoption: bool,
    pub live: bool,
    /// `--physical-id`: by logical id (None: the one resource planned).
    pub physical_ids: Vec<(Option<String>, String)>,
    pub format: Format,
    pub detailed_exitcode: bool,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Plan(Box<Options>),
    Help,
    Version,
}

pub const DEFAULT_TYPE: &str = "Custom::EcsIamRoles";

/// The arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let mut args = args.iter().map(String::as_str).peekable();
    match args.next() {
        None | Some("-h" | "--help" | "help") => return Ok(Command::Help),
        Some("-V" | "--version") => return Ok(Command::Version),
        Some("plan") => {}
        Some(other) => {
            return Err(format!(
                "unknown command {other:?}: the command is `ecs-iam-roles plan TEMPLATE ...` (see --help)"
            ))
        }
    }
    let mut template = None;
    let mut o = Options {
        template: String::new(),
        old: None,
        parameters: BTreeMap::new(),
        types: vec![],
        account: None,
        region: None,
        partition: None,
        stack_name: None,
        managed_path: None,
        required_boundary: None,
        allowed_kinds: None,
        trusted_accounts: None,
        allow_adoption: false,
        live: false,
        physical_ids: vec![],
        format: Format::Text,
        detailed_exitcode: false,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg, None),
        };
        let mut value = || -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => args
                    .next()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--old" => o.old = Some(value()?),
            "--parameter" => {
                let v = value()?;
                let (key, val) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--parameter {v:?}: give KEY=VALUE"))?;
                o.parameters.insert(key.to_string(), val.to_string());
            }
            "--type" => o.types.push(value()?),
            "--account" => o.account = Some(value()?),
            "--region" => o.region = Some(value()?),
            "--partition" => o.partition = Some(value()?),
            "--stack-name" => o.stack_name = Some(value()?),
            "--managed-path" => o.managed_path = Some(value()?),
            "--required-boundary" => o.required_boundary = Some(value()?),
            "--allowed-kinds" => o.allowed_kinds = Some(value()?),
            "--trusted-accounts" => o.trusted_accounts = Some(value()?),
            "--allow-adoption" if inline.is_none() => o.allow_adoption = true,
            "--live" if inline.is_none() => o.live = true,
            "--physical-id" => {
                let v = value()?;
                o.physical_ids.push(match v.split_once('=') {
                    Some((logical, id)) => (Some(logical.to_string()), id.to_string()),
                    None => (None, v),
                });
            }
            "--format" => {
                o.format = match value()?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    other => return Err(format!("--format {other:?}: text or json")),
                }
            }
            "--detailed-exitcode" if inline.is_none() => o.detailed_exitcode = true,
            f if f.starts_with('-') && f.len() > 1 => {
                return Err(format!("unknown option {f} (see --help)"))
            }
            _ => {
                if template.is_some() {
                    return Err(format!(
                        "one TEMPLATE only; {arg:?} is a second (see --help)"
                    ));
                }
                template = Some(arg.to_string());
            }
        }
    }
    o.template = template.ok_or("TEMPLATE is missing (see --help)")?;
    if o.types.is_empty() {
        o.types.push(DEFAULT_TYPE.to_string());
    }
    if o.live && o.old.is_some() {
        return Err("--live and --old cannot be combined: --live compares with the account".into());
    }
    if !o.physical_ids.is_empty() && !o.live {
        return Err("--physical-id goes with --live".into());
    }
    if o.live && o.physical_ids.is_empty() && o.stack_name.is_none() {
        return Err("--live needs --stack-name NAME (or --physical-id)".into());
    }
    Ok(Command::Plan(Box::new(o)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn options_are_read() {
        let Command::Plan(o) = parse(&args(
            "plan t.yaml --old=o.yaml --parameter A=1 --parameter B=x=y --format json --detailed-exitcode --type T",
        ))
        .unwrap() else {
            panic!()
        };
        assert_eq!(o.template, "t.yaml");
        assert_eq!(o.old.as_deref(), Some("o.yaml"));
        assert_eq!(o.parameters["A"], "1");
        assert_eq!(o.parameters["B"], "x=y");
        assert_eq!(o.format, Format::Json);
        assert!(o.detailed_exitcode);
        assert_eq!(o.types, ["T"]);
        assert_eq!(parse(&args("--help")).unwrap(), Command::Help);
        assert!(parse(&args("plan")).is_err());
        assert!(parse(&args("plan t --live"))
            .unwrap_err()
            .contains("--stack-name"));
        assert!(parse(&args("plan t --bogus"))
            .unwrap_err()
            .contains("--bogus"));
        assert!(parse(&args("deploy t")).is_err());
    }
}
