//! A deadline for request bodies. actix-web cuts off slow request heads
//! (`HttpServer::client_request_timeout`) but waits for a body as long as the client keeps the
//! connection open, so a client that stalls mid-body holds its request, and whatever it holds,
//! indefinitely. Every body read through the app (extractors, the CSRF check, the API and admin
//! forms) goes through this stream.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

/// A payload that fails with a timeout once its deadline passes.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<Sleep>>,
    timeout: Duration,
    fired: Rc<Cell<bool>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.fired.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.fired.set(true);
        let message = format!(
            "the request body did not arrive within {} s",
            self.timeout.as_secs_f32()
        );
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            message,
        )))))
    }
}

/// `payload` with a deadline `timeout` from now, and the flag that says it passed. A request
/// without a body is left alone.
pub(crate) fn limit(payload: Payload, timeout: Duration) -> (Payload, Rc<Cell<bool>>) {
    let fired = Rc::new(Cell::new(false));
    if matches!(payload, Payload::None) {
        return (payload, fired);
    }
    let stream = Deadline {
        inner: payload,
        sleep: Box::pin(tokio::time::sleep_until(Instant::now() + timeout)),
        timeout,
        fired: Rc::clone(&fired),
    };
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(stream);
    (Payload::from(boxed), fired)
}
