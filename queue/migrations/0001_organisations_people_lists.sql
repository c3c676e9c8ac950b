-- Organisations, their users, supporter groups, supporters, events and call
-- lists (SPEC R1). Every row that belongs to an organisation carries its
-- organisation_id, and foreign keys are composite wherever two rows must
-- belong to the same organisation or group, so a cross-tenant link cannot be
-- written even by a buggy query (R1.1).

CREATE TABLE organisations (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                 text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    timezone             text NOT NULL DEFAULT 'UTC' CHECK (length(timezone) BETWEEN 1 AND 64),
    -- ISO 3166 region used to read numbers written without a country code.
    phone_region         text NOT NULL DEFAULT 'GB' CHECK (phone_region ~ '^[A-Z]{2}$'),
    -- Caller ID presented on every leg this organisation originates (R4.1), E.164.
    caller_id            text CHECK (caller_id ~ '^\+[1-9][0-9]{5,14}$'),
    -- Calling window in the supporter's own timezone (R7.3).
    calling_window_start time NOT NULL DEFAULT '09:00',
    calling_window_end   time NOT NULL DEFAULT '20:00',
    -- R7.1: a supporter called by any session is not dialled again before this passes.
    cooldown             interval NOT NULL DEFAULT '20 minutes' CHECK (cooldown >= '0'),
    ring_timeout         interval NOT NULL DEFAULT '30 seconds' CHECK (ring_timeout BETWEEN '5 seconds' AND '5 minutes'),
    max_call_duration    interval NOT NULL DEFAULT '1 hour' CHECK (max_call_duration BETWEEN '1 minute' AND '12 hours'),
    max_concurrent_calls integer NOT NULL DEFAULT 50 CHECK (max_concurrent_calls BETWEEN 1 AND 10000),
    -- R10.4: E.164 prefixes ("+44", "+447") a number must start with to be dialled.
    -- Empty means none: an organisation dials nothing until ops allow it.
    allowed_prefixes     text[] NOT NULL DEFAULT '{}' CHECK (array_position(allowed_prefixes, NULL) IS NULL),
    created_at           timestamptz NOT NULL,
    CHECK (calling_window_start < calling_window_end)
);

CREATE TYPE user_role AS ENUM ('captain', 'vice_captain', 'member');

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations ON DELETE CASCADE,
    first_name      text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name       text NOT NULL DEFAULT '' CHECK (length(last_name) <= 100),
    -- Stored lower-cased; one login per address across the whole service.
    email           text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    password_hash   text NOT NULL,
    -- The leader's own phone, rung when a session starts (R4.1). E.164.
    mobile          text CHECK (mobile ~ '^\+[1-9][0-9]{5,14}$'),
    timezone        text CHECK (length(timezone) BETWEEN 1 AND 64),
    admin           boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL,
    UNIQUE (organisation_id, id)
);

CREATE TABLE supporter_groups (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at      timestamptz NOT NULL,
    UNIQUE (organisation_id, name),
    UNIQUE (organisation_id, id)
);

-- A user's role in one group (R1.2). Admins need no rows here.
CREATE TABLE group_roles (
    organisation_id bigint NOT NULL,
    group_id        bigint NOT NULL,
    user_id         bigint NOT NULL,
    role            user_role NOT NULL,
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (organisation_id, group_id) REFERENCES supporter_groups (organisation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organisation_id, user_id) REFERENCES users (organisation_id, id) ON DELETE CASCADE
);
CREATE INDEX group_roles_user ON group_roles (user_id);

CREATE TABLE supporters (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL,
    group_id        bigint NOT NULL,
    first_name      text NOT NULL DEFAULT '' CHECK (length(first_name) <= 100),
    last_name       text NOT NULL DEFAULT '' CHECK (length(last_name) <= 100),
    -- What the organisation gave us, verbatim.
    phone_raw       text NOT NULL CHECK (length(phone_raw) BETWEEN 1 AND 64),
    -- The number in E.164, or NULL when phone_raw is not a valid number:
    -- such supporters are kept but never dialled (R1.3, R7.5).
    phone           text CHECK (phone ~ '^\+[1-9][0-9]{5,14}$'),
    -- The natural key within a group (R1.5): the E.164 number, or for an
    -- invalid number its digits, so re-importing the same file is idempotent.
    phone_key       text NOT NULL CHECK (length(phone_key) BETWEEN 1 AND 64),
    email           text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    tags            text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 100),
    -- timezone_explicit is what the organisation said; timezone is what we
    -- use: explicit, else derived from the number, else the organisation's.
    timezone_explicit text CHECK (length(timezone_explicit) BETWEEN 1 AND 64),
    timezone        text NOT NULL CHECK (length(timezone) BETWEEN 1 AND 64),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    FOREIGN KEY (organisation_id, group_id) REFERENCES supporter_groups (organisation_id, id) ON DELETE CASCADE,
    UNIQUE (group_id, phone_key),
    UNIQUE (group_id, id),
    UNIQUE (organisation_id, id),
    CHECK (phone IS NULL OR phone = phone_key)
);
CREATE INDEX supporters_org_phone ON supporters (organisation_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX supporters_group_name ON supporters (group_id, lower(last_name), lower(first_name), id);

CREATE TABLE events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL,
    group_id        bigint NOT NULL,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    starts_at       timestamptz,
    created_at      timestamptz NOT NULL,
    FOREIGN KEY (organisation_id, group_id) REFERENCES supporter_groups (organisation_id, id) ON DELETE CASCADE,
    UNIQUE (group_id, id)
);

CREATE TABLE call_lists (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL,
    group_id        bigint NOT NULL,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- When set, contacts on this list record an RSVP (R1.4, R5.1).
    event_id        bigint,
    created_at      timestamptz NOT NULL,
    FOREIGN KEY (organisation_id, group_id) REFERENCES supporter_groups (organisation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (group_id, event_id) REFERENCES events (group_id, id) ON DELETE SET NULL (event_id),
    UNIQUE (group_id, name),
    UNIQUE (group_id, id),
    UNIQUE (organisation_id, id)
);

-- The order in which supporters joined lists; a session's queue follows it
-- (R8.4: newcomers join at the end).
CREATE SEQUENCE list_member_position;

-- Membership of a supporter in a call list. A removed member keeps its row
-- (removed_at set) so the history of who was on the list survives (R8.4);
-- re-adding clears removed_at and puts the member at the end again.
CREATE TABLE list_members (
    group_id     bigint NOT NULL,
    list_id      bigint NOT NULL,
    supporter_id bigint NOT NULL,
    position     bigint NOT NULL DEFAULT nextval('list_member_position'),
    added_at     timestamptz NOT NULL,
    removed_at   timestamptz,
    PRIMARY KEY (list_id, supporter_id),
    FOREIGN KEY (group_id, list_id) REFERENCES call_lists (group_id, id) ON DELETE CASCADE,
    FOREIGN KEY (group_id, supporter_id) REFERENCES supporters (group_id, id) ON DELETE CASCADE,
    CHECK (removed_at IS NULL OR removed_at >= added_at)
);
-- Queue order over current members: the index claim-next walks (R8).
CREATE INDEX list_members_current ON list_members (list_id, position) WHERE removed_at IS NULL;
CREATE INDEX list_members_supporter ON list_members (supporter_id);

-- Numbers an organisation must never dial (R7.4).
CREATE TABLE do_not_call (
    organisation_id bigint NOT NULL REFERENCES organisations ON DELETE CASCADE,
    phone           text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{5,14}$'),
    reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    added_at        timestamptz NOT NULL,
    PRIMARY KEY (organisation_id, phone)
);
