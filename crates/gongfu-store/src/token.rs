//! API tokens: roles, secrets and what is kept of them (the SHA-256 of the
//! secret, never the secret itself).

use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use serde::Serialize;

use crate::StoreError;
use crate::release::sha256_hex;

/// What a token may do. Roles are ordered: each includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads published releases.
    Viewer,
    /// Also computes from uploaded microdata and publishes releases.
    Analyst,
    /// Also creates, lists and revokes tokens.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Analyst, Role::Admin];

    /// `viewer`, `analyst` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Role, StoreError> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "analyst" => Ok(Role::Analyst),
            "admin" => Ok(Role::Admin),
            other => Err(StoreError::InvalidRole(other.to_string())),
        }
    }
}

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Public identifier (12 hex digits), used to revoke it.
    pub id: String,
    /// Its role.
    pub role: Role,
    /// A free-form label (who or what uses it).
    pub label: String,
    /// When it was created (UTC, RFC 3339).
    pub created: String,
    /// When it was revoked; `None` while it is valid.
    pub revoked: Option<String>,
}

/// A newly created token with its secret, which is shown only this once.
#[derive(Clone, PartialEq, Eq)]
pub struct NewToken {
    /// The token as listed.
    pub info: TokenInfo,
    /// The bearer secret: `gf_` and 64 hex digits (256 random bits).
    pub secret: String,
}

impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewToken")
            .field("info", &self.info)
            .field("secret", &"***")
            .finish()
    }
}

/// The longest label accepted, in characters.
pub const MAX_LABEL_LEN: usize = 200;

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new token id and secret.
pub(crate) fn generate() -> (String, String) {
    (random_hex(6), format!("gf_{}", random_hex(32)))
}

/// What the store keeps of a secret: its SHA-256, in hex.
pub fn hash_secret(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// Checks a label: at most [`MAX_LABEL_LEN`] characters, no control characters.
pub(crate) fn check_label(label: &str) -> Result<String, StoreError> {
    let label = label.trim();
    if label.chars().count() > MAX_LABEL_LEN {
        return Err(StoreError::InvalidLabel(format!(
            "longer than {MAX_LABEL_LEN} characters"
        )));
    }
    if label.chars().any(char::is_control) {
        return Err(StoreError::InvalidLabel(
            "holds control characters".to_string(),
        ));
    }
    Ok(label.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_parsed() {
        assert!(Role::Viewer < Role::Analyst && Role::Analyst < Role::Admin);
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert_eq!(
            "root".parse::<Role>().unwrap_err().to_string(),
            "unknown role \"root\" (expected viewer, analyst or admin)"
        );
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let (id1, s1) = generate();
        let (id2, s2) = generate();
        assert_eq!(id1.len(), 12);
        assert_eq!(s1.len(), 3 + 64);
        assert!(s1.starts_with("gf_"));
        assert_ne!(s1, s2);
        assert_ne!(id1, id2);
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn labels() {
        assert_eq!(check_label("  dashboard ").unwrap(), "dashboard");
        assert!(check_label("a\nb").is_err());
        assert!(check_label(&"x".repeat(201)).is_err());
    }
}
