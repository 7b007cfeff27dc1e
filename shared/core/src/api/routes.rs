//! The route table: every function declares its routes here, so that the OpenAPI document, the
//! SAM template's API events and the authorization matrix test can all be checked against the
//! routes that actually exist.

use super::{AppState, FnRouter};
use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodRouter, get, post, put};
use http::Method;

/// Who may call a route at the gateway: anyone, or a signed-in user (the function then checks
/// roles and ownership).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    SignedIn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub function: &'static str,
    pub method: Method,
    pub path: String,
    pub access: Access,
}

pub struct Routes {
    function: &'static str,
    router: FnRouter,
    table: Vec<RouteInfo>,
}

impl Routes {
    pub fn new(function: &'static str) -> Self {
        Self {
            function,
            router: Router::new(),
            table: vec![],
        }
    }

    /// Adds a route with its own method router (for layers, closures).
    pub fn route(
        mut self,
        method: Method,
        path: impl Into<String>,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Self {
        let path = path.into();
        self.router = self.router.route(&path, handler);
        self.table.push(RouteInfo {
            function: self.function,
            method,
            path,
            access,
        });
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.route(Method::GET, path, Access::SignedIn, get(h))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.route(Method::POST, path, Access::SignedIn, post(h))
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.route(Method::PUT, path, Access::SignedIn, put(h))
    }

    pub fn public_get<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.route(Method::GET, path, Access::Public, get(h))
    }

    pub fn public_post<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.route(Method::POST, path, Access::Public, post(h))
    }

    pub fn table(&self) -> &[RouteInfo] {
        &self.table
    }

    pub fn into_parts(self) -> (FnRouter, Vec<RouteInfo>) {
        (self.router, self.table)
    }

    pub fn into_router(self) -> FnRouter {
        self.router
    }
}
