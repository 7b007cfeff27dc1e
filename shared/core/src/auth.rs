//! Identity from verified claims. In AWS the HTTP API's JWT authorizer verifies Cognito tokens
//! and hands the claims over in the request context; locally the runner verifies its own
//! HS256 tokens and hands over the same claims. Either way the functions read a [`Caller`]
//! built here and never parse a token themselves.

use crate::domain::{Caller, Role};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

/// The claims the gateway verified, as a request extension.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

/// Reads Cognito-style claims: `sub`, `name` (or `cognito:username`), `email`, and the roles in
/// `cognito:groups`, which arrives as a JSON array in a token and as a string such as
/// `[applicant]` or `[front_office back_office]` from an HTTP API authorizer. Unknown groups are
/// ignored; a user in no known group is an applicant (self sign-up). `None` without a subject.
pub fn caller_from_claims(claims: &Map<String, Value>) -> Option<Caller> {
    let s = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_string);
    let sub = s("sub").filter(|v| !v.is_empty())?;
    let groups: Vec<String> = match claims.get("cognito:groups") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(g)) => g
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split([' ', ','])
            .map(|x| x.trim().trim_matches('"').to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        _ => vec![],
    };
    let mut roles: Vec<Role> = groups.iter().filter_map(|g| g.parse().ok()).collect();
    if roles.is_empty() {
        // A signed-in user in no group signed themselves up: an applicant. Staff roles are
        // granted only by putting the user in a group.
        roles.push(Role::applicant());
    }
    roles.sort();
    roles.dedup();
    // A staff member's name goes on decisions, letters and the audit trail: it is the
    // directory's (`custom:staff_name`, which only administrators can write — the app client's
    // WriteAttributes leave it out), never the self-editable `name` (issue 17 finding 5).
    let name = if roles.iter().any(Role::is_staff) {
        s(STAFF_NAME_CLAIM).filter(|n| !n.trim().is_empty())
    } else {
        s("name")
    };
    // The office is an attribute only administrators write (the app client's WriteAttributes
    // leave `custom:office` out): staff cannot move themselves. Without one, staff of a
    // deployment of one office are that office's; with many, they are no office's.
    let office = s(OFFICE_CLAIM)
        .and_then(|o| crate::domain::office::OfficeCode::parse(&o))
        .or_else(crate::domain::office::sole_office);
    // An HTTP API authorizer hands claims over as strings; a token has numbers.
    let issued_at = match claims.get("iat") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(v)) => v.trim().parse().ok(),
        _ => None,
    };
    Some(Caller {
        office: office.filter(|_| roles.iter().any(Role::is_staff)),
        acting: vec![],
        issued_at,
        name: name
            .or_else(|| s("email"))
            .or_else(|| s("cognito:username"))
            .unwrap_or_else(|| sub.clone()),
        email: s("email"),
        sub,
        roles,
    })
}

/// A staff member's office (a Cognito custom attribute set by administrators).
pub const OFFICE_CLAIM: &str = "custom:office";

/// The directory's name of a staff member (a Cognito custom attribute set by administrators).
pub const STAFF_NAME_CLAIM: &str = "custom:staff_name";

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("unsupported algorithm")]
    Algorithm,
    #[error("bad signature")]
    Signature,
    #[error("expired")]
    Expired,
    #[error("wrong issuer or audience")]
    Audience,
}

/// Issuer and audience of locally issued tokens.
pub const LOCAL_ISSUER: &str = "perizinan-digital-local";
pub const LOCAL_AUDIENCE: &str = "perizinan-digital";

/// Issues an HS256 JWT with `claims` plus iss/aud/iat/exp (the local runner's dev login).
pub fn issue_local_token(key: &[u8], mut claims: Map<String, Value>, now: i64, ttl: i64) -> String {
    claims.insert("iss".into(), json!(LOCAL_ISSUER));
    claims.insert("aud".into(), json!(LOCAL_AUDIENCE));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + ttl));
    claims.insert("token_use".into(), json!("id"));
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{sig}")
}

/// Verifies a locally issued token: algorithm HS256 only, signature (constant time), expiry,
/// issuer and audience. Returns its claims.
pub fn verify_local_token(
    key: &[u8],
    token: &str,
    now: i64,
) -> Result<Map<String, Value>, TokenError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let header: Value = URL_SAFE_NO_PAD
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::Malformed)?;
    if header.get("alg") != Some(&json!("HS256")) {
        return Err(TokenError::Algorithm);
    }
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| TokenError::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(h.as_bytes());
    mac.update(b".");
    mac.update(p.as_bytes());
    mac.verify_slice(&sig).map_err(|_| TokenError::Signature)?;
    let claims: Map<String, Value> = URL_SAFE_NO_PAD
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::Malformed)?;
    if claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_none_or(|e| e <= now)
    {
        return Err(TokenError::Expired);
    }
    if claims.get("iss") != Some(&json!(LOCAL_ISSUER))
        || claims.get("aud") != Some(&json!(LOCAL_AUDIENCE))
    {
        return Err(TokenError::Audience);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(groups: Value) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("sub".into(), json!("u-1"));
        m.insert("name".into(), json!("Andi"));
        m.insert("cognito:groups".into(), groups);
        m
    }

    #[test]
    fn groups_in_every_shape() {
        for g in [
            json!(["front_office", "back_office"]),
            json!("[front_office back_office]"),
            json!("[\"front_office\",\"back_office\"]"),
        ] {
            let c = caller_from_claims(&claims(g)).unwrap();
            assert_eq!(
                c.roles,
                [Role::new("back_office"), Role::new("front_office")]
            );
        }
        let c = caller_from_claims(&claims(json!("[admin]"))).unwrap();
        assert_eq!(
            c.roles,
            [Role::applicant()],
            "self-signed-up users are applicants"
        );
        assert!(caller_from_claims(&Map::new()).is_none());
    }

    #[test]
    fn staff_names_come_from_the_directory_not_the_user() {
        // The user set `name` to someone else's; the letter and the audit trail must not care.
        let mut m = claims(json!(["agency_head"]));
        m.insert("name".into(), json!("Walikota Bontang"));
        m.insert("email".into(), json!("kepala@dpmptsp.test"));
        assert_eq!(
            caller_from_claims(&m).unwrap().name,
            "kepala@dpmptsp.test",
            "no directory name yet: the verified e-mail, not the self-written name"
        );
        m.insert(STAFF_NAME_CLAIM.into(), json!("Drs. H. Andi Pratama"));
        assert_eq!(caller_from_claims(&m).unwrap().name, "Drs. H. Andi Pratama");
        // An applicant's own name is theirs to write.
        assert_eq!(
            caller_from_claims(&claims(json!(["applicant"])))
                .unwrap()
                .name,
            "Andi"
        );
    }

    #[test]
    fn local_tokens() {
        let key = b"secret";
        let t = issue_local_token(key, claims(json!(["applicant"])), 1000, 60);
        assert_eq!(verify_local_token(key, &t, 1010).unwrap()["sub"], "u-1");
        assert_eq!(verify_local_token(key, &t, 1060), Err(TokenError::Expired));
        assert_eq!(
            verify_local_token(b"other", &t, 1010),
            Err(TokenError::Signature)
        );
        // A token re-signed with "none" is refused.
        let mut parts: Vec<&str> = t.split('.').collect();
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        parts[0] = &none;
        assert_eq!(
            verify_local_token(key, &parts.join("."), 1010),
            Err(TokenError::Algorithm)
        );
        // A changed payload breaks the signature.
        let forged = URL_SAFE_NO_PAD.encode(
            br#"{"sub":"u-1","cognito:groups":["agency_head"],"exp":99999,"iss":"perizinan-digital-local","aud":"perizinan-digital"}"#,
        );
        let f = format!(
            "{}.{}.{}",
            t.split('.').next().unwrap(),
            forged,
            t.split('.').nth(2).unwrap()
        );
        assert_eq!(
            verify_local_token(key, &f, 1010),
            Err(TokenError::Signature)
        );
    }
}
