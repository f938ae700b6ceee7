//! The AWS SDK's HTTPS client, on the TLS stack reqwest already uses.

use aws_sdk_iam::config::SharedHttpClient;
use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, ConnectorBuilder};

/// What the SDK's `default-https-client` feature builds (hyper 1.x, rustls, the system's root
/// certificates, proxies from the environment, the SDK's connect and read timeouts), but on
/// ring, the crypto provider reqwest's rustls already uses, instead of aws-lc-rs: one TLS stack
/// and one provider in the binary, and no aws-lc C build. The SDK crates are built without a
/// default client, so every SDK config needs this one (`http_client`).
pub fn sdk_client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}
