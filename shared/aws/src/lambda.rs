//! Running a function's router under AWS Lambda behind an HTTP API. API Gateway has verified
//! the caller's JWT; its claims and the source address arrive in the request context and are
//! turned here into the same request extensions the local runner sets.

use axum::Router;
use axum::extract::Request;
use lambda_http::request::RequestContext;
use perizinan::api::extract::RequestOrigin;
use perizinan::auth::{Authenticated, caller_from_claims};
use perizinan::domain::Origin;
use serde_json::{Map, Value};

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

/// Serves `router` as a Lambda function (HTTP API payload format 2.0).
pub async fn run_http(router: Router) -> Result<(), lambda_http::Error> {
    let app = router.layer(axum::middleware::map_request(
        |mut req: Request| async move {
            apply_gateway_context(&mut req);
            req
        },
    ));
    lambda_http::run(app).await
}
