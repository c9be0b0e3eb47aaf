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

/// The parts of a URL that `url` hides: the user info (before the authority's last `@`), the
/// query (whole, each parameter, each value) and the fragment, without their delimiters.
fn secret_parts(url: &str) -> Vec<&str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let mut parts = Vec::new();
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        parts.push(userinfo);
    }
    if let Some(at) = rest.find(['?', '#']) {
        let extra = &rest[at + 1..];
        parts.extend(extra.split(['?', '#', '&']).flat_map(|p| [p, p.split_once('=').map_or("", |(_, v)| v)]));
        parts.push(extra);
    }
    // Pieces under 4 characters would mangle unrelated text (`x=1`); the whole URL is still
    // redacted wherever it is quoted as given.
    parts.retain(|p| p.chars().count() >= 4);
    // Longest first, so a part is never half-replaced by a shorter one it contains.
    parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
    parts
}

/// `message` with `secret_url` shown redacted, and every secret part of it (user info, query
/// values, fragment) replaced by `…` wherever else it appears: a library may quote the URL
/// normalized, or quote only a piece of it.
pub fn in_message(message: &str, secret_url: &str) -> String {
    if secret_url.is_empty() {
        return message.to_owned();
    }
    let mut shown = message.replace(secret_url, &url(secret_url));
    for part in secret_parts(secret_url) {
        shown = shown.replace(part, "…");
    }
    shown
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
        // Pieces of the URL quoted elsewhere in a message, e.g. normalized by a library.
        let secret = "http://svc:pa55w0rd@127.0.0.1:9/jwks?api_key=t0ken-value&x=1#fr4g";
        let message = format!("GET {secret}: bad uri http://svc:pa55w0rd@127.0.0.1:9/jwks?api_key=t0ken-value (t0ken-value) fr4g");
        let shown = in_message(&message, secret);
        for leak in ["pa55w0rd", "t0ken-value", "fr4g"] {
            assert!(!shown.contains(leak), "{shown}");
        }
        assert!(shown.starts_with("GET http://…@127.0.0.1:9/jwks?…: "), "{shown}");
        assert_eq!(in_message("nothing to hide", "https://keys.example/jwks"), "nothing to hide");
    }
}
