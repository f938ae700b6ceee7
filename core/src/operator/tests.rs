//! The operator's settings and rules, one test per rule.

use super::*;
use crate::kinds::Kind;
use serde_json::json;

fn operator(vars: &[(&str, &str)]) -> Result<Operator, String> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Operator::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}

#[test]
fn adoption_is_on_only_for_exactly_true() {
    assert!(
        operator(&[(ALLOW_ADOPTION_ENV, "true")])
            .unwrap()
            .allow_adoption
    );
    for off in ["", "false", "False", "TRUE", "0", "1", "yes", " true"] {
        assert!(
            !operator(&[(ALLOW_ADOPTION_ENV, off)])
                .unwrap()
                .allow_adoption,
            "{off:?}"
        );
    }
    assert!(!operator(&[]).unwrap().allow_adoption, "missing means off");
}

#[test]
fn defaults_and_bad_settings() {
    assert_eq!(operator(&[]).unwrap(), Operator::default());
    assert_eq!(
        operator(&[(MANAGED_PATH_ENV, ""), (REQUIRED_BOUNDARY_ENV, "")]).unwrap(),
        Operator::default()
    );
    let err = operator(&[(MANAGED_PATH_ENV, "ecs")]).unwrap_err();
    assert!(err.contains("ManagedPath"), "{err}");
    let err = operator(&[(REQUIRED_BOUNDARY_ENV, "Boundary")]).unwrap_err();
    assert!(err.contains("RequiredPermissionsBoundaryArn"), "{err}");
}

#[test]
fn path_boundary_and_adoption_are_checked_together() {
    let op = operator(&[
        (MANAGED_PATH_ENV, "/ecs-iam-roles/"),
        (
            REQUIRED_BOUNDARY_ENV,
            "arn:aws:iam::123456789012:policy/Boundary",
        ),
    ])
    .unwrap();
    let spec = crate::spec::parse(
        &json!({"Path": "/other/", "AdoptExisting": "true", "Roles": {Kind::TaskExecution.name(): {}}}),
    )
    .unwrap();
    let err = op.check(&spec, OWN).unwrap_err();
    let properties: Vec<&str> = err.errors.iter().map(|e| e.property.as_str()).collect();
    assert_eq!(properties, ["Path", "PermissionsBoundary", "AdoptExisting"]);
    assert!(err.to_string().contains("/ecs-iam-roles/"), "{err}");

    let good = crate::spec::parse(&json!({
        "Path": "/ecs-iam-roles/team-a/",
        "PermissionsBoundary": "arn:aws:iam::123456789012:policy/Boundary",
        "Roles": {Kind::TaskExecution.name(): {}}
    }))
    .unwrap();
    op.check(&good, OWN).unwrap();
    let other_boundary = crate::spec::parse(&json!({
        "Path": "/ecs-iam-roles/",
        "PermissionsBoundary": "arn:aws:iam::123456789012:policy/Other",
        "Roles": {Kind::TaskExecution.name(): {}}
    }))
    .unwrap();
    assert!(op.check(&other_boundary, OWN).is_err());
}

fn spec(properties: serde_json::Value) -> Spec {
    crate::spec::parse(&properties).unwrap()
}

const OWN: &str = "123456789012";

fn access(principal: &str) -> Spec {
    spec(json!({"Roles": {Kind::ClusterAccess.name(): {TRUSTED_PRINCIPAL_ARN.name: principal}}}))
}

#[test]
fn guardrail_settings_are_read_strictly() {
    let op = operator(&[
        (ALLOWED_KINDS_ENV, " TaskExecution , Task "),
        (TRUSTED_ACCOUNTS_ENV, "111122223333, 444455556666"),
    ])
    .unwrap();
    assert_eq!(
        op.allowed_kinds,
        Some([Kind::TaskExecution, Kind::Task].into())
    );
    assert_eq!(
        op.trusted_accounts,
        TrustedAccounts::Listed(["111122223333".into(), "444455556666".into()].into())
    );
    assert_eq!(
        operator(&[(TRUSTED_ACCOUNTS_ENV, "*")])
            .unwrap()
            .trusted_accounts,
        TrustedAccounts::Any
    );
    let defaults = operator(&[(ALLOWED_KINDS_ENV, ""), (TRUSTED_ACCOUNTS_ENV, " ")]).unwrap();
    assert_eq!(defaults.allowed_kinds, None);
    assert_eq!(defaults.trusted_accounts, TrustedAccounts::Own);
    for (var, value, names) in [
        (ALLOWED_KINDS_ENV, "TaskExecution,Tsk", "AllowedKinds"),
        (ALLOWED_KINDS_ENV, "TaskExecution,", "AllowedKinds"),
        (
            TRUSTED_ACCOUNTS_ENV,
            "1111-2222-3333",
            "TrustedPrincipalAccounts",
        ),
        (
            TRUSTED_ACCOUNTS_ENV,
            "111122223333,*",
            "TrustedPrincipalAccounts",
        ),
        (
            TRUSTED_ACCOUNTS_ENV,
            "arn:aws:iam::111122223333:root",
            "TrustedPrincipalAccounts",
        ),
    ] {
        let err = operator(&[(var, value)]).unwrap_err();
        assert!(err.contains(var) && err.contains(names), "{value}: {err}");
    }
}

#[test]
fn principals_of_the_own_account_only_unless_listed_or_any() {
    let elsewhere = access("arn:aws:iam::999988887777:role/handler");
    let own = access("arn:aws:iam::123456789012:role/handler");
    let default = Operator::default();
    default.guard(&own, None, OWN).unwrap();
    let err = default.guard(&elsewhere, None, OWN).unwrap_err();
    assert_eq!(
        err.errors[0].property,
        "Roles.ClusterAccess.TrustedPrincipalArn"
    );
    assert!(err.to_string().contains("999988887777"), "{err}");
    assert!(
        err.to_string().contains("TrustedPrincipalAccounts"),
        "{err}"
    );

    let listed = Operator {
        trusted_accounts: TrustedAccounts::Listed(["999988887777".into()].into()),
        ..Operator::default()
    };
    listed.guard(&elsewhere, None, OWN).unwrap();
    listed.guard(&own, None, OWN).unwrap();
    let any = Operator {
        trusted_accounts: TrustedAccounts::Any,
        ..Operator::default()
    };
    any.guard(&elsewhere, None, OWN).unwrap();
}

#[test]
fn only_what_a_request_adds_is_guarded() {
    let elsewhere = access("arn:aws:iam::999988887777:role/handler");
    let other = access("arn:aws:iam::999988887777:role/other-handler");
    let default = Operator::default();
    // The principal was there before the operator narrowed the settings: kept, served.
    default.guard(&elsewhere, Some(&elsewhere), OWN).unwrap();
    // A new principal of an untrusted account is a change, refused.
    assert!(default.guard(&other, Some(&elsewhere), OWN).is_err());

    let narrow = Operator {
        allowed_kinds: Some([Kind::TaskExecution].into()),
        ..Operator::default()
    };
    let exec = spec(json!({"Roles": {Kind::TaskExecution.name(): {}}}));
    let lp = crate::kinds::LEAST_PRIVILEGE.name;
    let both = spec(
        json!({"Roles": {Kind::TaskExecution.name(): {}, Kind::CodeDeploy.name(): {lp: "false"}}}),
    );
    let both_changed = spec(
        json!({"Roles": {Kind::TaskExecution.name(): {}, Kind::CodeDeploy.name(): {lp: "true"}}}),
    );
    narrow.guard(&exec, None, OWN).unwrap();
    let err = narrow.guard(&both, None, OWN).unwrap_err();
    assert_eq!(err.errors[0].property, "Roles.CodeDeploy");
    assert!(
        err.to_string().contains("AllowedKinds: TaskExecution"),
        "{err}"
    );
    assert!(
        narrow.guard(&both, Some(&exec), OWN).is_err(),
        "a kind added"
    );
    narrow.guard(&both_changed, Some(&both), OWN).unwrap();
    narrow.guard(&exec, Some(&both), OWN).unwrap();
}

#[test]
fn managed_policy_arns_only_under_managed_path_in_the_stacks_account() {
    let op = operator(&[(MANAGED_PATH_ENV, "/ecs-iam-roles/")]).unwrap();
    let with = |kind: Kind, arn: &str| {
        // The kind's own sample (Task's names a cluster), with the policy.
        let mut role = kind.samples().remove(0);
        role[MANAGED_POLICY_ARNS.name] = json!([arn]);
        spec(json!({"Path": "/ecs-iam-roles/", "Roles": {kind.name(): role}}))
    };
    let inside = "arn:aws:iam::123456789012:policy/ecs-iam-roles/app/AppPolicy";
    op.check(&with(Kind::Task, inside), OWN).unwrap();
    let refused = [
        "arn:aws:iam::123456789012:policy/AppPolicy",
        "arn:aws:iam::123456789012:policy/ecs-iam-rolesX/AppPolicy",
        "arn:aws:iam::210987654321:policy/ecs-iam-roles/AppPolicy",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ];
    for arn in refused {
        let err = op.check(&with(Kind::Task, arn), OWN).unwrap_err();
        assert_eq!(
            err.errors[0].property, "Roles.Task.ManagedPolicyArns",
            "{arn}"
        );
    }
    // The kind's own AWS managed policy is no widening (it is attached anyway).
    let own = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
    op.check(&with(Kind::TaskExecution, own), OWN).unwrap();
    assert!(op.check(&with(Kind::Task, own), OWN).is_err());
}
