//! Every IAM action the function calls, as a type: `Session::call` takes one, so a call to an
//! action missing here does not compile, and `Action::ALL` is what the execution role must allow.

/// Defines `Action` and `Action::ALL` from one list, so `ALL` cannot miss a variant. Each
/// variant is spelled as IAM's action name, which is also its text.
macro_rules! actions {
    ($($action:ident),+ $(,)?) => {
        /// One IAM API action.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $(
                #[doc = concat!("`iam:", stringify!($action), "`.")]
                $action
            ),+
        }

        impl Action {
            /// Every action, in the order listed.
            pub const ALL: &'static [Action] = &[$(Action::$action),+];

            /// IAM's name for the action, as in `iam:<name>` and in the logs.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Action::$action => stringify!($action)),+
                }
            }
        }
    };
}

actions! {
    // Reads
    GetRole,
    ListAttachedRolePolicies,
    ListRolePolicies,
    GetRolePolicy,
    ListInstanceProfilesForRole,
    GetPolicy,
    ListPolicyVersions,
    GetPolicyVersion,
    GetInstanceProfile,
    // Writes (one `Op` each)
    CreateRole,
    UpdateAssumeRolePolicy,
    PutRolePermissionsBoundary,
    DeleteRolePermissionsBoundary,
    TagRole,
    UntagRole,
    AttachRolePolicy,
    DetachRolePolicy,
    PutRolePolicy,
    DeleteRolePolicy,
    CreateInstanceProfile,
    AddRoleToInstanceProfile,
    RemoveRoleFromInstanceProfile,
    TagInstanceProfile,
    UntagInstanceProfile,
    DeleteInstanceProfile,
    CreateServiceLinkedRole,
    DeleteRole,
    CreatePolicy,
    CreatePolicyVersion,
    DeletePolicyVersion,
    TagPolicy,
    UntagPolicy,
    DeletePolicy,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_listed_once_under_its_iam_name() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), 33);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
        assert_eq!(
            Action::UpdateAssumeRolePolicy.to_string(),
            "UpdateAssumeRolePolicy"
        );
    }
}
