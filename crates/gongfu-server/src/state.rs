//! The shared state of the server: the store, and what is kept in memory so
//! that reads do not reach the database — parsed releases with their
//! pre-serialised responses, the current release, the list, and verified
//! tokens.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::body::Bytes;
use gongfu_store::{ReleaseInfo, Store, TokenInfo, hash_secret, valid_release_id};
use serde_json::value::RawValue;
use tokio::sync::Semaphore;

use crate::ServerConfig;
use crate::error::ApiError;

/// Releases kept parsed in memory (they are immutable, so a cached release
/// is never stale; the least recently loaded is dropped beyond this).
const MAX_RELEASES: usize = 8;
/// Pre-serialised responses kept per release (beyond this the release's
/// response cache starts afresh).
const MAX_VIEWS: usize = 2048;
/// Verified tokens kept (beyond this the token cache starts afresh).
const MAX_TOKENS: usize = 10_000;

/// One release, split once into its sections. Sections stay as their
/// published text (numbers are never re-serialised, so every figure is served
/// exactly as published).
#[derive(Debug)]
pub(crate) struct Doc {
    pub id: String,
    /// The document exactly as published.
    pub raw: Bytes,
    /// The top-level sections (`meta`, `values`, `progress`, …), as text.
    pub sections: BTreeMap<String, Box<RawValue>>,
    /// Responses already built, by view and canonical query.
    views: RwLock<HashMap<String, Bytes>>,
}

impl Doc {
    /// The response for `key`, built by `make` the first time.
    pub fn view(
        &self,
        key: &str,
        make: impl FnOnce(&Doc) -> Result<Vec<u8>, ApiError>,
    ) -> Result<Bytes, ApiError> {
        if let Some(b) = read(&self.views).get(key) {
            return Ok(b.clone());
        }
        let bytes = Bytes::from(make(self)?);
        let mut w = write(&self.views);
        if w.len() >= MAX_VIEWS {
            w.clear();
        }
        w.insert(key.to_string(), bytes.clone());
        Ok(bytes)
    }
}

/// A value trusted until `at + ttl`.
#[derive(Debug)]
struct Timed<T> {
    at: Instant,
    value: T,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub store: Store,
    pub config: ServerConfig,
    pub compute_slots: Arc<Semaphore>,
    docs: RwLock<Vec<Arc<Doc>>>,
    latest: RwLock<Option<Timed<Option<String>>>>,
    list: RwLock<Option<Timed<Arc<Vec<ReleaseInfo>>>>>,
    list_json: RwLock<Option<Timed<Bytes>>>,
    tokens: RwLock<HashMap<String, Timed<TokenInfo>>>,
}

/// The state every handler sees.
pub(crate) type AppState = Arc<Inner>;

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

impl Inner {
    pub fn new(store: Store, config: ServerConfig) -> Inner {
        let slots = config.compute_concurrency.max(1);
        Inner {
            store,
            config,
            compute_slots: Arc::new(Semaphore::new(slots)),
            docs: RwLock::new(Vec::new()),
            latest: RwLock::new(None),
            list: RwLock::new(None),
            list_json: RwLock::new(None),
            tokens: RwLock::new(HashMap::new()),
        }
    }

    fn fresh(&self, at: Instant) -> bool {
        at.elapsed() < self.config.cache_ttl
    }

    /// Forgets what may change when a release is published.
    pub fn releases_changed(&self) {
        *write(&self.latest) = None;
        *write(&self.list) = None;
        *write(&self.list_json) = None;
    }

    /// Forgets every verified token (after a revocation).
    pub fn tokens_changed(&self) {
        write(&self.tokens).clear();
    }

    /// The valid token with this secret, from memory when verified within
    /// the cache lifetime.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<TokenInfo>, ApiError> {
        let hash = hash_secret(secret);
        if let Some(t) = read(&self.tokens).get(&hash)
            && self.fresh(t.at)
        {
            return Ok(Some(t.value.clone()));
        }
        let found = self.store.authenticate(secret).await?;
        let mut w = write(&self.tokens);
        match &found {
            Some(info) => {
                if w.len() >= MAX_TOKENS {
                    w.clear();
                }
                w.insert(
                    hash,
                    Timed {
                        at: Instant::now(),
                        value: info.clone(),
                    },
                );
            }
            None => {
                w.remove(&hash);
            }
        }
        Ok(found)
    }

    /// Every release, newest first.
    pub async fn list(&self) -> Result<Arc<Vec<ReleaseInfo>>, ApiError> {
        if let Some(t) = &*read(&self.list)
            && self.fresh(t.at)
        {
            return Ok(t.value.clone());
        }
        let list = Arc::new(self.store.list().await?);
        *write(&self.list) = Some(Timed {
            at: Instant::now(),
            value: list.clone(),
        });
        Ok(list)
    }

    /// The list as the response body (all provinces).
    pub async fn list_json(&self) -> Result<Bytes, ApiError> {
        if let Some(t) = &*read(&self.list_json)
            && self.fresh(t.at)
        {
            return Ok(t.value.clone());
        }
        let list = self.list().await?;
        let bytes = Bytes::from(list_body(&list)?);
        *write(&self.list_json) = Some(Timed {
            at: Instant::now(),
            value: bytes.clone(),
        });
        Ok(bytes)
    }

    /// The id a path names: itself, or the current release for `latest`.
    pub async fn resolve(&self, id: &str) -> Result<String, ApiError> {
        if id != "latest" {
            if !valid_release_id(id) {
                return Err(ApiError::not_found(format!("no release {id:?}")));
            }
            return Ok(id.to_string());
        }
        if let Some(t) = &*read(&self.latest)
            && self.fresh(t.at)
        {
            return t
                .value
                .clone()
                .ok_or_else(|| ApiError::not_found("no release is published yet"));
        }
        let latest = self.store.latest(None).await?.map(|r| r.id);
        *write(&self.latest) = Some(Timed {
            at: Instant::now(),
            value: latest.clone(),
        });
        latest.ok_or_else(|| ApiError::not_found("no release is published yet"))
    }

    /// A release, parsed, from memory or from the store.
    pub async fn doc(&self, id: &str) -> Result<Arc<Doc>, ApiError> {
        let id = self.resolve(id).await?;
        if let Some(d) = read(&self.docs).iter().find(|d| d.id == id) {
            return Ok(d.clone());
        }
        let raw = self
            .store
            .release_json(&id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no release {id:?}")))?;
        let sections: BTreeMap<String, Box<RawValue>> = serde_json::from_str(&raw)
            .map_err(|e| ApiError::internal(&format!("stored release {id}"), e))?;
        let doc = Arc::new(Doc {
            id: id.clone(),
            raw: Bytes::from(raw),
            sections,
            views: RwLock::new(HashMap::new()),
        });
        let mut w = write(&self.docs);
        if let Some(d) = w.iter().find(|d| d.id == id) {
            return Ok(d.clone());
        }
        if w.len() >= MAX_RELEASES {
            w.remove(0);
        }
        w.push(doc.clone());
        Ok(doc)
    }
}

/// `{"releases": [...]}`: each release with its years, values and place in
/// its province's sequence.
pub(crate) fn list_body(list: &[ReleaseInfo]) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(&serde_json::json!({ "releases": list }))
        .map_err(|e| ApiError::internal("serialising the list", e))
}
