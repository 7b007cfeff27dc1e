//! Running a function's router under AWS Lambda behind an HTTP API. API Gateway has verified
//! the caller's JWT; its claims and the source address arrive in the request context and are
//! turned here into the same request extensions the local runner sets.

use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::IntoResponse;
use lambda_http::request::RequestContext;
use perizinan::api::edge;
use perizinan::api::error::ApiError;
use perizinan::api::extract::RequestOrigin;
use perizinan::auth::{Authenticated, caller_from_claims};
use perizinan::domain::Origin;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Moves the gateway's request context into [`Authenticated`] and [`RequestOrigin`].
pub fn apply_gateway_context(req: &mut Request) {
    let Some(RequestContext::ApiGatewayV2(ctx)) = req.extensions().get::<RequestContext>().cloned()
    else {
        return;
    };
    let claims = ctx
        .authorizer
        .as_ref()
        .and_then(|a| a.jwt.as_ref())
        .map(|jwt| {
            jwt.claims
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect::<Map<String, Value>>()
        });
    if let Some(caller) = claims.as_ref().and_then(caller_from_claims) {
        req.extensions_mut().insert(Authenticated(caller));
    }
    req.extensions_mut().insert(RequestOrigin(Origin {
        source_ip: ctx.http.source_ip.clone(),
        request_id: ctx.request_id.clone(),
    }));
}

/// Behind CloudFront (`PD_ORIGIN_SECRET` set, as in the stack): a request without the origin
/// secret is refused with 403 `origin_not_allowed`; one with it has the viewer's address from
/// `CloudFront-Viewer-Address` as its source. The secret is taken off the request either way.
pub fn apply_edge(req: &mut Request, secret: Option<&str>) -> Result<(), ApiError> {
    let Some(secret) = secret else {
        return Ok(());
    };
    let viewer = edge::admit(req.headers_mut(), secret).map_err(|_| ApiError::NotThroughEdge)?;
    if let Some(ip) = viewer
        && let Some(o) = req.extensions_mut().get_mut::<RequestOrigin>()
    {
        o.0.source_ip = Some(ip);
    }
    Ok(())
}

/// Serves `router` as a Lambda function (HTTP API payload format 2.0).
pub async fn run_http(router: Router) -> Result<(), lambda_http::Error> {
    let secret: Option<Arc<str>> = perizinan::settings::Settings::from_env()
        .ok()
        .and_then(|s| s.origin_secret)
        .map(|s| Arc::from(String::from_utf8_lossy(&s.0).as_ref()));
    let app = router.layer(axum::middleware::from_fn(
        move |mut req: Request, next: Next| {
            let secret = secret.clone();
            async move {
                apply_gateway_context(&mut req);
                if let Err(e) = apply_edge(&mut req, secret.as_deref()) {
                    return e.into_response();
                }
                next.run(req).await
            }
        },
    ));
    lambda_http::run(app).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut b = axum::http::Request::builder().uri("/cases");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let mut req = b.body(Body::empty()).unwrap();
        req.extensions_mut().insert(RequestOrigin(Origin {
            source_ip: Some("130.176.1.1".into()), // a CloudFront edge address
            request_id: Some("r-1".into()),
        }));
        req
    }

    #[test]
    fn behind_cloudfront_the_secret_is_required_and_the_viewer_is_the_source() {
        // Not behind CloudFront (no secret configured): untouched.
        let mut req = request(&[]);
        assert!(apply_edge(&mut req, None).is_ok());
        for headers in [vec![], vec![("x-origin-verify", "wrong")]] {
            let mut req = request(&headers);
            assert!(matches!(
                apply_edge(&mut req, Some("s3cret")),
                Err(ApiError::NotThroughEdge)
            ));
            assert!(req.headers().get("x-origin-verify").is_none());
        }
        let mut req = request(&[
            ("x-origin-verify", "s3cret"),
            ("cloudfront-viewer-address", "203.0.113.9:50000"),
        ]);
        assert!(apply_edge(&mut req, Some("s3cret")).is_ok());
        assert!(
            req.headers().get("x-origin-verify").is_none(),
            "no handler sees it"
        );
        let origin = req.extensions().get::<RequestOrigin>().unwrap();
        assert_eq!(origin.0.source_ip.as_deref(), Some("203.0.113.9"));
    }
}
