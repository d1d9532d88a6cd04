//! MCP 2026-07-28 listen streams (`subscriptions/listen`): a long-lived request on which the server sends
//! the change notifications the client asked for, each tagged with the request's id as its subscription id.

use super::modern::Stateless;
use super::{ClientSession, ServerNotification};
use crate::engine::RequestOptions;
use crate::error::Error;
use crate::revision::hub;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// An open listen stream ([`crate::client::Client::listen`]): the notifications the server sends on it.
/// Dropping it ends the stream (over HTTP by closing it, on stdio with `notifications/cancelled`). The
/// notifications also reach the client's `on_notification` handler.
pub struct Subscription {
    key: String,
    honoured: hub::SubscriptionFilter,
    notifications: mpsc::UnboundedReceiver<ServerNotification>,
    /// Fires when the server ended the stream (or the connection did).
    ended: Option<oneshot::Receiver<Result<Value, Error>>>,
    task: tokio::task::JoinHandle<()>,
    session: Arc<ClientSession>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription").field("id", &self.key).field("honoured", &self.honoured).finish()
    }
}

impl Subscription {
    /// What the server agreed to send (its `notifications/subscriptions/acknowledged`): the requested
    /// filter without what it does not support.
    pub fn honoured(&self) -> &hub::SubscriptionFilter {
        &self.honoured
    }

    /// The next notification of the stream; `None` once the server (or the connection) ended it.
    pub async fn next(&mut self) -> Option<ServerNotification> {
        if let Some(ended) = &mut self.ended {
            tokio::select! {
                biased;
                notification = self.notifications.recv() => return notification,
                _ = ended => {
                    self.ended = None;
                    self.session.listens().active.remove(&self.key);
                }
            }
        }
        self.notifications.try_recv().ok()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // Dropping the request's future cancels it, which closes the stream.
        self.task.abort();
        self.session.listens().active.remove(&self.key);
    }
}

/// The listen streams of one client.
#[derive(Default)]
pub(super) struct Listens {
    /// A `subscriptions/listen` sent and not acknowledged yet ([`open`] sends one at a time, so the next
    /// acknowledgement is its).
    pending: Option<Pending>,
    /// Acknowledged streams by subscription id (as JSON text).
    active: HashMap<String, mpsc::UnboundedSender<ServerNotification>>,
}

struct Pending {
    acknowledged: oneshot::Sender<(String, Value)>,
    notifications: mpsc::UnboundedSender<ServerNotification>,
}

impl ClientSession {
    pub(super) fn listens(&self) -> MutexGuard<'_, Listens> {
        self.listens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where a notification of the listen stream `key` goes; an acknowledgement claims `key` for the stream
    /// being opened (and goes no further: [`Subscription::honoured`] holds what it says).
    pub(super) fn listener(
        &self,
        method: &str,
        key: &str,
        params: Option<&Value>,
    ) -> Option<mpsc::UnboundedSender<ServerNotification>> {
        let mut listens = self.listens();
        if method == "notifications/subscriptions/acknowledged" {
            if !listens.active.contains_key(key)
                && let Some(pending) = listens.pending.take()
            {
                listens.active.insert(key.to_owned(), pending.notifications);
                let _ = pending.acknowledged.send((key.to_owned(), params.cloned().unwrap_or(Value::Null)));
            }
            return None;
        }
        listens.active.get(key).cloned()
    }
}

/// Sends `subscriptions/listen` for `filter` and waits (at most `timeout`) for the server's
/// acknowledgement.
pub(super) async fn open(
    modern: Arc<Stateless>,
    session: Arc<ClientSession>,
    filter: hub::SubscriptionFilter,
    timeout: Duration,
) -> Result<Subscription, Error> {
    // One stream opens at a time: the acknowledgement names the stream by a request id only the engine knows.
    let _one_at_a_time = session.opening.lock().await;
    let (acknowledged_tx, acknowledged) = oneshot::channel();
    let (notifications_tx, notifications) = mpsc::unbounded_channel();
    session.listens().pending = Some(Pending { acknowledged: acknowledged_tx, notifications: notifications_tx });
    let (ended_tx, mut ended) = oneshot::channel();
    let params = json!({"notifications": filter});
    let task = tokio::spawn(async move {
        // The stream lasts until either side ends it.
        let forever = RequestOptions { timeout: Duration::MAX, max_timeout: Duration::MAX, reset_on_progress: false };
        let outcome = modern.request("subscriptions/listen", Some(params), None, &forever).await;
        let _ = ended_tx.send(outcome);
    });
    let waited = tokio::time::timeout(timeout, async {
        tokio::select! {
            biased;
            acknowledged = acknowledged => Ok(acknowledged),
            outcome = &mut ended => Err(outcome),
        }
    })
    .await;
    let failed = |e: Error| {
        session.listens().pending = None;
        task.abort();
        Err(e)
    };
    match waited {
        Ok(Ok(Ok((key, params)))) => {
            let honoured =
                params.get("notifications").and_then(|n| serde_json::from_value(n.clone()).ok()).unwrap_or_default();
            Ok(Subscription { key, honoured, notifications, ended: Some(ended), task, session: Arc::clone(&session) })
        }
        Ok(Ok(Err(_))) => failed(Error::Closed),
        Ok(Err(Ok(Ok(_)))) => {
            failed(Error::Protocol("the server ended the listen stream before acknowledging it".to_owned()))
        }
        Ok(Err(Ok(Err(e)))) => failed(e),
        Ok(Err(Err(_))) => failed(Error::Closed),
        Err(_) => failed(Error::Timeout(timeout)),
    }
}
