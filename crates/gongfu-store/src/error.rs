//! The one error type of the crate.

/// Everything that can go wrong with the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store URL is not one the store understands.
    #[error("store {url}: {message}")]
    Url {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// What is wrong with it.
        message: String,
    },

    /// The database could not be opened or reached.
    #[error("store {url}: cannot open: {source}")]
    Open {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// The schema could not be brought up to date.
    #[error("store {url}: cannot migrate the schema: {source}")]
    Migrate {
        /// The URL, with any password replaced by `***`.
        url: String,
        /// The migrator's error.
        #[source]
        source: sqlx::migrate::MigrateError,
    },

    /// A query failed.
    #[error("store: database error: {0}")]
    Database(#[from] sqlx::Error),

    /// A release to publish is not a valid release document.
    #[error("invalid release: {0}")]
    InvalidRelease(String),

    /// A release with this id is stored with different values: a release
    /// is immutable, its id names one set of figures.
    #[error(
        "release {id} is already published with different values; a release is immutable \
         (compute a new release instead)"
    )]
    Conflict {
        /// The release id.
        id: String,
    },

    /// A token role other than `viewer`, `analyst` or `admin`.
    #[error("unknown role {0:?} (expected viewer, analyst or admin)")]
    InvalidRole(String),

    /// A token label that is too long or holds control characters.
    #[error("invalid token label: {0}")]
    InvalidLabel(String),
}

/// A URL as shown in messages: the password of `scheme://user:password@host`
/// and of a `password=` parameter replaced by `***`.
pub fn redact(url: &str) -> String {
    let url = match url.find("password=") {
        Some(i) => {
            let start = i + "password=".len();
            let end = url[start..].find('&').map_or(url.len(), |e| start + e);
            format!("{}***{}", &url[..start], &url[end..])
        }
        None => url.to_string(),
    };
    let url = url.as_str();
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://gongfu:s3cret@db:5432/gongfu"),
            "postgres://gongfu:***@db:5432/gongfu"
        );
        assert_eq!(
            redact("postgres://gongfu@db/gongfu"),
            "postgres://gongfu@db/gongfu"
        );
        assert_eq!(redact("sqlite://a:b@c"), "sqlite://a:***@c");
        assert_eq!(redact("/var/lib/gongfu.sqlite"), "/var/lib/gongfu.sqlite");
        assert_eq!(
            redact("postgres://db/x?password=a@b&sslmode=disable"),
            "postgres://db/x?password=***&sslmode=disable"
        );
    }
}
