//! `template.yaml`: the AWS managed policies the execution role may attach (the
//! `AttachKindPolicies` statement's `iam:PolicyARN` list) are exactly the kinds'
//! (`RoleKind::AWS_MANAGED_POLICIES`), in the registry's order, each once.

use crate::region;
use ecs_iam_roles_core::kinds::Kind;
use std::collections::BTreeSet;

pub const PATH: &str = "template.yaml";

const BEGIN: &str = "# generated: xtask (kind managed policies)";
const END: &str = "# end generated: xtask (kind managed policies)";

/// `template.yaml` (its text is `text`) with the attach list generated.
pub fn generate(text: &str) -> Result<String, String> {
    let region = region::find(text, PATH, BEGIN, END)?;
    let indent = region.indent;
    let mut lines = vec![format!(
        "{indent}{BEGIN}: each kind's AWS_MANAGED_POLICIES (core/src/kinds/); cargo run -p xtask -- generate"
    )];
    let mut seen = BTreeSet::new();
    for kind in Kind::ALL {
        for path in kind.aws_managed_policies() {
            if seen.insert(*path) {
                lines.push(format!(
                    "{indent}- !Sub arn:${{AWS::Partition}}:iam::aws:policy{path}"
                ));
            }
        }
    }
    Ok(region.splice(&lines))
}
