//! The one retry of the crate. A read-modify-write that lost a race (the store's conditional
//! write refused it: someone changed the record between the read and the write) is read and
//! tried again, a few times; any other error ends it. Idempotent clean-up calls that met a
//! passing store error are retried with a short backoff ([`with_backoff`]).

use std::future::Future;
use std::time::Duration;

/// How many times a read-modify-write is tried.
pub const ATTEMPTS: u32 = 5;

/// How one attempt ended when it did not succeed.
#[derive(Debug)]
pub enum Attempt<E> {
    /// The write lost a race: read again and retry.
    Lost,
    /// Anything else: returned as it is.
    Failed(E),
}

/// Runs `attempt` until it succeeds or fails otherwise than by losing a race, at most
/// [`ATTEMPTS`] times; `exhausted` is the error when every attempt lost.
pub async fn on_conflict<T, E, F, Fut>(
    exhausted: impl FnOnce() -> E,
    mut attempt: F,
) -> Result<T, E>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Attempt<E>>>,
{
    for n in 1..=ATTEMPTS {
        match attempt(n).await {
            Ok(v) => return Ok(v),
            Err(Attempt::Failed(e)) => return Err(e),
            Err(Attempt::Lost) => {
                tracing::debug!(attempt = n, "lost a race; reading again");
            }
        }
    }
    Err(exhausted())
}

/// Runs `call` up to `attempts` times while it fails with an error that `passing` says may
/// pass, waiting 20 ms, 40 ms, 80 ms… between tries; `what` names it in the log. Returns the
/// last error.
pub async fn with_backoff<T, E: std::fmt::Display, F, Fut>(
    what: &'static str,
    attempts: u32,
    passing: impl Fn(&E) -> bool,
    mut call: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut n = 0;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) if n + 1 >= attempts || !passing(&e) => return Err(e),
            Err(e) => {
                tracing::warn!(attempt = n, error = %e, "{what}: not done yet");
                tokio::time::sleep(Duration::from_millis(20 << n)).await;
                n += 1;
            }
        }
    }
}

impl From<crate::api::error::ApiError> for Attempt<crate::api::error::ApiError> {
    /// A concurrent update (the store's conditional write refused) is a lost race.
    fn from(e: crate::api::error::ApiError) -> Self {
        match e {
            crate::api::error::ApiError::ConcurrentUpdate => Attempt::Lost,
            e => Attempt::Failed(e),
        }
    }
}

impl From<crate::ports::StoreError> for Attempt<crate::api::error::ApiError> {
    fn from(e: crate::ports::StoreError) -> Self {
        crate::api::error::ApiError::from(e).into()
    }
}

impl From<crate::domain::DomainError> for Attempt<crate::api::error::ApiError> {
    fn from(e: crate::domain::DomainError) -> Self {
        Attempt::Failed(e.into())
    }
}

impl From<crate::ports::DocumentError> for Attempt<crate::api::error::ApiError> {
    fn from(e: crate::ports::DocumentError) -> Self {
        Attempt::Failed(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[tokio::test]
    async fn a_lost_race_is_tried_again_and_other_errors_end_it() {
        let tries = Cell::new(0);
        let r: Result<u32, &str> = on_conflict(
            || "exhausted",
            |n| {
                tries.set(n);
                async move { if n < 3 { Err(Attempt::Lost) } else { Ok(n) } }
            },
        )
        .await;
        assert_eq!((r, tries.get()), (Ok(3), 3));

        let r: Result<u32, &str> =
            on_conflict(|| "exhausted", |_| async { Err(Attempt::Failed("stale")) }).await;
        assert_eq!(r, Err("stale"));

        tries.set(0);
        let r: Result<u32, &str> = on_conflict(
            || "exhausted",
            |n| {
                tries.set(n);
                async { Err(Attempt::Lost) }
            },
        )
        .await;
        assert_eq!((r, tries.get()), (Err("exhausted"), ATTEMPTS));
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_retries_until_it_works_or_gives_up() {
        let tries = Cell::new(0u32);
        let r: Result<(), String> = with_backoff(
            "test",
            3,
            |_| true,
            || {
                tries.set(tries.get() + 1);
                let n = tries.get();
                async move {
                    if n < 2 {
                        Err("down".to_string())
                    } else {
                        Ok(())
                    }
                }
            },
        )
        .await;
        assert_eq!((r, tries.get()), (Ok(()), 2));
        tries.set(0);
        let r: Result<(), String> = with_backoff(
            "test",
            3,
            |_| true,
            || {
                tries.set(tries.get() + 1);
                async { Err("down".to_string()) }
            },
        )
        .await;
        assert_eq!((r, tries.get()), (Err("down".to_string()), 3));
        tries.set(0);
        let r: Result<(), String> = with_backoff(
            "test",
            3,
            |e| e != "taken",
            || {
                tries.set(tries.get() + 1);
                async { Err("taken".to_string()) }
            },
        )
        .await;
        assert_eq!((r, tries.get()), (Err("taken".to_string()), 1));
    }
}
