//! The MCP server: register tools, resources, prompts and completion, then serve any transport.
//!
//! Everything is written against the handler revision ([`hub`]); each session negotiates a legacy
//! revision with its client and the runtime converts on the wire.

mod context;
pub mod modern;
mod mrtr;
mod session;
mod tool;
pub mod uri_template;

pub use context::{ClientHandle, Context};
pub use tool::{IntoToolResult, Tool, ToolError, prompt_messages, text, text_resource};

use crate::engine::{self, BoxFuture, ConnectionOptions, Peer};
use crate::error::Error;
use crate::revision::{ProtocolVersion, hub};
use crate::transport::Transport;
use mcpgen_types::rpc::{ErrorObject, JsonObject};
use session::Session;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use uri_template::UriTemplate;

/// A server definition: what it offers and how it answers. Cheap to clone; serve it on as many
/// connections as needed.
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    info: hub::Implementation,
    instructions: Option<String>,
    capabilities: Option<hub::ServerCapabilities>,
    registry: RwLock<Registry>,
    completion: Option<CompletionFn>,
    pub(crate) roots_changed: Option<RootsChangedFn>,
    page_size: usize,
    options: ConnectionOptions,
    versions: Vec<ProtocolVersion>,
    /// Seals the `requestState` of 2026-07-28 input-required results.
    pub(crate) sealer: mrtr::Sealer,
    /// Changes announced to the 2026-07-28 listen streams (`subscriptions/listen`).
    pub(crate) changes: tokio::sync::broadcast::Sender<Change>,
    cache: BTreeMap<CacheableKey, CacheHint>,
    /// What the stateless requests answered without a connection share.
    #[cfg(feature = "http-server")]
    alone: engine::Alone,
    /// Counts the changes of the registry, so that what was derived from it can tell it is out of date.
    generation: AtomicU64,
}

/// The sessions stateless requests are answered on, one per revision, kept by the HTTP server (not by
/// [`Inner`], which each session points to): initialized at their revision, declaring no client
/// capabilities, and shared by all such requests while the registry (which decides what a session
/// declares) stays the same. A shared session keeps nothing a request asks it to (`logging/setLevel`,
/// `resources/subscribe`), so no request changes what the next one finds ([`Session::shared`]).
#[cfg(feature = "http-server")]
#[derive(Default)]
pub(crate) struct StatelessSessions(std::sync::Mutex<Vec<StatelessSession>>);

/// A kept session, and the registry generation it was made at.
#[cfg(feature = "http-server")]
struct StatelessSession {
    version: ProtocolVersion,
    generation: u64,
    session: Arc<Session>,
}

#[cfg(feature = "http-server")]
impl StatelessSessions {
    /// The kept session of `version`, made (again) when there is none or the registry changed since.
    fn get(&self, inner: &Arc<Inner>, version: ProtocolVersion) -> Arc<Session> {
        let generation = inner.generation.load(Ordering::Relaxed);
        let fresh = || Arc::new(Session::shared(Arc::clone(inner), version));
        let mut kept = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(k) = kept.iter_mut().find(|k| k.version == version) else {
            let session = fresh();
            kept.push(StatelessSession { version, generation, session: Arc::clone(&session) });
            return session;
        };
        // One newer than this request's count (another request remade it meanwhile) is as good.
        if k.generation < generation {
            (k.session, k.generation) = (fresh(), generation);
        }
        Arc::clone(&k.session)
    }
}

/// A change a 2026-07-28 listen stream may have asked to hear about.
#[derive(Clone, Debug)]
pub(crate) enum Change {
    Tools,
    Prompts,
    Resources,
    Resource(Arc<str>),
}

impl Change {
    /// The notification (method, and `uri` for a resource) a listen stream with `filter` gets for this
    /// change; `None` when the filter does not ask for it.
    pub(crate) fn notification(&self, filter: &hub::SubscriptionFilter) -> Option<(&'static str, Option<String>)> {
        let asked = |flag: Option<bool>| flag == Some(true);
        match self {
            Change::Tools if asked(filter.tools_list_changed) => Some(("notifications/tools/list_changed", None)),
            Change::Prompts if asked(filter.prompts_list_changed) => Some(("notifications/prompts/list_changed", None)),
            Change::Resources if asked(filter.resources_list_changed) => {
                Some(("notifications/resources/list_changed", None))
            }
            Change::Resource(uri) if filter.resource_subscriptions.iter().flatten().any(|s| **s == **uri) => {
                Some(("notifications/resources/updated", Some(uri.to_string())))
            }
            _ => None,
        }
    }
}

/// How many changes a listen stream may fall behind by before it is told that every list changed.
const CHANGES_BUFFERED: usize = 64;

#[derive(Default)]
pub(crate) struct Registry {
    tools: Vec<Arc<Tool>>,
    resources: Vec<Resource>,
    templates: Vec<ResourceTemplate>,
    prompts: Vec<Arc<Prompt>>,
}

pub(crate) type ReadFn = Arc<
    dyn Fn(
            String,
            BTreeMap<String, String>,
            Context,
        ) -> BoxFuture<Result<Vec<hub::ReadResourceResultContentsItem>, ErrorObject>>
        + Send
        + Sync,
>;
type PromptFn = Arc<
    dyn Fn(BTreeMap<String, String>, Context) -> BoxFuture<Result<hub::GetPromptResult, ErrorObject>> + Send + Sync,
>;
pub(crate) type RootsChangedFn = Arc<dyn Fn(ClientHandle) -> BoxFuture<()> + Send + Sync>;
type CompletionFn = Arc<
    dyn Fn(hub::CompleteRequestParams, Context) -> BoxFuture<Result<hub::CompleteResult, ErrorObject>> + Send + Sync,
>;

impl Registry {
    /// Adds a tool, replacing one of the same name.
    fn add_tool(&mut self, mut tool: Tool) {
        let schema = serde_json::to_value(&tool.def.input_schema).ok();
        tool.mirrored = schema.filter(|s| s.to_string().contains("\"x-mcp-header\"")).map(Arc::new);
        self.tools.retain(|t| t.def.name != tool.def.name);
        self.tools.push(Arc::new(tool));
    }
}

/// A 2026-07-28 caching hint: how long a client may reuse a result (`ttlMs`) and whether caches shared
/// between users may keep it (`cacheScope`). Legacy revisions have no such fields and never see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheHint {
    /// How long the result stays fresh; zero means revalidate every time.
    pub ttl: Duration,
    /// `public`: the same for every user, shareable; `private` (the default): only for the authorization
    /// context that fetched it.
    pub public: bool,
}

impl CacheHint {
    /// Stale at once, private: the default, which never lets a client serve something out of date.
    pub const NONE: CacheHint = CacheHint { ttl: Duration::ZERO, public: false };

    /// Fresh for `ttl`, for this user only.
    pub const fn private(ttl: Duration) -> CacheHint {
        CacheHint { ttl, public: false }
    }

    /// Fresh for `ttl`, the same for every user.
    pub const fn public(ttl: Duration) -> CacheHint {
        CacheHint { ttl, public: true }
    }

    /// `ttlMs`, saturating at 2^53 − 1 (the largest integer every JSON reader keeps exactly).
    pub(crate) fn ttl_ms(&self) -> u64 {
        u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX).min((1 << 53) - 1)
    }
}

/// The results a 2026-07-28 server gives caching hints on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cacheable {
    /// `server/discover`.
    Discover,
    /// `tools/list`.
    Tools,
    /// `prompts/list`.
    Prompts,
    /// `resources/list`.
    Resources,
    /// `resources/templates/list`.
    ResourceTemplates,
    /// `resources/read`, for resources without a hint of their own ([`Resource::cache`]).
    ResourceRead,
}

/// A fixed resource: its listing and how to read it.
#[derive(Clone)]
pub struct Resource {
    def: hub::Resource,
    read: ReadFn,
    cache: Option<CacheHint>,
}

impl Resource {
    /// Sets the caching hint of this resource's `resources/read` results (default: the server's, see
    /// [`ServerBuilder::cache_hint`]).
    pub fn cache(mut self, hint: CacheHint) -> Self {
        self.cache = Some(hint);
        self
    }
}

impl ResourceTemplate {
    /// Sets the caching hint of `resources/read` results of the resources this template matches (default:
    /// the server's, see [`ServerBuilder::cache_hint`]).
    pub fn cache(mut self, hint: CacheHint) -> Self {
        self.cache = Some(hint);
        self
    }
}

impl Resource {
    /// A resource at `uri`, read by `read` (which gets the URI and the handler context).
    pub fn new<F, Fut>(uri: impl Into<String>, name: impl Into<String>, read: F) -> Resource
    where
        F: Fn(String, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<hub::ReadResourceResultContentsItem>, ErrorObject>> + Send + 'static,
    {
        let read = Arc::new(read);
        let read: ReadFn = Arc::new(move |uri, _, cx| Box::pin(read(uri, cx)));
        Resource { def: hub::Resource { uri: uri.into(), name: name.into(), ..Default::default() }, read, cache: None }
    }
}

/// A family of resources named by an RFC 6570 URI template (`file:///{path}`).
#[derive(Clone)]
pub struct ResourceTemplate {
    def: hub::ResourceTemplate,
    template: UriTemplate,
    read: ReadFn,
    cache: Option<CacheHint>,
}

impl ResourceTemplate {
    /// A template; `read` gets the requested URI and the variables matched from it.
    ///
    /// # Panics
    /// If `template` is not a valid URI template (a programming error found at startup).
    pub fn new<F, Fut>(template: &str, name: impl Into<String>, read: F) -> ResourceTemplate
    where
        F: Fn(String, BTreeMap<String, String>, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<hub::ReadResourceResultContentsItem>, ErrorObject>> + Send + 'static,
    {
        let parsed = match UriTemplate::parse(template) {
            Ok(parsed) => parsed,
            Err(e) => panic!("resource template `{template}`: {e}"),
        };
        let read = Arc::new(read);
        let read: ReadFn = Arc::new(move |uri, vars, cx| Box::pin(read(uri, vars, cx)));
        let def = hub::ResourceTemplate { uri_template: template.to_owned(), name: name.into(), ..Default::default() };
        ResourceTemplate { def, template: parsed, read, cache: None }
    }
}

/// A prompt: its listing (with arguments) and how to render it.
#[derive(Clone)]
pub struct Prompt {
    def: hub::Prompt,
    get: PromptFn,
}

impl Prompt {
    /// A prompt rendered by `get`, which receives the arguments by name. Required arguments are checked
    /// before `get` runs.
    pub fn new<F, Fut>(name: impl Into<String>, get: F) -> Prompt
    where
        F: Fn(BTreeMap<String, String>, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<hub::GetPromptResult, ErrorObject>> + Send + 'static,
    {
        let get = Arc::new(get);
        let get: PromptFn = Arc::new(move |args, cx| Box::pin(get(args, cx)));
        Prompt { def: hub::Prompt { name: name.into(), ..Default::default() }, get }
    }

    /// Adds an argument.
    pub fn argument(mut self, name: impl Into<String>, description: impl Into<String>, required: bool) -> Self {
        let argument = hub::PromptArgument {
            name: name.into(),
            description: Some(description.into()),
            required: Some(required),
            ..Default::default()
        };
        self.def.arguments.get_or_insert_with(Vec::new).push(argument);
        self
    }
}

/// The optional text fields of a listing (`description`, `mime_type`, `title`), set by name.
macro_rules! listing_setters {
    ($ty:ident: $($field:ident => $doc:literal),*) => {
        impl $ty {
            $(
                #[doc = $doc]
                pub fn $field(mut self, $field: impl Into<String>) -> Self {
                    self.def.$field = Some($field.into());
                    self
                }
            )*
        }
    };
}

listing_setters!(Resource: description => "Sets the description.", mime_type => "Sets the MIME type.", title => "Sets the display title.");
listing_setters!(ResourceTemplate: description => "Sets the description.", mime_type => "Sets the MIME type.", title => "Sets the display title.");
listing_setters!(Prompt: description => "Sets the description.", title => "Sets the display title.");

/// Builds a [`Server`].
pub struct ServerBuilder {
    info: hub::Implementation,
    instructions: Option<String>,
    capabilities: Option<hub::ServerCapabilities>,
    registry: Registry,
    completion: Option<CompletionFn>,
    roots_changed: Option<RootsChangedFn>,
    page_size: usize,
    options: ConnectionOptions,
    versions: Vec<ProtocolVersion>,
    request_state_key: Option<Vec<u8>>,
    request_state_ttl: Duration,
    cache: BTreeMap<CacheableKey, CacheHint>,
}

/// [`Cacheable`] as a map key (the enum is non-exhaustive and carries no order of its own).
type CacheableKey = u8;

impl Server {
    /// Starts a server definition with its name and version (`serverInfo`).
    pub fn builder(name: impl Into<String>, version: impl Into<String>) -> ServerBuilder {
        ServerBuilder {
            info: hub::Implementation { name: name.into(), version: version.into(), ..Default::default() },
            instructions: None,
            capabilities: None,
            registry: Registry::default(),
            completion: None,
            roots_changed: None,
            page_size: 50,
            options: ConnectionOptions::default(),
            versions: ProtocolVersion::ENABLED.to_vec(),
            request_state_key: None,
            request_state_ttl: mrtr::DEFAULT_TTL,
            cache: BTreeMap::new(),
        }
    }

    /// Serves one connection on `transport`. The returned handle sends notifications and waits for the end.
    pub fn serve<T: Transport>(&self, transport: T) -> ServerHandle {
        self.serve_session(transport, Session::new(Arc::clone(&self.inner)))
    }

    /// Serves one request-scoped connection whose client skipped `initialize` (stateless HTTP), as if it
    /// had negotiated `version` and declared no capabilities.
    #[cfg(feature = "http-server")]
    pub(crate) fn serve_initialized<T: Transport>(&self, transport: T, version: ProtocolVersion) -> ServerHandle {
        self.serve_session(transport, Session::initialized(Arc::clone(&self.inner), version))
    }

    /// Answers one request of a client that keeps no session (stateless Streamable HTTP with JSON answers)
    /// at `version`, on the caller's task, without a connection: the response frame. It is answered on the
    /// session `sessions` keep for `version`. `ending` fires when the HTTP server shuts down; the request
    /// then gets the usual drain.
    #[cfg(feature = "http-server")]
    pub(crate) async fn answer_stateless(
        &self,
        version: ProtocolVersion,
        request: engine::Incoming,
        sessions: &StatelessSessions,
        ending: tokio_util::sync::CancellationToken,
    ) -> String {
        engine::answer_alone(sessions.get(&self.inner, version), request, &self.inner.alone, ending).await
    }

    /// Serves one request-scoped connection of a 2026-07-28 client: every request is validated on its own.
    /// `ending` fires when the HTTP server shuts down, which ends the connection's listen streams.
    #[cfg(feature = "http-server")]
    pub(crate) fn serve_modern<T: Transport>(
        &self,
        transport: T,
        ending: tokio_util::sync::CancellationToken,
    ) -> ServerHandle {
        let session = Arc::new(Session::modern_only(Arc::clone(&self.inner), ending.clone()));
        // The client closing its stream cancels the request at once (2026-07-28: closing is cancelling).
        let options = ConnectionOptions { drain: Duration::ZERO, ..self.inner.options.clone() };
        let (peer, task) = engine::spawn(transport, session.clone(), options);
        // Server shutdown gives the request the usual drain, then ends it.
        let (drain, stop, ended) = (self.inner.options.drain, peer.shutdown_token(), peer.connection_token());
        tokio::spawn(async move {
            tokio::select! {
                () = ending.cancelled() => {}
                () = ended.cancelled() => return,
            }
            tokio::select! {
                () = tokio::time::sleep(drain) => stop.cancel(),
                () = ended.cancelled() => {}
            }
        });
        ServerHandle { peer, session, task }
    }

    fn serve_session<T: Transport>(&self, transport: T, session: Session) -> ServerHandle {
        let session = Arc::new(session);
        let (peer, task) = engine::spawn(transport, session.clone(), self.inner.options.clone());
        ServerHandle { peer, session, task }
    }

    /// The protocol revisions this server speaks, newest first.
    pub fn protocol_versions(&self) -> &[ProtocolVersion] {
        &self.inner.versions
    }

    /// Serves this process's stdin and stdout until the client closes stdin.
    #[cfg(feature = "stdio")]
    pub async fn serve_stdio(&self) -> Result<(), Error> {
        self.serve(crate::transport::stdio()).waiting().await
    }

    /// Tells every 2026-07-28 listen stream (`subscriptions/listen`) of this server that asked for it that the
    /// tool list changed. Legacy sessions are told per connection ([`ServerHandle::tools_changed`]) or all
    /// at once by the HTTP server (`HttpServer::tools_changed`, which also calls this).
    pub fn tools_changed(&self) {
        let _ = self.inner.changes.send(Change::Tools);
    }

    /// Tells the 2026-07-28 listen streams that the prompt list changed (see [`Server::tools_changed`]).
    pub fn prompts_changed(&self) {
        let _ = self.inner.changes.send(Change::Prompts);
    }

    /// Tells the 2026-07-28 listen streams that the resource list changed (see [`Server::tools_changed`]).
    pub fn resources_changed(&self) {
        let _ = self.inner.changes.send(Change::Resources);
    }

    /// Tells the 2026-07-28 listen streams subscribed to `uri` that the resource changed (see
    /// [`Server::tools_changed`]).
    pub fn resource_updated(&self, uri: &str) {
        let _ = self.inner.changes.send(Change::Resource(Arc::from(uri)));
    }

    /// Adds (or replaces, by name) a tool; tell connected clients with [`ServerHandle::tools_changed`].
    pub fn add_tool(&self, tool: Tool) {
        self.inner.write().add_tool(tool);
    }

    /// The `inputSchema` of the tool `name` when it declares `x-mcp-header` arguments.
    #[cfg(feature = "http-server")]
    pub(crate) fn mirrored_schema(&self, name: &str) -> Option<Arc<serde_json::Value>> {
        self.inner.read().tools.iter().find(|t| t.def.name == name).and_then(|t| t.mirrored.clone())
    }

    /// Removes a tool by name; returns whether it existed.
    pub fn remove_tool(&self, name: &str) -> bool {
        let mut registry = self.inner.write();
        let before = registry.tools.len();
        registry.tools.retain(|t| t.def.name != name);
        registry.tools.len() != before
    }

    /// The capabilities this server advertises: the explicit ones if set, else derived from what is
    /// registered.
    pub fn capabilities(&self) -> hub::ServerCapabilities {
        self.inner.capabilities()
    }
}

impl ServerBuilder {
    /// Sets the display title of the server.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// Sets the full `serverInfo`.
    pub fn info(mut self, info: hub::Implementation) -> Self {
        self.info = info;
        self
    }

    /// Sets the instructions returned by `initialize`.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Advertises exactly these capabilities (e.g. from `hub::ServerCapabilities::builder()`) instead of
    /// deriving them from what is registered.
    pub fn capabilities(mut self, capabilities: hub::ServerCapabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// Registers a tool.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.registry.add_tool(tool);
        self
    }

    /// Registers a fixed resource.
    pub fn resource(mut self, resource: Resource) -> Self {
        self.registry.resources.push(resource);
        self
    }

    /// Registers a resource template.
    pub fn resource_template(mut self, template: ResourceTemplate) -> Self {
        self.registry.templates.push(template);
        self
    }

    /// Registers a prompt.
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.registry.prompts.retain(|p| p.def.name != prompt.def.name);
        self.registry.prompts.push(Arc::new(prompt));
        self
    }

    /// Answers `completion/complete` with `complete`.
    pub fn completion<F, Fut>(mut self, complete: F) -> Self
    where
        F: Fn(hub::CompleteRequestParams, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<hub::CompleteResult, ErrorObject>> + Send + 'static,
    {
        let complete = Arc::new(complete);
        self.completion = Some(Arc::new(move |params, cx| Box::pin(complete(params, cx))));
        self
    }

    /// Runs `on_change` when the client says its roots changed (`notifications/roots/list_changed`),
    /// with a handle to ask it for the new list.
    pub fn on_roots_changed<F, Fut>(mut self, on_change: F) -> Self
    where
        F: Fn(ClientHandle) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.roots_changed = Some(Arc::new(move |client| Box::pin(on_change(client))));
        self
    }

    /// Sets how many items a list page holds (default 50).
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Sets connection options (request timeouts, shutdown drain).
    pub fn connection_options(mut self, options: ConnectionOptions) -> Self {
        self.options = options;
        self
    }

    /// Limits the revisions this server negotiates (default: every enabled one). An empty list keeps
    /// the default.
    pub fn protocol_versions(mut self, versions: &[ProtocolVersion]) -> Self {
        if !versions.is_empty() {
            let mut versions = versions.to_vec();
            versions.sort_by(|a, b| b.cmp(a));
            versions.dedup();
            self.versions = versions;
        }
        self
    }

    /// Sets the key that protects the `requestState` of 2026-07-28 input-required results (HMAC-SHA-256).
    /// The default is a random key made when the server is built, so a retry must reach the same process;
    /// give every instance behind a load balancer the same secret key (32 random bytes or more).
    ///
    /// # Panics
    /// If the key is shorter than 16 bytes (a programming error found at startup).
    pub fn request_state_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        let key = key.into();
        assert!(key.len() >= mrtr::MIN_KEY, "request_state_key: at least {} bytes, got {}", mrtr::MIN_KEY, key.len());
        self.request_state_key = Some(key);
        self
    }

    /// Sets the 2026-07-28 caching hint (`ttlMs`, `cacheScope`) of one kind of result (default
    /// [`CacheHint::NONE`] for all: stale at once, private). A server whose tool list never changes might
    /// say `cache_hint(Cacheable::Tools, CacheHint::public(Duration::from_secs(300)))`; a list that changes
    /// is still announced to listen streams ([`Server::tools_changed`]), which invalidates client caches.
    pub fn cache_hint(mut self, result: Cacheable, hint: CacheHint) -> Self {
        self.cache.insert(result as CacheableKey, hint);
        self
    }

    /// Sets how long a `requestState` stays valid (default one hour): a client that answers later must
    /// start the request over.
    pub fn request_state_ttl(mut self, ttl: Duration) -> Self {
        self.request_state_ttl = ttl;
        self
    }

    /// Finishes the definition.
    pub fn build(self) -> Server {
        let sealer = match self.request_state_key {
            Some(key) => mrtr::Sealer::with_key(key, self.request_state_ttl),
            None => mrtr::Sealer::random(self.request_state_ttl),
        };
        Server {
            inner: Arc::new(Inner {
                info: self.info,
                instructions: self.instructions,
                capabilities: self.capabilities,
                registry: RwLock::new(self.registry),
                completion: self.completion,
                roots_changed: self.roots_changed,
                page_size: self.page_size,
                // Before `options` moves.
                #[cfg(feature = "http-server")]
                alone: engine::Alone::new(&self.options),
                generation: AtomicU64::new(0),
                options: self.options,
                versions: self.versions,
                sealer,
                changes: tokio::sync::broadcast::channel(CHANGES_BUFFERED).0,
                cache: self.cache,
            }),
        }
    }
}

impl Inner {
    /// The caching hint of `result`.
    pub(crate) fn cache_hint(&self, result: Cacheable) -> CacheHint {
        self.cache.get(&(result as CacheableKey)).copied().unwrap_or(CacheHint::NONE)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        // A handler never runs while the lock is held, so poisoning can only come from a panic inside
        // this module's short critical sections; the data is still consistent then.
        self.registry.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Registry> {
        let registry = self.registry.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Counted while the lock is held: whoever reads the new count reads the registry after this change.
        self.generation.fetch_add(1, Ordering::Relaxed);
        registry
    }

    fn capabilities(&self) -> hub::ServerCapabilities {
        if let Some(capabilities) = &self.capabilities {
            return capabilities.clone();
        }
        let registry = self.read();
        let listed = |any: bool| any.then_some(Some(true));
        hub::ServerCapabilities {
            tools: listed(!registry.tools.is_empty())
                .map(|list_changed| hub::ServerCapabilitiesTools { list_changed, ..Default::default() }),
            resources: listed(!registry.resources.is_empty() || !registry.templates.is_empty()).map(|list_changed| {
                hub::ServerCapabilitiesResources { list_changed, subscribe: Some(true), ..Default::default() }
            }),
            prompts: listed(!registry.prompts.is_empty())
                .map(|list_changed| hub::ServerCapabilitiesPrompts { list_changed, ..Default::default() }),
            completions: self.completion.as_ref().map(|_| JsonObject::new()),
            logging: Some(JsonObject::new()),
            ..Default::default()
        }
    }
}

/// One served connection.
pub struct ServerHandle {
    peer: Peer,
    session: Arc<Session>,
    task: tokio::task::JoinHandle<Result<(), Error>>,
}

impl ServerHandle {
    /// Waits until the connection ends (the client closed it, or [`ServerHandle::close`]).
    pub async fn waiting(self) -> Result<(), Error> {
        match self.task.await {
            Ok(outcome) => outcome,
            Err(e) => Err(Error::Protocol(format!("the connection task failed: {e}"))),
        }
    }

    /// Waits until the connection has ended, without consuming the handle.
    pub async fn closed(&self) {
        self.peer.closed().await;
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.peer.is_closed()
    }

    /// Starts closing without waiting (for `Drop` impls).
    #[cfg(feature = "http-server")]
    pub(crate) fn shutdown(&self) {
        self.peer.shutdown();
    }

    /// A token that fires when the connection has ended.
    #[cfg(feature = "http-server")]
    pub(crate) fn ended(&self) -> tokio_util::sync::CancellationToken {
        self.peer.connection_token()
    }

    /// Stops reading, lets in-flight requests finish, and closes the transport.
    pub async fn close(&self) {
        self.peer.close().await;
    }

    /// Pings the client (`ping`, allowed in either direction) and waits for its answer.
    pub async fn ping(&self) -> Result<(), Error> {
        self.peer.request("ping", None, None).await.map(drop)
    }

    /// How many bytes are queued for the client and not yet written.
    pub fn queued_bytes(&self) -> usize {
        self.peer.queued_bytes()
    }

    /// The revision negotiated with the client, once `initialize` was answered.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.session.version()
    }

    /// Sends `notifications/tools/list_changed` to this connection's legacy session, and tells the server's
    /// 2026-07-28 listen streams ([`Server::tools_changed`]).
    pub async fn tools_changed(&self) -> Result<(), Error> {
        self.session.server().tools_changed();
        self.session.list_changed(&self.peer, "notifications/tools/list_changed").await
    }

    /// Sends `notifications/prompts/list_changed` to this connection's legacy session, and tells the server's
    /// 2026-07-28 listen streams ([`Server::prompts_changed`]).
    pub async fn prompts_changed(&self) -> Result<(), Error> {
        self.session.server().prompts_changed();
        self.session.list_changed(&self.peer, "notifications/prompts/list_changed").await
    }

    /// Sends `notifications/resources/list_changed` to this connection's legacy session, and tells the server's
    /// 2026-07-28 listen streams ([`Server::resources_changed`]).
    pub async fn resources_changed(&self) -> Result<(), Error> {
        self.session.server().resources_changed();
        self.session.list_changed(&self.peer, "notifications/resources/list_changed").await
    }

    /// Sends `notifications/resources/updated` if the client subscribed to `uri`; returns whether it did.
    /// (The server's 2026-07-28 listen streams hear of it through [`Server::resource_updated`].)
    pub async fn resource_updated(&self, uri: &str) -> Result<bool, Error> {
        self.session.resource_updated(&self.peer, uri).await
    }

    /// Sends a list-changed notification to this connection's legacy session only (the HTTP server tells
    /// the listen streams once for all sessions).
    #[cfg(feature = "http-server")]
    pub(crate) async fn legacy_changed(&self, method: &str) -> Result<(), Error> {
        self.session.list_changed(&self.peer, method).await
    }

    /// Sends a log message (`notifications/message`) if the client's level lets it through.
    pub async fn log(
        &self,
        level: hub::LoggingLevel,
        logger: Option<&str>,
        data: serde_json::Value,
    ) -> Result<(), Error> {
        self.session.log(&self.peer, None, level, logger, data).await
    }
}
