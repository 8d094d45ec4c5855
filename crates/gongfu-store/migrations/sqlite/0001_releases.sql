-- Published releases, their values and the API tokens (SQLite).
-- Times are UTC RFC 3339 text ("2026-05-01T08:00:00Z").

CREATE TABLE releases (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT, -- publication order
    id             TEXT    NOT NULL UNIQUE,           -- meta.release_id
    created        TEXT    NOT NULL,                  -- meta.created: when it was computed
    published_at   TEXT    NOT NULL,
    published_by   TEXT    NOT NULL,                  -- token label or CLI user
    version        TEXT    NOT NULL,                  -- meta.version: the program version
    province       TEXT    NOT NULL,                  -- meta.province
    first_year     INTEGER NOT NULL,                  -- meta.years[0]
    last_year      INTEGER NOT NULL,                  -- meta.years[1]
    value_count    INTEGER NOT NULL,                  -- rows in release_values
    values_sha256  TEXT    NOT NULL,                  -- SHA-256 of the values array as published
    supersedes     TEXT    REFERENCES releases (id),  -- the province's release it replaced
    superseded_by  TEXT,                              -- the release that replaced it
    release_json   TEXT    NOT NULL                   -- the whole release, byte for byte
);

-- At most one current (not superseded) release per province.
CREATE UNIQUE INDEX releases_current ON releases (province) WHERE superseded_by IS NULL;

-- Every figure of every release, for SQL users.
CREATE TABLE release_values (
    release_id  TEXT    NOT NULL REFERENCES releases (id),
    ord         INTEGER NOT NULL,  -- position in the release's values array
    indicator   TEXT    NOT NULL,
    region      TEXT    NOT NULL,  -- region code, or group id for scope = 'group'
    scope       TEXT    NOT NULL,  -- province, city, county or group
    year        INTEGER NOT NULL,
    value       REAL,
    se          REAL,
    ci_lo       REAL,
    ci_hi       REAL,
    n           INTEGER,
    population  REAL,
    PRIMARY KEY (release_id, ord)
);

CREATE INDEX release_values_lookup ON release_values (release_id, indicator, region, year);

-- API tokens: only the SHA-256 of the secret is kept.
CREATE TABLE tokens (
    id             TEXT PRIMARY KEY,
    secret_sha256  TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    label          TEXT NOT NULL,
    created        TEXT NOT NULL,
    revoked        TEXT            -- when it was revoked; NULL while valid
);
