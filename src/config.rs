//! kefu's settings: one typed struct, read once at start.
//!
//! Layers, later ones win: built-in defaults (which just work on the bundled
//! corpus), then a YAML file (`kefu.yaml`, or `--config FILE` / `KEFU_CONFIG`),
//! then `KEFU_*` environment variables, then command-line flags. An environment
//! variable names a setting by its path with `__` between levels:
//! `KEFU_DATABASE_URL`, `KEFU_LIMITS__MESSAGE_CHARS`, `KEFU_ANSWER__CLARIFY`.
//! Unknown settings are errors, so a typo never silently does nothing.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_yaml_ng::Value;
use sha2::{Digest, Sha256};

use crate::answer::{Confidence, Thresholds};
use crate::handoff::hours::ServiceHours;
use crate::rank::Fusion;

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file or an override is not valid for the settings.
    #[error("{origin}: {message}")]
    Invalid {
        /// The file (with line) or environment variable at fault.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// Everything kefu can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where `kefu serve` listens.
    pub address: SocketAddr,
    /// The help-center corpus folder.
    pub corpus: PathBuf,
    /// Where kefu keeps its index, vector cache and SQLite database.
    pub data_dir: PathBuf,
    /// The embedding model file (set up by `scripts/setup-model`).
    pub model: PathBuf,
    /// `postgres://…` to share one queue between replicas, `sqlite://…` for a
    /// chosen file; unset means `sqlite://<data_dir>/kefu.db`.
    pub database_url: Option<Secret>,
    /// The address users reach kefu at, for links in answers (e.g.
    /// `https://help.example.com`); unset means links are relative.
    pub public_url: Option<String>,
    /// Confidence thresholds for answering and clarifying.
    pub answer: Thresholds,
    /// The confidence model (`kefu eval --calibrate` fits one and prints
    /// these entries).
    pub confidence: Confidence,
    /// How BM25 and embedding scores are fused.
    pub fusion: Fusion,
    /// Replies remembered by normalized question, so repeated questions
    /// skip the model; 0 turns the cache off.
    pub answer_cache: usize,
    /// Input and traffic limits.
    pub limits: Limits,
    /// Which other sites may call the API from a browser.
    pub cors: Cors,
    /// The check a reloaded corpus must pass before it goes live.
    pub reload_gate: ReloadGate,
    /// People who may use the agent API.
    pub agents: Vec<AgentAccount>,
    /// What waiting users are told, and when the team is late.
    pub queue: QueueSettings,
    /// Log filter (`info`, `kefu=debug,tower_http=info`, …).
    pub log: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            address: SocketAddr::from(([127, 0, 0, 1], 8080)),
            corpus: PathBuf::from("corpus"),
            data_dir: PathBuf::from("data"),
            model: PathBuf::from("models/e5-small-q4.bin"),
            database_url: None,
            public_url: None,
            answer: Thresholds::default(),
            confidence: Confidence::default(),
            fusion: Fusion::default(),
            answer_cache: 10_000,
            limits: Limits::default(),
            cors: Cors::default(),
            reload_gate: ReloadGate::default(),
            agents: Vec::new(),
            queue: QueueSettings::default(),
            log: "info".to_string(),
        }
    }
}

/// The dev-set gate of `POST /admin/reload`: the new corpus answers a
/// labelled query file (the one `kefu eval` reads) and goes live only if
/// enough questions get the right article first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReloadGate {
    /// The labelled questions; when the file does not exist the gate is
    /// skipped, and the reload response says so.
    pub queries: PathBuf,
    /// The smallest top-1 share that may go live.
    pub min_top1: f64,
}

impl Default for ReloadGate {
    fn default() -> ReloadGate {
        ReloadGate {
            queries: PathBuf::from("tests/eval/queries.jsonl"),
            min_top1: 0.95,
        }
    }
}

/// The human queue as users and the team see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueSettings {
    /// When agents work (`{utc_offset: "+08:00", days: [mon, tue, wed, thu,
    /// fri], open: "09:00", close: "18:00"}`); unset means always staffed.
    /// Outside these hours users are told so and may leave an e-mail address.
    pub service_hours: Option<ServiceHours>,
    /// An urgent ticket pending longer than this many minutes is flagged in
    /// the console and counted in `/metrics`.
    pub urgent_sla_minutes: u64,
    /// How far back claims count for the estimated wait, in minutes.
    pub estimate_window_minutes: u64,
    /// An agent whose console has not checked in for this many seconds
    /// counts as offline (a closed tab, a lost connection).
    pub presence_timeout_seconds: u64,
}

impl Default for QueueSettings {
    fn default() -> QueueSettings {
        QueueSettings {
            service_hours: None,
            urgent_sla_minutes: 5,
            estimate_window_minutes: 60,
            presence_timeout_seconds: 90,
        }
    }
}

/// Input and traffic limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The longest message a user may send, in characters.
    pub message_chars: usize,
    /// The largest request body, in bytes.
    pub body_bytes: usize,
    /// Requests per minute from one IP address.
    pub per_ip_per_minute: u32,
    /// Messages per minute in one session.
    pub per_session_per_minute: u32,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy
    /// that sets it; otherwise clients could pick their own address). The
    /// client is the right-most address no trusted proxy added.
    pub trust_forwarded_for: bool,
    /// The reverse proxies in front of kefu (addresses or CIDR ranges, a
    /// list or comma-separated), whose entries in `X-Forwarded-For` are
    /// skipped; empty means the one that connects is the only proxy.
    #[serde(deserialize_with = "list_or_commas")]
    pub trusted_proxies: Vec<TrustedProxy>,
    /// Live streams (Server-Sent Events) one session may hold open.
    pub streams_per_session: u32,
    /// Live streams one IP address may hold open (users and agents).
    pub streams_per_ip: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            message_chars: 2000,
            body_bytes: 32 * 1024,
            per_ip_per_minute: 600,
            per_session_per_minute: 30,
            trust_forwarded_for: false,
            trusted_proxies: Vec::new(),
            streams_per_session: 4,
            streams_per_ip: 64,
        }
    }
}

/// A reverse proxy's address, or a range of them (`10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct TrustedProxy(ipnet::IpNet);

impl TrustedProxy {
    /// Whether `ip` is this proxy (or in its range).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        self.0.contains(&ip)
    }
}

impl std::str::FromStr for TrustedProxy {
    type Err = String;

    fn from_str(s: &str) -> Result<TrustedProxy, String> {
        let s = s.trim();
        s.parse::<ipnet::IpNet>()
            .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map(TrustedProxy)
            .map_err(|_| format!("'{s}' is not an IP address or a CIDR range (10.0.0.0/8)"))
    }
}

impl From<TrustedProxy> for String {
    fn from(p: TrustedProxy) -> String {
        p.0.to_string()
    }
}

impl<'de> Deserialize<'de> for TrustedProxy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TrustedProxy, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// Which other sites may call kefu from a browser. The chat widget runs on
/// the host site's origin, so the public chat and content API answers them;
/// the agent and admin API answers no other origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cors {
    /// Origins that embed the widget (`https://www.example.com`), a list or
    /// comma-separated; `*` (the default) is any.
    #[serde(deserialize_with = "list_or_commas")]
    pub allowed_origins: Vec<EmbeddingOrigin>,
}

impl Default for Cors {
    fn default() -> Cors {
        Cors {
            allowed_origins: vec![EmbeddingOrigin::Any],
        }
    }
}

/// A site allowed to embed the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum EmbeddingOrigin {
    /// Any site (`*`).
    Any,
    /// `scheme://host[:port]`, as browsers send it in `Origin`.
    Site(String),
}

impl std::str::FromStr for EmbeddingOrigin {
    type Err = String;

    fn from_str(s: &str) -> Result<EmbeddingOrigin, String> {
        let s = s.trim().trim_end_matches('/');
        if s == "*" {
            return Ok(EmbeddingOrigin::Any);
        }
        let host = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .filter(|h| !h.is_empty() && !h.contains(['/', ' ', '?', '#']))
            .ok_or_else(|| format!("'{s}' is not an origin (https://www.example.com, or *)"))?;
        Ok(EmbeddingOrigin::Site(format!(
            "{}{}",
            &s[..s.len() - host.len()],
            host.to_ascii_lowercase()
        )))
    }
}

impl From<EmbeddingOrigin> for String {
    fn from(o: EmbeddingOrigin) -> String {
        match o {
            EmbeddingOrigin::Any => "*".to_string(),
            EmbeddingOrigin::Site(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for EmbeddingOrigin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<EmbeddingOrigin, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// A list from YAML, or from an environment variable as one string with
/// commas between the items.
fn list_or_commas<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr<Err = String>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Items {
        List(Vec<String>),
        Commas(String),
    }
    let items = match Items::deserialize(d)? {
        Items::List(items) => items,
        Items::Commas(s) => s
            .split(',')
            .filter(|i| !i.trim().is_empty())
            .map(str::to_string)
            .collect(),
    };
    items
        .iter()
        .map(|i| i.parse().map_err(serde::de::Error::custom))
        .collect()
}

/// What an agent may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Works the queue; sees personal data masked.
    Agent,
    /// Everything an agent does, plus the audit log, unmasked personal data
    /// and administration.
    Admin,
}

/// One person allowed to use the agent API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentAccount {
    /// The name users see ("客服 Alice 已接入") and the audit log records.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Hex SHA-256 of their bearer token (`kefu token` makes one); the token
    /// itself is never stored.
    pub token_sha256: String,
}

/// A value that must not appear in logs or debug output.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Hex SHA-256 of a bearer token or session secret: what is stored instead
/// of the secret itself.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A new secret of `bytes` random bytes from the operating system, as hex;
/// `None` if the operating system has no randomness to give.
pub fn new_token(bytes: usize) -> Option<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).ok()?;
    Some(hex(&buf))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Settings {
    /// Loads the settings from `file` (if given, or `kefu.yaml` if it exists)
    /// and the environment variables `vars`.
    pub fn load(
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let default_file = Path::new("kefu.yaml");
        let file = file.or_else(|| default_file.exists().then_some(default_file));
        let (mut tree, origin) = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                let tree = serde_yaml_ng::from_str::<Value>(&text).map_err(|e| invalid_yaml(path, &e))?;
                (tree, path.display().to_string())
            }
            None => (Value::Mapping(Default::default()), "defaults".to_string()),
        };
        if tree.is_null() {
            tree = Value::Mapping(Default::default());
        }
        let mut overridden = Vec::new();
        for (name, value) in vars {
            let Some(path) = name.strip_prefix("KEFU_") else {
                continue;
            };
            if path == "CONFIG" || path.is_empty() {
                continue;
            }
            let keys: Vec<String> = path.split("__").map(str::to_lowercase).collect();
            set_path(&mut tree, &keys, scalar(&value)).map_err(|message| ConfigError::Invalid {
                origin: name.clone(),
                message,
            })?;
            overridden.push(name);
        }
        serde_yaml_ng::from_value(tree).map_err(|e| ConfigError::Invalid {
            origin: if overridden.is_empty() {
                origin
            } else {
                format!("{origin} with {}", overridden.join(", "))
            },
            message: e.to_string(),
        })
    }

    /// The database to use: the configured URL or a SQLite file in the data dir.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_string(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("kefu.db").display()),
        }
    }

    /// The agent whose token is `token`, if any.
    pub fn agent_by_token(&self, token: &str) -> Option<&AgentAccount> {
        let hash = token_hash(token);
        self.agents.iter().find(|a| a.token_sha256.eq_ignore_ascii_case(&hash))
    }
}

fn invalid_yaml(path: &Path, e: &serde_yaml_ng::Error) -> ConfigError {
    let line = e.location().map(|l| format!(":{}", l.line())).unwrap_or_default();
    ConfigError::Invalid {
        origin: format!("{}{line}", path.display()),
        message: e.to_string(),
    }
}

/// An environment value as YAML would read it (`8080` a number, `true` a
/// bool), falling back to a plain string.
fn scalar(value: &str) -> Value {
    match serde_yaml_ng::from_str::<Value>(value) {
        Ok(v @ (Value::Bool(_) | Value::Number(_))) => v,
        _ => Value::String(value.to_string()),
    }
}

fn set_path(tree: &mut Value, keys: &[String], value: Value) -> Result<(), String> {
    let Some((last, parents)) = keys.split_last() else {
        return Err("empty setting name".into());
    };
    let mut node = tree;
    for key in parents {
        let map = node
            .as_mapping_mut()
            .ok_or_else(|| format!("`{key}` is not a section"))?;
        node = map
            .entry(Value::String(key.clone()))
            .or_insert_with(|| Value::Mapping(Default::default()));
    }
    let map = node
        .as_mapping_mut()
        .ok_or_else(|| format!("`{last}` is inside a value that is not a section"))?;
    map.insert(Value::String(last.clone()), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_just_work() {
        let s = Settings::load(None, env(&[])).unwrap();
        assert_eq!(s.address.port(), 8080);
        assert_eq!(s.database_url(), "sqlite://data/kefu.db?mode=rwc");
        assert_eq!(s.limits.message_chars, 2000);
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kefu.yaml");
        std::fs::write(
            &path,
            "address: 0.0.0.0:9000\nlimits:\n  message_chars: 500\nagents:\n  - name: Alice\n    role: agent\n    token_sha256: abc\n",
        )
        .unwrap();
        let s = Settings::load(
            Some(&path),
            env(&[
                ("KEFU_LIMITS__MESSAGE_CHARS", "800"),
                ("KEFU_DATABASE_URL", "postgres://127.0.0.1/test"),
                ("KEFU_ANSWER__CLARIFY", "0.4"),
                ("HOME", "/root"),
            ]),
        )
        .unwrap();
        assert_eq!(s.address.port(), 9000);
        assert_eq!(s.limits.message_chars, 800);
        assert_eq!(s.database_url(), "postgres://127.0.0.1/test");
        assert_eq!(s.answer.clarify, 0.4);
        assert_eq!(s.agents[0].role, Role::Agent);
        assert!(!format!("{s:?}").contains("postgres://"), "secrets never print");
    }

    #[test]
    fn mistakes_name_where_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kefu.yaml");
        std::fs::write(&path, "address: 127.0.0.1:1\nlimitz: {}\n").unwrap();
        let e = Settings::load(Some(&path), env(&[])).unwrap_err().to_string();
        assert!(e.contains("kefu.yaml") && e.contains("limitz"), "{e}");
        let e = Settings::load(None, env(&[("KEFU_LIMITS__MESSAGE_CHARS", "lots")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("KEFU_LIMITS__MESSAGE_CHARS"), "{e}");
        std::fs::write(&path, "address: [\n").unwrap();
        let e = Settings::load(Some(&path), env(&[])).unwrap_err().to_string();
        assert!(e.contains("kefu.yaml:"), "{e}");
    }

    #[test]
    fn agents_are_found_by_token_hash() {
        let mut s = Settings::default();
        s.agents.push(AgentAccount {
            name: "Alice".into(),
            role: Role::Admin,
            token_sha256: token_hash("open sesame"),
        });
        assert_eq!(s.agent_by_token("open sesame").map(|a| a.name.as_str()), Some("Alice"));
        assert!(s.agent_by_token("open sesame ").is_none());
    }
}
