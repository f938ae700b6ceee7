//! The function's integration tests, one crate so that the AWS SDK links once: the real binary
//! under a small Lambda Runtime API against moto (with a fault proxy that plays IAM's real
//! behaviours), the authorization test, the CDK example and the relay through aws-cdk-lib's own
//! provider framework. The pure core's tests live in `core/tests/`; the stack suite on a real
//! CloudFormation engine in `tests/stack/`.

mod support;

mod answers;
mod authz;
mod cdk;
mod events;
mod faults;
mod foundation;
mod fuzz;
mod kinds;
mod lifecycle;
mod metrics;
mod propagation;
mod real_iam;
mod registry;
mod relay;
mod security;
mod template;
