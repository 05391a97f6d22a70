-- The marketplace schema (SQLite). Times are Unix seconds (BIGINT); booleans are 0/1
-- integers; structured bodies are JSON text in the engine's own field names. Every statement
-- the host runs against these tables is plain SQL with `$N` parameters, so a PostgreSQL
-- migration with the same tables (BIGSERIAL keys, DOUBLE PRECISION) serves the same queries.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    -- NULL: a seeded account that cannot log in (demo marketplace members).
    password_hash TEXT,
    role          TEXT    NOT NULL CHECK (role IN ('client', 'freelancer', 'admin')),
    created_at    BIGINT  NOT NULL
);

CREATE TABLE sessions (
    -- BLAKE2b-256 of the bearer token, hex; the token itself is never stored.
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE freelancers (
    id             INTEGER PRIMARY KEY,
    user_id        BIGINT  NOT NULL UNIQUE REFERENCES users (id),
    -- The profile body as the freelancer sent it (name, headline and the engine's fields).
    profile        TEXT    NOT NULL,
    joined_at      BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    last_active_at BIGINT  NOT NULL
);

CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY,
    client_id  BIGINT  NOT NULL REFERENCES users (id),
    -- The job body as the client sent it (title, description and the engine's fields).
    body       TEXT    NOT NULL,
    status     TEXT    NOT NULL
        CHECK (status IN ('draft', 'open', 'closed', 'in_progress', 'completed', 'cancelled')),
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    opened_at  BIGINT
);
CREATE INDEX jobs_by_status ON jobs (status, id);
CREATE INDEX jobs_by_client ON jobs (client_id, id);

CREATE TABLE proposals (
    id            INTEGER PRIMARY KEY,
    job_id        BIGINT  NOT NULL REFERENCES jobs (id),
    freelancer_id BIGINT  NOT NULL REFERENCES freelancers (id),
    cover_letter  TEXT    NOT NULL,
    rate          DOUBLE PRECISION,
    -- The recommendation that showed this job to the freelancer, if the proposal came from one.
    request_id    TEXT,
    status        TEXT    NOT NULL
        CHECK (status IN ('submitted', 'shortlisted', 'withdrawn', 'declined', 'accepted')),
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    UNIQUE (job_id, freelancer_id)
);
CREATE INDEX proposals_by_freelancer ON proposals (freelancer_id, id);

CREATE TABLE contracts (
    id             INTEGER PRIMARY KEY,
    job_id         BIGINT  NOT NULL UNIQUE REFERENCES jobs (id),
    proposal_id    BIGINT  NOT NULL UNIQUE REFERENCES proposals (id),
    client_id      BIGINT  NOT NULL REFERENCES users (id),
    freelancer_id  BIGINT  NOT NULL REFERENCES freelancers (id),
    status         TEXT    NOT NULL
        CHECK (status IN ('active', 'delivered', 'changes_requested', 'completed', 'cancelled')),
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    delivered_at   BIGINT,
    completed_at   BIGINT,
    auto_accepted  INTEGER NOT NULL DEFAULT 0,
    -- When the review period ended (both reviews in, or 7 days after completion).
    reviews_closed_at BIGINT
);
CREATE INDEX contracts_by_status ON contracts (status, delivered_at);
CREATE INDEX contracts_by_client ON contracts (client_id, id);
CREATE INDEX contracts_by_freelancer ON contracts (freelancer_id, id);

-- What happened to a contract, in order (deliveries, change requests, acceptance).
CREATE TABLE contract_events (
    id          INTEGER PRIMARY KEY,
    contract_id BIGINT  NOT NULL REFERENCES contracts (id),
    kind        TEXT    NOT NULL,
    actor_id    BIGINT,
    note        TEXT,
    at          BIGINT  NOT NULL
);
CREATE INDEX contract_events_by_contract ON contract_events (contract_id, id);

CREATE TABLE reviews (
    id            INTEGER PRIMARY KEY,
    contract_id   BIGINT  NOT NULL REFERENCES contracts (id),
    reviewer_role TEXT    NOT NULL CHECK (reviewer_role IN ('client', 'freelancer')),
    reviewer_id   BIGINT  NOT NULL REFERENCES users (id),
    rating        INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    text          TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    published_at  BIGINT,
    UNIQUE (contract_id, reviewer_role)
);

-- Every ranked list served (recommendations both ways, live-match pushes).
CREATE TABLE rec_requests (
    id            TEXT    PRIMARY KEY,
    direction     TEXT    NOT NULL
        CHECK (direction IN ('freelancers_for_job', 'jobs_for_freelancer', 'live_match')),
    viewer_id     BIGINT  NOT NULL REFERENCES users (id),
    job_id        BIGINT,
    freelancer_id BIGINT,
    preset        TEXT    NOT NULL,
    fairness      TEXT,
    k             INTEGER NOT NULL,
    at            BIGINT  NOT NULL
);

-- One row per shown item of a served list (a freelancer for a job, or a job for a freelancer).
CREATE TABLE impressions (
    id            INTEGER PRIMARY KEY,
    request_id    TEXT    NOT NULL REFERENCES rec_requests (id),
    position      INTEGER NOT NULL,
    job_id        BIGINT  NOT NULL,
    freelancer_id BIGINT  NOT NULL,
    score         DOUBLE PRECISION NOT NULL,
    UNIQUE (request_id, position)
);
CREATE INDEX impressions_by_request_job ON impressions (request_id, job_id);
CREATE INDEX impressions_by_request_freelancer ON impressions (request_id, freelancer_id);

-- The funnel: views (with the request that showed the item), proposals, shortlists, hires,
-- completions and published reviews.
CREATE TABLE outcomes (
    id            INTEGER PRIMARY KEY,
    freelancer_id BIGINT  NOT NULL,
    job_id        BIGINT,
    kind          TEXT    NOT NULL
        CHECK (kind IN ('viewed', 'applied', 'shortlisted', 'hired', 'completed', 'reviewed')),
    rating        DOUBLE PRECISION,
    request_id    TEXT,
    viewer_id     BIGINT,
    at            BIGINT  NOT NULL
);
-- A view counts once per (request, viewer, item).
CREATE UNIQUE INDEX outcomes_one_view ON outcomes (request_id, viewer_id, freelancer_id, job_id)
    WHERE kind = 'viewed';

-- The engine's inputs in commit order (upserts, shown lists, outcomes), each as the JSON the
-- engine took. Replaying it rebuilds exactly the engine the running host had, including the
-- group each event was recorded under.
CREATE TABLE engine_log (
    seq     INTEGER PRIMARY KEY,
    kind    TEXT    NOT NULL CHECK (kind IN ('freelancer', 'job', 'impressions', 'outcome')),
    payload TEXT    NOT NULL
);

CREATE TABLE settings (
    key        TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
