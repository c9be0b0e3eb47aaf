//! What of a URL may be shown: errors, status and `Debug` output can reach logs and
//! unauthenticated health endpoints, and a URL can carry credentials (`https://user:pass@…`,
//! `?api_key=…`). One rule, used everywhere a configured URL is shown: keep the scheme, host,
//! port and path; replace user info, query and fragment with `…`.

/// The URL with user info, query and fragment redacted.
pub fn url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    // The authority ends at the first `/`, `?` or `#`; user info is everything up to its last `@`.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host = match authority.rsplit_once('@') {
        Some((_, host)) => format!("…@{host}"),
        None => authority.to_owned(),
    };
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let (path, extra) = tail.split_at(path_end);
    let mut shown = String::with_capacity(url.len());
    if let Some(scheme) = scheme {
        shown.push_str(scheme);
        shown.push_str("://");
    }
    shown.push_str(&host);
    shown.push_str(path);
    if let Some(marker) = extra.chars().next() {
        shown.push(marker);
        shown.push('…');
    }
    shown
}

/// Replaces every occurrence of `secret_url` in `message` by its redacted form (for messages
/// written by libraries that quote the URL they were given).
pub fn in_message(message: &str, secret_url: &str) -> String {
    if secret_url.is_empty() { message.to_owned() } else { message.replace(secret_url, &url(secret_url)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_credentials_only() {
        assert_eq!(url("https://api.workos.com/sso/jwks/client_1"), "https://api.workos.com/sso/jwks/client_1");
        assert_eq!(url("http://127.0.0.1:8080/jwks"), "http://127.0.0.1:8080/jwks");
        assert_eq!(url("https://svc:s3cr3t@keys.example/jwks"), "https://…@keys.example/jwks");
        assert_eq!(url("https://keys.example/jwks?api_key=s3cr3t"), "https://keys.example/jwks?…");
        assert_eq!(url("https://keys.example/jwks#s3cr3t"), "https://keys.example/jwks#…");
        assert_eq!(url("http://u:p@127.0.0.1:9/a?key=s3cr3t#x"), "http://…@127.0.0.1:9/a?…");
        assert_eq!(url("https://a@b@host/x"), "https://…@host/x");
        assert_eq!(url("https://host?key=s3cr3t"), "https://host?…");
        for shown in [url("https://svc:s3cr3t@h/p?k=s3cr3t#s3cr3t"), in_message("GET https://u:s3cr3t@h/: 500", "https://u:s3cr3t@h/")] {
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
    }
}
