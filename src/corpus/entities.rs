//! `entities.yaml`: the everyday names users give coins, networks, wallets
//! and exchanges, and the English or loose words they mix into Chinese, each
//! with the words the articles use for it. See the file's header for how
//! kefu uses the list.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Problem;
use crate::chain::Chain;

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A coin or token (USDT, 狗狗币).
    Coin,
    /// A chain or token standard (TRC20, 币安链).
    Network,
    /// A self-custody wallet (MetaMask, 小狐狸).
    Wallet,
    /// Another exchange (币安, "别的交易所").
    Exchange,
    /// A country or region ("the us", 美国, 香港): whether the platform
    /// may be used there is a help-center question, not small talk.
    Region,
    /// A word the articles write otherwise (withdraw → 提币).
    Word,
}

/// One named thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Its canonical id (`USDT`, `TRC20`, `withdraw`).
    pub id: String,
    /// What it is.
    pub kind: EntityKind,
    /// Every way users write it, in lower case (the engine's lexicon
    /// normalizes them further).
    pub names: Vec<String>,
    /// Words the articles use for it (beyond its kind's).
    pub terms: Vec<String>,
    /// A network's chain family: which addresses and transaction ids it
    /// takes. `None` for a network that names no chain ("主网") and for
    /// every other kind.
    pub chain: Option<Chain>,
    /// A network's block explorer, a URL with `{txid}` where the
    /// transaction id goes.
    pub explorer: Option<String>,
    /// A coin's networks on this platform, by their ids in the list: what
    /// the coin can be deposited and withdrawn on.
    pub networks: Vec<String>,
}

impl Entity {
    /// The link to `txid` on the network's explorer.
    pub fn explorer_link(&self, txid: &str) -> Option<String> {
        self.explorer.as_ref().map(|url| url.replace("{txid}", txid))
    }
}

/// The whole list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entities {
    /// The entities, in file order.
    pub entities: Vec<Entity>,
    /// Words the articles use for each kind, both languages.
    pub kind_terms: Vec<(EntityKind, Vec<String>)>,
}

impl Entities {
    /// The words the articles use for entities of `kind`.
    pub fn terms_of(&self, kind: EntityKind) -> &[String] {
        self.kind_terms
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&[], |(_, t)| t.as_slice())
    }

    /// The entity with id `id`.
    pub fn get(&self, id: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.id == id)
    }

    /// The chains a coin can be received on: those of its networks.
    pub fn chains_of(&self, coin: &Entity) -> Vec<Chain> {
        let mut chains: Vec<Chain> = coin.networks.iter().filter_map(|n| self.get(n)?.chain).collect();
        chains.dedup();
        chains
    }

    /// Every name, for the segmenter's dictionary.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entities.iter().flat_map(|e| e.names.iter().map(String::as_str))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    kinds: std::collections::BTreeMap<EntityKind, KindTerms>,
    #[serde(default)]
    entities: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindTerms {
    #[serde(default)]
    zh: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    kind: EntityKind,
    names: Vec<String>,
    #[serde(default)]
    terms: Vec<String>,
    #[serde(default)]
    chain: Option<Chain>,
    #[serde(default)]
    explorer: Option<String>,
    #[serde(default)]
    networks: Vec<String>,
}

/// Parses `entities.yaml`, reporting problems with their line.
pub(super) fn parse(path: &Path, text: &str, problems: &mut Vec<Problem>) -> Entities {
    let file = match serde_yaml_ng::from_str::<File>(text) {
        Ok(file) => file,
        Err(e) => {
            problems.push(Problem::new(
                path,
                e.location().map(|l| l.line()),
                format!("bad entity list: {e}"),
            ));
            return Entities::default();
        }
    };
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).map(|i| i + 1);
    let mut entities: Vec<Entity> = Vec::new();
    let mut owner: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for entry in file.entities {
        let line = line_of(&format!("id: {}", entry.id));
        if entities.iter().any(|e| e.id == entry.id) {
            problems.push(Problem::new(path, line, format!("entity `{}` twice", entry.id)));
            continue;
        }
        let mut names = Vec::new();
        for name in &entry.names {
            let n = name.trim().to_lowercase();
            if n.is_empty() {
                problems.push(Problem::new(path, line, format!("an empty name in `{}`", entry.id)));
                continue;
            }
            match owner.insert(n.clone(), entry.id.clone()) {
                Some(other) if other == entry.id => continue,
                Some(other) => problems.push(Problem::new(
                    path,
                    line,
                    format!("name `{name}` of `{}` is already a name of `{other}`", entry.id),
                )),
                None => {}
            }
            names.push(n);
        }
        let network = entry.kind == EntityKind::Network;
        if !network && (entry.chain.is_some() || entry.explorer.is_some()) {
            problems.push(Problem::new(
                path,
                line,
                format!(
                    "`{}` is no network: only a network has a chain and an explorer",
                    entry.id
                ),
            ));
        }
        if let Some(url) = &entry.explorer {
            if !url.starts_with("https://") || !url.contains("{txid}") {
                problems.push(Problem::new(
                    path,
                    line,
                    format!("explorer of `{}` must be an https:// URL with {{txid}} in it", entry.id),
                ));
            }
        }
        if entry.kind != EntityKind::Coin && !entry.networks.is_empty() {
            problems.push(Problem::new(
                path,
                line,
                format!("`{}` is no coin: only a coin lists networks", entry.id),
            ));
        }
        entities.push(Entity {
            id: entry.id,
            kind: entry.kind,
            names,
            terms: entry.terms.iter().map(|t| t.trim().to_lowercase()).collect(),
            chain: entry.chain,
            explorer: entry.explorer,
            networks: entry.networks,
        });
    }
    for coin in &entities {
        for network in &coin.networks {
            if !entities
                .iter()
                .any(|e| e.id == *network && e.kind == EntityKind::Network)
            {
                problems.push(Problem::new(
                    path,
                    line_of(&format!("id: {}", coin.id)),
                    format!("`{}` lists `{network}`, which is no network of the list", coin.id),
                ));
            }
        }
    }
    let kind_terms = file
        .kinds
        .into_iter()
        .map(|(kind, t)| {
            (
                kind,
                t.zh.iter().chain(&t.en).map(|w| w.trim().to_lowercase()).collect(),
            )
        })
        .collect();
    Entities { entities, kind_terms }
}
