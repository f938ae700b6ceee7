//! Running a plan: each `Op` as its one IAM write, under the one retry policy.

use super::read::tags_to_map;
use super::{Action, ApplyError, IamError, Missing, Session};
use crate::arn::Arn;
use crate::plan::OWNER_TAG_KEY;
use crate::plan::{Op, Plan};
use aws_sdk_iam::types::Tag;
use futures::future::join_all;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

fn map_to_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("key and value are set")
        })
        .collect()
}

impl Session<'_> {
    /// Run a plan phase by phase; the operations of a phase run concurrently. Stops after the
    /// first phase with a failure, once all of that phase's calls have finished.
    pub async fn apply(&self, plan: &Plan) -> Result<(), ApplyError> {
        let mut completed = vec![];
        for phase in &plan.phases {
            let results = join_all(
                phase
                    .ops
                    .iter()
                    .map(|op| async move { (op, self.apply_op(op).await) }),
            )
            .await;
            let mut errors = vec![];
            for (op, result) in results {
                match result {
                    Ok(()) => completed.push(op.clone()),
                    Err(e) => errors.push(e),
                }
            }
            if !errors.is_empty() {
                return Err(ApplyError { errors, completed });
            }
        }
        Ok(())
    }

    /// One write. Removing something already gone counts as done.
    pub async fn apply_op(&self, op: &Op) -> Result<(), IamError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        let action = op.action();
        let target = op.target();
        let c = self.client;
        let t = target.as_str();
        let removal = op.is_removal();
        let missing = missing_means(op);
        // `send!(request)`: the op's one SDK request, built afresh for each attempt.
        macro_rules! send {
            ($request:expr) => {
                self.call(action, t, missing, || $request.send())
                    .await
                    .map(drop)
            };
        }
        #[rustfmt::skip] // one op per entry, read as a table
        let result = match op {
            Op::CreateRole { name, path, trust, permissions_boundary: boundary, tags } => send!(c
                .create_role().role_name(name).path(path)
                .assume_role_policy_document(trust.to_string())
                .set_permissions_boundary(boundary.clone()).set_tags(Some(map_to_tags(tags)))),
            Op::UpdateTrust { role, trust } => send!(c
                .update_assume_role_policy().role_name(role).policy_document(trust.to_string())),
            Op::PutBoundary { role, arn } => send!(c
                .put_role_permissions_boundary().role_name(role).permissions_boundary(arn)),
            Op::DeleteBoundary { role } => send!(c
                .delete_role_permissions_boundary().role_name(role)),
            Op::TagRole { role, tags } => send!(c
                .tag_role().role_name(role).set_tags(Some(map_to_tags(tags)))),
            Op::UntagRole { role, keys } => send!(c
                .untag_role().role_name(role).set_tag_keys(Some(keys.clone()))),
            Op::AttachPolicy { role, arn } => send!(c
                .attach_role_policy().role_name(role).policy_arn(arn)),
            Op::DetachPolicy { role, arn } => send!(c
                .detach_role_policy().role_name(role).policy_arn(arn)),
            Op::PutInlinePolicy { role, name, document } => send!(c
                .put_role_policy().role_name(role).policy_name(name)
                .policy_document(document.to_string())),
            Op::DeleteInlinePolicy { role, name } => send!(c
                .delete_role_policy().role_name(role).policy_name(name)),
            Op::CreateInstanceProfile { name, path, tags } => send!(c
                .create_instance_profile().instance_profile_name(name).path(path)
                .set_tags(Some(map_to_tags(tags)))),
            Op::AddToInstanceProfile { role, profile } => send!(c
                .add_role_to_instance_profile().role_name(role).instance_profile_name(profile)),
            Op::RemoveFromInstanceProfile { role, profile } => send!(c
                .remove_role_from_instance_profile().role_name(role)
                .instance_profile_name(profile)),
            Op::TagInstanceProfile { name, tags } => send!(c
                .tag_instance_profile().instance_profile_name(name)
                .set_tags(Some(map_to_tags(tags)))),
            Op::UntagInstanceProfile { name, keys } => send!(c
                .untag_instance_profile().instance_profile_name(name)
                .set_tag_keys(Some(keys.clone()))),
            Op::DeleteInstanceProfile { name } => send!(c
                .delete_instance_profile().instance_profile_name(name)),
            Op::CreateServiceLinkedRole { service_name, .. } => send!(c
                .create_service_linked_role().aws_service_name(service_name)),
            Op::DeleteRole { role } => send!(c
                .delete_role().role_name(role)),
            Op::CreatePolicy { name, path, document, tags, .. } => send!(c
                .create_policy().policy_name(name).path(path)
                .policy_document(document.to_string()).set_tags(Some(map_to_tags(tags)))),
            Op::CreatePolicyVersion { arn, document } => send!(c
                .create_policy_version().policy_arn(arn)
                .policy_document(document.to_string()).set_as_default(true)),
            Op::DeletePolicyVersion { arn, version_id } => send!(c
                .delete_policy_version().policy_arn(arn).version_id(version_id)),
            Op::TagPolicy { arn, tags } => send!(c
                .tag_policy().policy_arn(arn).set_tags(Some(map_to_tags(tags)))),
            Op::UntagPolicy { arn, keys } => send!(c
                .untag_policy().policy_arn(arn).set_tag_keys(Some(keys.clone()))),
            Op::DeletePolicy { arn } => send!(c
                .delete_policy().policy_arn(arn)),
        };
        match result {
            Err(e) if removal && e.is_not_found() => Ok(()),
            // The account's service-linked role exists already: what was asked for holds.
            Err(e)
                if matches!(op, Op::CreateServiceLinkedRole { .. })
                    && e.is_taken_service_role() =>
            {
                Ok(())
            }
            // An add that landed although IAM did not say so: the retry finds the profile full
            // (one role per instance profile), and the role is the one in it.
            Err(e) if e.code == "LimitExceeded" && e.after_uncertain_attempt => match op {
                Op::AddToInstanceProfile { role, profile } => {
                    match self.read_instance_profile(profile).await {
                        Ok(Some(found)) if found.roles == [role.clone()] => Ok(()),
                        Ok(_) => Err(e),
                        Err(check) => Err(check),
                    }
                }
                _ => Err(e),
            },
            // An earlier attempt landed although IAM did not say so: the entity carries this
            // request's owner tag.
            Err(e) if e.is_already_exists() && e.after_uncertain_attempt => {
                match self.made_by(op).await {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(e),
                    Err(check) => Err(check),
                }
            }
            other => other,
        }
    }

    /// Whether the role, policy or instance profile an `Op::CreateRole` / `Op::CreatePolicy` /
    /// `Op::CreateInstanceProfile` names exists with the owner tag that op would have given it.
    async fn made_by(&self, op: &Op) -> Result<bool, IamError> {
        let c = self.client;
        let target = op.target();
        let (tags, wanted) = match op {
            Op::CreateRole { name, tags, .. } => {
                let got = self.call(Action::GetRole, &target, Missing::Final, || {
                    c.get_role().role_name(name).send()
                });
                let got = got.await?;
                (got.role().map(|r| tags_to_map(r.tags())), tags)
            }
            Op::CreatePolicy { arn, tags, .. } => {
                let got = self.call(Action::GetPolicy, &target, Missing::Final, || {
                    c.get_policy().policy_arn(arn).send()
                });
                let got = got.await?;
                (got.policy().map(|p| tags_to_map(p.tags())), tags)
            }
            Op::CreateInstanceProfile { name, tags, .. } => {
                let got = self.call(Action::GetInstanceProfile, &target, Missing::Final, || {
                    c.get_instance_profile().instance_profile_name(name).send()
                });
                let got = got.await?;
                (got.instance_profile().map(|p| tags_to_map(p.tags())), tags)
            }
            _ => return Ok(false),
        };
        let owner = |tags: &BTreeMap<String, String>| tags.get(OWNER_TAG_KEY).cloned();
        Ok(tags.is_some_and(|found| owner(&found).is_some() && owner(&found) == owner(wanted)))
    }
}

/// What a NoSuchEntity answer to `op` means.
fn missing_means(op: &Op) -> Missing {
    match op {
        _ if op.is_removal() => Missing::Final,
        Op::CreateRole { .. }
        | Op::CreatePolicy { .. }
        | Op::CreateInstanceProfile { .. }
        | Op::CreateServiceLinkedRole { .. } => Missing::Final,
        Op::AttachPolicy { arn, .. } if is_aws_managed(arn) => Missing::RolePropagating,
        // A boundary policy that does not exist is the stack's mistake, not propagation.
        Op::PutBoundary { .. } => Missing::RolePropagating,
        // Every other write is to a role, policy or instance profile this request made or just
        // read (AddRoleToInstanceProfile right after CreateRole and CreateInstanceProfile, too).
        _ => Missing::Propagating,
    }
}

/// AWS managed policies live in the account named `aws`.
fn is_aws_managed(policy_arn: &str) -> bool {
    Arn::parse(policy_arn).is_some_and(|arn| arn.account == "aws")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_to_a_new_instance_profile_waits_for_propagation_and_creates_do_not() {
        let add = Op::AddToInstanceProfile {
            role: "r".into(),
            profile: "p".into(),
        };
        assert_eq!(missing_means(&add), Missing::Propagating);
        let create = Op::CreateInstanceProfile {
            name: "p".into(),
            path: "/".into(),
            tags: BTreeMap::new(),
        };
        assert_eq!(missing_means(&create), Missing::Final);
        let delete = Op::DeleteInstanceProfile { name: "p".into() };
        assert_eq!(missing_means(&delete), Missing::Final);
        let slr = Op::CreateServiceLinkedRole {
            service_name: "ecs.amazonaws.com".into(),
            role_name: "AWSServiceRoleForECS".into(),
        };
        assert_eq!(missing_means(&slr), Missing::Final);
    }
}
