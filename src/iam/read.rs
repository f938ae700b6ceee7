//! Reading the actual state of the roles and policies a request manages.

use super::{Action, IamError, Missing, Session};
use crate::desired::DesiredState;
use crate::plan::{ActualInstanceProfile, ActualPolicy, ActualRole, ActualState, PolicyVersion};
use aws_sdk_iam::config::http::HttpResponse;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::Tag;
use futures::future::try_join_all;
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;

/// Every item of a paginated IAM listing, page after page.
macro_rules! every_item {
    ($request:expr) => {
        async {
            $request
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
        }
    };
}

/// A read's result with "no such entity" as None.
fn or_missing<T>(result: Result<T, IamError>) -> Result<Option<T>, IamError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// IAM returns policy documents URL-encoded; an emulator may not.
pub fn parse_document(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| {
        let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
        serde_json::from_str(&decoded).unwrap_or(Value::String(decoded.into_owned()))
    })
}

pub(super) fn tags_to_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// What a request reads: each once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Names {
    /// Role names, each with the inline policy names it is expected to have.
    pub roles: Vec<(String, Vec<String>)>,
    pub policy_arns: Vec<String>,
    pub instance_profiles: Vec<String>,
    /// Service-linked role names (only whether each exists is read).
    pub service_linked: Vec<String>,
}

impl Names {
    /// The role names (with their inline policy names), policy ARNs, instance profile names and
    /// service-linked role names of some desired states, each once.
    pub fn of(states: &[&DesiredState]) -> Names {
        let mut names = Names::default();
        let add = |list: &mut Vec<String>, name: &str| {
            if !list.iter().any(|n| n == name) {
                list.push(name.to_string());
            }
        };
        for state in states {
            for role in &state.roles {
                let inline = role.inline_policies.keys().cloned();
                match names.roles.iter_mut().find(|(name, _)| *name == role.name) {
                    Some((_, known)) => {
                        known.extend(inline.filter(|n| !known.contains(n)).collect::<Vec<_>>())
                    }
                    None => names.roles.push((role.name.clone(), inline.collect())),
                }
                if let Some(profile) = &role.instance_profile {
                    add(&mut names.instance_profiles, &profile.name);
                }
            }
            for policy in &state.policies {
                add(&mut names.policy_arns, &policy.arn);
            }
            for role in &state.service_linked {
                add(&mut names.service_linked, role.role_name);
            }
        }
        names
    }
}

impl Session<'_> {
    /// Read what exists of the named roles, policies, instance profiles and service-linked
    /// roles, all at once. `for_delete` also lists the roles' instance profiles, and skips
    /// documents (inline and managed) and service-linked roles that a teardown does not need.
    pub async fn read_state(
        &self,
        names: &Names,
        for_delete: bool,
    ) -> Result<ActualState, IamError> {
        let roles = try_join_all(
            names
                .roles
                .iter()
                .map(|(name, inline)| self.read_role(name, inline, for_delete)),
        );
        let policies = try_join_all(
            names
                .policy_arns
                .iter()
                .map(|a| self.read_policy(a, for_delete)),
        );
        let profiles = try_join_all(
            names
                .instance_profiles
                .iter()
                .map(|name| self.read_instance_profile(name)),
        );
        let service_linked = try_join_all(
            names
                .service_linked
                .iter()
                .filter(|_| !for_delete)
                .map(|name| self.service_linked_exists(name)),
        );
        let (roles, policies, profiles, service_linked) =
            futures::try_join!(roles, policies, profiles, service_linked)?;
        Ok(ActualState {
            // Keyed by the name asked for: IAM finds `MyRole` when asked for `myrole` (names are
            // unique regardless of case), and the plan looks roles up by the desired name.
            roles: names
                .roles
                .iter()
                .zip(roles)
                .filter_map(|((asked, _), found)| Some((asked.clone(), found?)))
                .collect(),
            policies: policies
                .into_iter()
                .flatten()
                .map(|p| (p.arn.clone(), p))
                .collect(),
            instance_profiles: names
                .instance_profiles
                .iter()
                .zip(profiles)
                .filter_map(|(asked, found)| Some((asked.clone(), found?)))
                .collect(),
            service_linked: service_linked.into_iter().flatten().collect(),
        })
    }

    /// One instance profile: GetInstanceProfile carries its roles and its tags (moto has no
    /// ListInstanceProfileTags; IAM's GetInstanceProfile returns the tags too).
    pub(super) async fn read_instance_profile(
        &self,
        name: &str,
    ) -> Result<Option<ActualInstanceProfile>, IamError> {
        let target = format!("instance profile {name}");
        let got = self.call(Action::GetInstanceProfile, &target, Missing::Final, || {
            self.client
                .get_instance_profile()
                .instance_profile_name(name)
                .send()
        });
        let Some(profile) = or_missing(got.await)?.and_then(|g| g.instance_profile().cloned())
        else {
            return Ok(None);
        };
        Ok(Some(ActualInstanceProfile {
            name: profile.instance_profile_name().to_string(),
            path: profile.path().to_string(),
            roles: profile
                .roles()
                .iter()
                .map(|r| r.role_name().to_string())
                .collect(),
            tags: tags_to_map(profile.tags()),
        }))
    }

    /// Whether a service-linked role exists (its name, if so): IAM made it, and nothing of it
    /// is this resource's to compare.
    async fn service_linked_exists(&self, name: &str) -> Result<Option<String>, IamError> {
        let target = format!("service-linked role {name}");
        let got = self.call(Action::GetRole, &target, Missing::Final, || {
            self.client.get_role().role_name(name).send()
        });
        Ok(or_missing(got.await)?.map(|_| name.to_string()))
    }

    async fn list<T, E, F, Fut>(
        &self,
        action: Action,
        target: &str,
        f: F,
    ) -> Result<Option<Vec<T>>, IamError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Vec<T>, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        or_missing(self.call(action, target, Missing::Final, f).await)
    }

    async fn inline_document(
        &self,
        role: &str,
        policy_name: &str,
    ) -> Result<Option<Value>, IamError> {
        let target = format!("role {role} (inline policy {policy_name})");
        let got = self.call(Action::GetRolePolicy, &target, Missing::Final, || {
            self.client
                .get_role_policy()
                .role_name(role)
                .policy_name(policy_name)
                .send()
        });
        Ok(or_missing(got.await)?.map(|got| parse_document(got.policy_document())))
    }

    /// One role: GetRole, its listings and the expected inline documents are asked at once (one
    /// round trip); only an inline policy nobody expected costs a second one.
    async fn read_role(
        &self,
        name: &str,
        expected_inline: &[String],
        for_delete: bool,
    ) -> Result<Option<ActualRole>, IamError> {
        let target = format!("role {name}");
        let target = target.as_str();
        let get = async {
            let got = self.call(Action::GetRole, target, Missing::Final, || {
                self.client.get_role().role_name(name).send()
            });
            Ok(or_missing(got.await)?.and_then(|got| got.role().cloned()))
        };
        let attached = self.list(Action::ListAttachedRolePolicies, target, || {
            every_item!(self.client.list_attached_role_policies().role_name(name))
        });
        let inline_names = self.list(Action::ListRolePolicies, target, || {
            every_item!(self.client.list_role_policies().role_name(name))
        });
        let prefetched = async {
            if for_delete {
                return Ok(vec![]);
            }
            try_join_all(expected_inline.iter().map(|policy| async move {
                Ok::<_, IamError>((policy.clone(), self.inline_document(name, policy).await?))
            }))
            .await
        };
        let profiles = async {
            if !for_delete {
                return Ok(Some(vec![]));
            }
            self.list(Action::ListInstanceProfilesForRole, target, || {
                every_item!(self
                    .client
                    .list_instance_profiles_for_role()
                    .role_name(name))
            })
            .await
        };
        let (role, attached, inline_names, prefetched, profiles) =
            futures::try_join!(get, attached, inline_names, prefetched, profiles)?;
        // Missing anywhere: the role does not exist, or went during the reads (a concurrent Delete).
        let (Some(role), Some(attached), Some(inline_names), Some(profiles)) =
            (role, attached, inline_names, profiles)
        else {
            return Ok(None);
        };
        let mut inline_policies = BTreeMap::new();
        for policy_name in inline_names {
            let document = if for_delete {
                Value::Null
            } else if let Some((_, Some(document))) =
                prefetched.iter().find(|(n, _)| *n == policy_name)
            {
                document.clone()
            } else {
                match self.inline_document(name, &policy_name).await? {
                    Some(document) => document,
                    None => continue,
                }
            };
            inline_policies.insert(policy_name, document);
        }
        Ok(Some(ActualRole {
            name: role.role_name().to_string(),
            path: role.path().to_string(),
            trust: parse_document(role.assume_role_policy_document().unwrap_or("{}")),
            managed_policy_arns: attached
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string))
                .collect(),
            inline_policies,
            permissions_boundary: role
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
            tags: tags_to_map(role.tags()),
            instance_profiles: profiles
                .iter()
                .map(|p| p.instance_profile_name().to_string())
                .collect(),
        }))
    }

    /// One policy: GetPolicy and its versions at once, then the default version's document
    /// (not needed for a Delete).
    async fn read_policy(
        &self,
        arn: &str,
        for_delete: bool,
    ) -> Result<Option<ActualPolicy>, IamError> {
        let target = format!("policy {arn}");
        let target = target.as_str();
        let get = async {
            let got = self.call(Action::GetPolicy, target, Missing::Final, || {
                self.client.get_policy().policy_arn(arn).send()
            });
            Ok(or_missing(got.await)?.and_then(|got| got.policy().cloned()))
        };
        let versions = self.list(Action::ListPolicyVersions, target, || {
            every_item!(self.client.list_policy_versions().policy_arn(arn))
        });
        let (Some(policy), Some(versions)) = futures::try_join!(get, versions)? else {
            return Ok(None);
        };
        let document = match policy.default_version_id() {
            Some(default_version) if !for_delete => {
                let got = self.call(Action::GetPolicyVersion, target, Missing::Final, || {
                    self.client
                        .get_policy_version()
                        .policy_arn(arn)
                        .version_id(default_version)
                        .send()
                });
                // Gone between the reads: the policy does not exist.
                let Some(got) = or_missing(got.await)? else {
                    return Ok(None);
                };
                parse_document(
                    got.policy_version()
                        .and_then(|v| v.document())
                        .unwrap_or("{}"),
                )
            }
            _ => Value::Null,
        };
        let mut versions: Vec<_> = versions
            .iter()
            .map(|v| {
                (
                    v.create_date().map(|d| (d.secs(), d.subsec_nanos())),
                    PolicyVersion {
                        id: v.version_id().unwrap_or_default().to_string(),
                        is_default: v.is_default_version(),
                    },
                )
            })
            .collect();
        versions.sort_by_key(|v| v.0);
        Ok(Some(ActualPolicy {
            arn: arn.to_string(),
            document,
            versions: versions.into_iter().map(|(_, v)| v).collect(),
            tags: tags_to_map(policy.tags()),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_are_read_plain_or_url_encoded() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        let expected = json!({"Version": "2012-10-17", "Statement": []});
        assert_eq!(parse_document(plain), expected);
        assert_eq!(parse_document(encoded), expected);
    }
}
