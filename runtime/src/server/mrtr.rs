//! Multi round-trip requests (MCP 2026-07-28): how a handler's requests to the client become input requests.
//!
//! A 2026-07-28 server sends no requests. When a handler of `tools/call`, `prompts/get` or `resources/read`
//! asks the client for something ([`super::Context::elicit`], [`super::Context::create_message`],
//! [`super::Context::list_roots`]) and the request does not carry the answer, the handler is stopped and the
//! request is answered with an `input_required` result: the input requests, keyed, and a `requestState`
//! sealed with HMAC-SHA-256 that carries the answers of earlier rounds. The client answers and sends the
//! request again with `inputResponses` and the state; the handler runs again from the start, and each ask
//! it already made now finds its answer. Handler code is the same in both eras.

use crate::base64;
use crate::engine::{Outcome, Reply};
use crate::revision::hub;
use hmac::{Hmac, KeyInit, Mac};
use mcpgen_types::rpc::ErrorObject;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seals and opens `requestState`: the server's MAC key and how long a state stays valid.
pub(crate) struct Sealer {
    /// `None` when no random key could be made: input requests are then refused rather than sealed with a
    /// guessable key.
    key: Option<Vec<u8>>,
    ttl: Duration,
}

/// The shortest key [`Sealer::with_key`] takes.
pub(crate) const MIN_KEY: usize = 16;

/// The default validity of a `requestState`: long enough for a person to answer an elicitation.
pub(crate) const DEFAULT_TTL: Duration = Duration::from_secs(3600);

impl Sealer {
    /// A sealer with a fresh random 256-bit key; states it seals are valid in this process only.
    pub(crate) fn random(ttl: Duration) -> Sealer {
        let mut key = vec![0u8; 32];
        match getrandom::fill(&mut key) {
            Ok(()) => Sealer { key: Some(key), ttl },
            Err(e) => {
                tracing::error!("no random key for requestState ({e}): 2026-07-28 input requests are refused");
                Sealer { key: None, ttl }
            }
        }
    }

    /// A sealer with the given key (share one key between servers behind a load balancer); at least
    /// [`MIN_KEY`] bytes, which the builder checks.
    pub(crate) fn with_key(key: Vec<u8>, ttl: Duration) -> Sealer {
        Sealer { key: Some(key), ttl }
    }

    fn mac(&self, payload: &[u8]) -> Result<Hmac<Sha256>, ErrorObject> {
        let key = self.key.as_deref().ok_or_else(|| {
            ErrorObject::new(ErrorObject::INTERNAL_ERROR, "this server has no key to protect requestState with")
        })?;
        // HMAC takes keys of any length.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .map_err(|e| ErrorObject::new(ErrorObject::INTERNAL_ERROR, e.to_string()))?;
        mac.update(payload);
        Ok(mac)
    }

    /// `payload` as `base64(payload).base64(tag)`.
    fn seal(&self, payload: &Value) -> Result<String, ErrorObject> {
        let bytes = serde_json::to_vec(payload).unwrap_or_default();
        let tag = self.mac(&bytes)?.finalize().into_bytes();
        Ok(format!("{}.{}", base64::encode(&bytes), base64::encode(&tag)))
    }

    /// The payload of a state this server sealed, checked against the request it came back with.
    fn open(&self, state: &str, method: &str, digest: &str) -> Result<Sealed, ErrorObject> {
        let refuse = |why: &str| ErrorObject::new(ErrorObject::INVALID_PARAMS, format!("invalid requestState: {why}"));
        let (payload, tag) = state.split_once('.').ok_or_else(|| refuse("not a state this server issued"))?;
        let (Some(payload), Some(tag)) = (base64::decode(payload), base64::decode(tag)) else {
            return Err(refuse("not a state this server issued"));
        };
        self.mac(&payload)?.verify_slice(&tag).map_err(|_| refuse("integrity check failed"))?;
        let sealed: Sealed = serde_json::from_slice(&payload).map_err(|_| refuse("unreadable"))?;
        if sealed.method != method || sealed.digest != digest {
            return Err(refuse("issued for another request"));
        }
        if sealed.expires < now_secs() {
            return Err(refuse("expired; send the request again without it"));
        }
        Ok(sealed)
    }
}

/// What a `requestState` carries.
#[derive(serde::Serialize, serde::Deserialize)]
struct Sealed {
    #[serde(rename = "m")]
    method: String,
    /// SHA-256 of the request's params without `_meta`, `inputResponses` and `requestState`.
    #[serde(rename = "d")]
    digest: String,
    /// Unix seconds after which the state is refused.
    #[serde(rename = "x")]
    expires: u64,
    /// The answers of earlier rounds, by key.
    #[serde(rename = "a", default)]
    answers: BTreeMap<String, Value>,
    /// Values the handler remembered ([`super::Context::remember`]).
    #[serde(rename = "r", default)]
    remembered: BTreeMap<String, Value>,
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

/// One run of a handler that may ask for input: the answers it can use, and what it asked for.
pub(crate) struct Round {
    method: String,
    digest: String,
    answers: BTreeMap<String, Value>,
    asked: Mutex<Asked>,
    /// Fires when the run ended without an answer: asks still waiting (in tasks the handler spawned) end.
    over: tokio_util::sync::CancellationToken,
}

#[derive(Default)]
struct Asked {
    /// The input requests of this run, by key: `{method, params}`.
    requests: BTreeMap<String, Value>,
    /// The answers this run used (carried into the next state).
    used: BTreeSet<String>,
    /// Values remembered: from the state, plus those made in this run.
    remembered: BTreeMap<String, Value>,
    /// How many asks without a key this run made (their keys are `input-1`, `input-2`, …).
    unnamed: u32,
    /// How many asks this run made under each given key (the second is `key-2`, …).
    named: BTreeMap<String, u32>,
    /// Capabilities an ask needed and the client did not declare.
    missing: BTreeSet<&'static str>,
    /// The first answer that did not decode as what its ask needs.
    invalid: Option<ErrorObject>,
    waker: Option<Waker>,
}

impl Round {
    /// The round of a request: its `inputResponses`, and the answers in its `requestState` (checked).
    pub(crate) fn open(sealer: &Sealer, method: &str, params: Option<&Value>) -> Result<Round, ErrorObject> {
        let digest = digest(params);
        let mut answers = BTreeMap::new();
        let mut remembered = BTreeMap::new();
        match params.and_then(|p| p.get("requestState")) {
            None | Some(Value::Null) => {}
            Some(Value::String(state)) => {
                let sealed = sealer.open(state, method, &digest)?;
                answers = sealed.answers;
                remembered = sealed.remembered;
            }
            Some(_) => {
                return Err(ErrorObject::new(
                    ErrorObject::INVALID_PARAMS,
                    "invalid params: `requestState` must be a string",
                ));
            }
        }
        match params.and_then(|p| p.get("inputResponses")) {
            None | Some(Value::Null) => {}
            Some(Value::Object(responses)) => {
                // Answers sealed in an earlier round stand; a response cannot replace them.
                for (key, value) in responses {
                    answers.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
            Some(_) => {
                return Err(ErrorObject::new(
                    ErrorObject::INVALID_PARAMS,
                    "invalid params: `inputResponses` must be an object",
                ));
            }
        }
        let asked = Mutex::new(Asked { remembered, ..Asked::default() });
        Ok(Round { method: method.to_owned(), digest, answers, asked, over: Default::default() })
    }

    fn asked(&self) -> MutexGuard<'_, Asked> {
        // Plain data, never held across an await or user code.
        self.asked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer to the input request `method` under `key` (or the next unnamed key); without one, the
    /// request is recorded and this never resolves: the runtime stops the handler and asks the client.
    /// Returns the key with the answer; `None` when the run ended first (an ask from a spawned task).
    pub(crate) async fn ask(&self, key: Option<&str>, method: &str, params: Option<Value>) -> Option<(String, Value)> {
        match self.answer_or_record(key, method, params) {
            Ok(answered) => Some(answered),
            Err(()) => {
                self.over.cancelled().await;
                None
            }
        }
    }

    fn answer_or_record(&self, key: Option<&str>, method: &str, params: Option<Value>) -> Result<(String, Value), ()> {
        let mut asked = self.asked();
        let key = match key {
            Some(key) => {
                let count = asked.named.entry(key.to_owned()).or_insert(0);
                *count += 1;
                if *count == 1 { key.to_owned() } else { format!("{key}-{count}") }
            }
            None => {
                asked.unnamed += 1;
                format!("input-{}", asked.unnamed)
            }
        };
        if let Some(answer) = self.answers.get(&key) {
            asked.used.insert(key.clone());
            return Ok((key, answer.clone()));
        }
        let mut request = Map::new();
        request.insert("method".into(), Value::String(method.to_owned()));
        if let Some(params) = params {
            request.insert("params".into(), params);
        }
        asked.requests.entry(key).or_insert(Value::Object(request));
        if let Some(waker) = asked.waker.take() {
            waker.wake();
        }
        Err(())
    }

    /// Records that the answer under a key is not what its ask needs; a run that then fails is answered
    /// with this error.
    pub(crate) fn invalid(&self, error: ErrorObject) {
        self.asked().invalid.get_or_insert(error);
    }

    /// Records that an ask needed `capability` (e.g. `sampling.tools`) and the client did not declare it.
    pub(crate) fn missing(&self, capability: &'static str) {
        self.asked().missing.insert(capability);
    }

    /// The value remembered under `key`, from an earlier round or this run.
    pub(crate) fn remembered(&self, key: &str) -> Option<Value> {
        self.asked().remembered.get(key).cloned()
    }

    /// Remembers `value` under `key` (the first value stands).
    pub(crate) fn remember(&self, key: &str, value: Value) -> Value {
        self.asked().remembered.entry(key.to_owned()).or_insert(value).clone()
    }

    /// Whether this run used any answer (its result then depends on what this user answered).
    pub(crate) fn answered(&self) -> bool {
        !self.asked().used.is_empty()
    }

    /// Runs the handler until it finishes or asks for input it has no answer to.
    pub(crate) async fn drive<T>(&self, handler: Pin<Box<dyn Future<Output = T> + Send + '_>>) -> Option<T> {
        let mut handler = handler;
        let _end = self.over.clone().drop_guard();
        std::future::poll_fn(move |cx| {
            if let Poll::Ready(outcome) = handler.as_mut().poll(cx) {
                return Poll::Ready(Some(outcome));
            }
            let mut asked = self.asked();
            if !asked.requests.is_empty() {
                return Poll::Ready(None);
            }
            asked.waker = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// The `input_required` result of a run that asked for input.
    pub(crate) fn input_required(&self, sealer: &Sealer) -> Outcome {
        let asked = self.asked();
        let answers =
            asked.used.iter().filter_map(|k| self.answers.get_key_value(k)).map(|(k, v)| (k.clone(), v.clone()));
        let sealed = Sealed {
            method: self.method.clone(),
            digest: self.digest.clone(),
            expires: now_secs().saturating_add(sealer.ttl.as_secs()),
            answers: answers.collect(),
            remembered: asked.remembered.clone(),
        };
        let state = serde_json::to_value(&sealed).unwrap_or_default();
        Ok(json!({
            "resultType": "input_required",
            "inputRequests": asked.requests,
            "requestState": sealer.seal(&state)?,
        })
        .into())
    }

    /// A finished run's outcome: a failure after an answer that did not decode becomes that `-32602`; one
    /// after an ask the client's capabilities did not allow becomes `-32021` naming them.
    pub(crate) fn finish(&self, outcome: Outcome) -> Outcome {
        let asked = self.asked();
        let failed = match &outcome {
            Err(_) => true,
            Ok(Reply::Value(result)) => result.get("isError") == Some(&Value::Bool(true)),
            // Sessions of 2026-07-28 (the only ones with rounds) reply with values; text is read to be sure.
            Ok(Reply::Text(text)) => {
                serde_json::from_str::<Value>(text).ok().and_then(|r| r.get("isError").cloned())
                    == Some(Value::Bool(true))
            }
        };
        if let Some(invalid) = asked.invalid.clone().filter(|_| failed) {
            return Err(invalid);
        }
        if !failed || asked.missing.is_empty() {
            return outcome;
        }
        let required = required_capabilities(&asked.missing);
        let names: Vec<&str> = asked.missing.iter().copied().collect();
        Err(ErrorObject {
            code: super::modern::MISSING_REQUIRED_CLIENT_CAPABILITY,
            message: format!("this request needs the client capabilities {}", names.join(", ")),
            data: Some(json!({ "requiredCapabilities": required })),
        })
    }
}

/// `ClientCapabilities` declaring the dotted capability names (`sampling.tools` → `{sampling: {tools: {}}}`).
fn required_capabilities(names: &BTreeSet<&'static str>) -> Value {
    let mut root = Map::new();
    for name in names {
        let mut node = &mut root;
        for part in name.split('.') {
            let entry = node.entry(part.to_owned()).or_insert_with(|| json!({}));
            let Value::Object(next) = entry else { break };
            node = next;
        }
    }
    // Keep the shape typed: the result must decode as the handler revision's ClientCapabilities.
    debug_assert!(serde_json::from_value::<hub::ClientCapabilities>(Value::Object(root.clone())).is_ok());
    Value::Object(root)
}

/// SHA-256, in hex, of `params` without the members that change between rounds, with object keys sorted.
fn digest(params: Option<&Value>) -> String {
    let mut hasher = Sha256::new();
    if let Some(Value::Object(params)) = params {
        let kept = params.iter().filter(|(k, _)| !matches!(k.as_str(), "_meta" | "inputResponses" | "requestState"));
        canonical_object(kept, &mut hasher);
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn canonical_object<'a>(members: impl Iterator<Item = (&'a String, &'a Value)>, hasher: &mut Sha256) {
    let mut members: Vec<_> = members.collect();
    members.sort_by(|a, b| a.0.cmp(b.0));
    hasher.update(b"{");
    for (key, value) in members {
        hasher.update(serde_json::to_string(key).unwrap_or_default().as_bytes());
        hasher.update(b":");
        canonical(value, hasher);
        hasher.update(b",");
    }
    hasher.update(b"}");
}

fn canonical(value: &Value, hasher: &mut Sha256) {
    match value {
        Value::Object(object) => canonical_object(object.iter(), hasher),
        Value::Array(items) => {
            hasher.update(b"[");
            for item in items {
                canonical(item, hasher);
                hasher.update(b",");
            }
            hasher.update(b"]");
        }
        scalar => hasher.update(serde_json::to_string(scalar).unwrap_or_default().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::with_key(b"test key".to_vec(), DEFAULT_TTL)
    }

    #[test]
    fn a_state_opens_only_unchanged_and_for_its_request() {
        let sealer = sealer();
        let params = json!({"name": "t", "arguments": {"b": 1, "a": [1, 2]}});
        let round = Round::open(&sealer, "tools/call", Some(&params)).expect("round");
        round.asked().requests.insert("k".into(), json!({"method": "roots/list"}));
        let state = round.input_required(&sealer).expect("sealed").into_value()["requestState"]
            .as_str()
            .expect("state")
            .to_owned();
        // The same request, keys reordered and with round fields, opens it.
        let again = json!({"arguments": {"a": [1, 2], "b": 1}, "name": "t", "_meta": {"x": 1}, "requestState": state});
        assert!(Round::open(&sealer, "tools/call", Some(&again)).is_ok());
        let refused = |params: Value, method: &str, sealer: &Sealer| {
            Round::open(sealer, method, Some(&params)).err().map(|e| (e.code, e.message))
        };
        let tampered =
            json!({"name": "t", "arguments": {"b": 1, "a": [1, 2]}, "requestState": format!("{state}-TAMPERED")});
        assert!(refused(tampered, "tools/call", &sealer).is_some_and(|(code, _)| code == ErrorObject::INVALID_PARAMS));
        let other = json!({"name": "t", "arguments": {"b": 2, "a": [1, 2]}, "requestState": state});
        assert!(refused(other, "tools/call", &sealer).is_some_and(|(_, m)| m.contains("another request")));
        let same = json!({"name": "t", "arguments": {"b": 1, "a": [1, 2]}, "requestState": state});
        assert!(refused(same.clone(), "prompts/get", &sealer).is_some());
        let other_key = Sealer::with_key(b"another key".to_vec(), DEFAULT_TTL);
        assert!(refused(same, "tools/call", &other_key).is_some_and(|(_, m)| m.contains("integrity")));
    }

    #[test]
    fn an_expired_state_is_refused() {
        let sealer = Sealer::with_key(b"k".to_vec(), Duration::ZERO);
        let payload = Sealed {
            method: "tools/call".into(),
            digest: digest(None),
            expires: now_secs() - 1,
            answers: BTreeMap::new(),
            remembered: BTreeMap::new(),
        };
        let state = sealer.seal(&serde_json::to_value(payload).expect("payload")).expect("sealed");
        let error = sealer.open(&state, "tools/call", &digest(None)).err().expect("expired");
        assert!(error.message.contains("expired"), "{}", error.message);
    }

    #[test]
    fn required_capabilities_nest_dotted_names() {
        let names = BTreeSet::from(["sampling.tools", "elicitation.url", "roots"]);
        assert_eq!(
            required_capabilities(&names),
            json!({"sampling": {"tools": {}}, "elicitation": {"url": {}}, "roots": {}})
        );
    }
}
