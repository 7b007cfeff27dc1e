//! Requests through the portal's CDN. In the stack CloudFront sends every `/api/*` request to
//! the HTTP API with a secret header (`X-Origin-Verify`) and the viewer's address
//! (`CloudFront-Viewer-Address`); the functions answer only requests that carry the secret, so
//! the API's own endpoint gives nobody a way round the CDN's headers and limits, and the
//! address in the audit trail is the viewer's, not an edge server's (security review, issue 17
//! finding 8).

use axum::http::HeaderMap;
use std::net::IpAddr;

/// The header CloudFront adds with the origin secret.
pub const ORIGIN_SECRET_HEADER: &str = "x-origin-verify";
/// The header CloudFront adds with the viewer's address and port.
pub const VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

/// What the edge said about a request that carried the right secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThroughEdge {
    /// The viewer's address, when CloudFront sent it.
    pub viewer_ip: Option<String>,
}

/// A request without the origin secret, or with a wrong one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request did not come through the CDN")]
pub struct NotThroughEdge;

/// Checks the origin secret in constant time.
pub fn check(headers: &HeaderMap, secret: &str) -> Result<ThroughEdge, NotThroughEdge> {
    let given = headers
        .get(ORIGIN_SECRET_HEADER)
        .map(|v| v.as_bytes())
        .ok_or(NotThroughEdge)?;
    if !constant_time_eq(given, secret.as_bytes()) {
        return Err(NotThroughEdge);
    }
    Ok(ThroughEdge {
        viewer_ip: headers
            .get(VIEWER_ADDRESS_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(viewer_ip)
            .map(|ip| ip.to_string()),
    })
}

/// Removes the secret so that nothing after the check (handlers, logs) holds it.
pub fn strip(headers: &mut HeaderMap) {
    headers.remove(ORIGIN_SECRET_HEADER);
}

/// What the gateway layer does with a request behind the CDN (the Lambda adapter and the
/// runner alike): checks the secret, takes it off the request, and returns the viewer's
/// address when CloudFront sent one.
pub fn admit(headers: &mut HeaderMap, secret: &str) -> Result<Option<String>, NotThroughEdge> {
    let through = check(headers, secret);
    strip(headers);
    Ok(through?.viewer_ip)
}

/// The address of `CloudFront-Viewer-Address`: `198.51.100.10:46532`, or for IPv6
/// `2001:db8::1:46532` — the address, a colon, the port (CloudFront Developer Guide, "Add
/// CloudFront request headers").
pub fn viewer_ip(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    let (addr, port) = value.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    addr.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_addresses_in_both_families() {
        assert_eq!(
            viewer_ip("198.51.100.10:46532"),
            Some("198.51.100.10".parse().unwrap())
        );
        assert_eq!(
            viewer_ip("2001:db8:85a3::8a2e:370:7334:46532"),
            Some("2001:db8:85a3::8a2e:370:7334".parse().unwrap())
        );
        assert_eq!(
            viewer_ip("[2001:db8::1]:443"),
            Some("2001:db8::1".parse().unwrap())
        );
        for bad in [
            "",
            "198.51.100.10",
            "x:1",
            "198.51.100.10:port",
            "1.2.3.4:99999",
        ] {
            assert_eq!(viewer_ip(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_secret_must_match() {
        let mut h = HeaderMap::new();
        assert!(check(&h, "s3cret").is_err());
        h.insert(ORIGIN_SECRET_HEADER, "s3cre".parse().unwrap());
        assert!(check(&h, "s3cret").is_err());
        h.insert(ORIGIN_SECRET_HEADER, "s3cret".parse().unwrap());
        h.insert(VIEWER_ADDRESS_HEADER, "203.0.113.9:5000".parse().unwrap());
        assert_eq!(
            check(&h, "s3cret"),
            Ok(ThroughEdge {
                viewer_ip: Some("203.0.113.9".into())
            })
        );
        strip(&mut h);
        assert!(h.get(ORIGIN_SECRET_HEADER).is_none());
    }
}
