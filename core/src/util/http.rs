//! The one HTTP client setup every outbound call uses (the issuer's JWKS, the WorkOS API):
//! ureq, blocking, rustls with the aws-lc-rs provider the JWT verification already uses, no
//! redirects, statuses handed back rather than turned into errors, and one URL rule (https,
//! plain http only for loopback).
//!
//! Proxies (F1): a loopback host (`localhost`, `127.0.0.0/8`, `::1`) is always reached directly,
//! so a proxy named by the environment can never answer for this machine's own servers; every
//! other host follows `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` and `NO_PROXY`.

use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;

/// Two agents with the same settings: one that never uses a proxy (loopback), one that uses the
/// environment's proxy if there is one.
pub struct Client {
    direct: ureq::Agent,
    proxied: ureq::Agent,
}

impl Client {
    /// Every request is bounded by `timeout` (a request may lower it).
    pub fn new(timeout: Duration) -> Client {
        Client { direct: agent(timeout, None), proxied: agent(timeout, ureq::Proxy::try_from_env()) }
    }

    /// The agent for `url` (checked by [`check_url`] earlier): loopback never through a proxy.
    pub fn agent_for(&self, url: &str) -> &ureq::Agent {
        if url_is_loopback(url) { &self.direct } else { &self.proxied }
    }
}

fn agent(timeout: Duration, proxy: Option<ureq::Proxy>) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .build();
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .http_status_as_error(false)
        .proxy(proxy)
        .user_agent(concat!("sessiongate/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .build()
        .new_agent()
}

/// Whether a URL host (as `http::Uri` gives it, IPv6 in brackets) is this machine.
fn is_loopback(host: &str) -> bool {
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn url_is_loopback(url: &str) -> bool {
    url.parse::<ureq::http::Uri>().ok().and_then(|uri| uri.host().map(is_loopback)).unwrap_or(false)
}

/// Checks a URL with the HTTP client's own parser (so what is checked is what is fetched), and
/// tells whether its host is loopback: `https` only, plain `http` only to a loopback host.
/// `what` names it in the error (`a JWKS or issuer URL`, `api_base_url`).
pub fn check_url(url: &str, what: &str) -> Result<bool, Error> {
    let uri: ureq::http::Uri = url.parse().map_err(|_| Error::Configuration(format!("{what} is not a valid absolute URL")))?;
    let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(|| Error::Configuration(format!("{what} has no host")))?;
    let loopback = is_loopback(host);
    match uri.scheme_str() {
        Some("https") => Ok(loopback),
        Some("http") if loopback => Ok(true),
        Some("http") => Err(Error::Configuration(format!("{what} must use https (plain http only for loopback)"))),
        _ => Err(Error::Configuration(format!("{what} must start with https://"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_or_loopback() {
        let check = |url: &str| check_url(url, "a URL");
        assert_eq!(check("https://api.workos.com/sso/jwks/client_1").ok(), Some(false));
        assert_eq!(check("http://127.0.0.1:8080/jwks").ok(), Some(true));
        assert_eq!(check("http://127.8.9.10/jwks").ok(), Some(true));
        assert_eq!(check("http://localhost/jwks").ok(), Some(true));
        assert_eq!(check("http://[::1]:9/jwks").ok(), Some(true));
        assert_eq!(check("https://localhost:8443/jwks").ok(), Some(true));
        for bad in [
            "http://example.com/jwks",
            "http://127.0.0.1.evil.example/jwks",
            "http://localhost.evil.example/jwks",
            "http://[::ffff:127.0.0.1]/jwks",
            "http://2130706433/jwks",
            "ftp://example.com",
            "https://",
            "https:///jwks",
            "/jwks",
            // I9: the HTTP client refuses a backslash; so does the configuration, at once.
            "http://evil.example\\@127.0.0.1/",
            "http://127.0.0.1%40evil.example/",
            "https://ex\u{e4}mple.com/jwks",
        ] {
            assert_eq!(check(bad).map_err(|e| e.code().as_str()), Err("configuration_error"), "{bad}");
        }
        assert!(check_url("http://example.com", "api_base_url").unwrap_err().to_string().contains("api_base_url must use https"));
    }

    #[test]
    fn loopback_urls_get_the_direct_agent() {
        assert!(url_is_loopback("http://127.0.0.1:9/x"));
        assert!(url_is_loopback("http://[::1]/x"));
        assert!(!url_is_loopback("https://api.workos.com/x"));
        assert!(!url_is_loopback("not a url"));
    }
}
