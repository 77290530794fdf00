-- The pgway example database, as one sqlx migration.
--
-- It is embedded into the binary with `sqlx::migrate!()` and applied by `pgway demo` and by the tests
-- (src/embedded.rs, `load_example`) to a throwaway cluster. It holds the `api` schema that pgway serves:
-- people (with a view, a computed column and functions over them), clients -> projects -> tasks,
-- users -> post, and accounts protected by row level security for the `managers` roles.
--
-- Tests elsewhere assert exact JSON built from these rows: do not change ids or values.
--
-- Roles are cluster-wide, while this migration may run in several databases of one cluster, even at
-- the same time. So each role is created only if absent, and a concurrent migration in another
-- database that creates the same role first (duplicate_object, or unique_violation once it commits)
-- is not an error.

-- Roles ------------------------------------------------------------------------------------------

DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'web_anon') THEN
        CREATE ROLE web_anon NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'managers') THEN
        CREATE ROLE managers NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mgr_alice') THEN
        CREATE ROLE mgr_alice NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mgr_bob') THEN
        CREATE ROLE mgr_bob NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

-- The login role pgway connects as; it switches to the others with SET LOCAL ROLE. No password:
-- the example cluster uses trust authentication.
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN
        CREATE ROLE authenticator LOGIN NOINHERIT;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

-- Granting a membership that already exists is only a notice.
GRANT managers TO mgr_alice, mgr_bob;
GRANT web_anon, managers, mgr_alice, mgr_bob TO authenticator;

-- Schema -----------------------------------------------------------------------------------------

CREATE SCHEMA api;
COMMENT ON SCHEMA api IS E'pgway example API\nPeople, clients with their projects and tasks, users and their posts, and managers'' accounts.';

-- People -----------------------------------------------------------------------------------------

CREATE TABLE api.people (
    id      serial PRIMARY KEY,
    name    text NOT NULL,
    age     int,
    height  int,
    student bool
);
COMMENT ON TABLE api.people IS 'People we know';
COMMENT ON COLUMN api.people.name IS 'Full name';
COMMENT ON COLUMN api.people.age IS 'Age in years';

INSERT INTO api.people (id, name, age, height, student) VALUES
    (1, 'Alice', 30, 165, false),
    (2, 'Bob', 17, 172, true),
    (3, 'Carol', 22, 160, true),
    (4, 'Dan', 45, 181, false),
    (5, 'Erin', 19, 158, true),
    (6, 'Frank', 12, 140, true),
    (7, 'Grace', NULL, 170, NULL);
SELECT setval('api.people_id_seq', 7);

-- Clients, projects, tasks -----------------------------------------------------------------------

CREATE TABLE api.clients (
    id   int PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO api.clients (id, name) VALUES
    (1, 'Microsoft'),
    (2, 'Apple');

CREATE TABLE api.projects (
    id        int PRIMARY KEY,
    name      text NOT NULL,
    client_id int REFERENCES api.clients (id)
);
INSERT INTO api.projects (id, name, client_id) VALUES
    (1, 'Windows 7', 1),
    (2, 'Windows 10', 1),
    (3, 'IOS', 2),
    (4, 'OSX', 2),
    (5, 'Orphan', NULL);

CREATE TABLE api.tasks (
    id         int PRIMARY KEY,
    name       text NOT NULL,
    done       bool NOT NULL DEFAULT false,
    project_id int REFERENCES api.projects (id)
);
INSERT INTO api.tasks (id, name, done, project_id) VALUES
    (1, 'Design w7', true, 1),
    (2, 'Code w7', true, 1),
    (3, 'Design w10', false, 2),
    (4, 'Code w10', false, 2),
    (5, 'Design IOS', false, 3),
    (6, 'Code IOS', false, 3),
    (7, 'Design OSX', true, 4),
    (8, 'Code OSX', false, 4);

-- Users and their posts --------------------------------------------------------------------------

CREATE TABLE api.users (
    id   int PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO api.users (id, name) VALUES
    (1, 'Ann'),
    (2, 'Bert');

CREATE TABLE api.post (
    id        serial PRIMARY KEY,
    author_id int NOT NULL REFERENCES api.users (id),
    headline  text,
    body      text
);
INSERT INTO api.post (id, author_id, headline, body) VALUES
    (1, 1, 'Hello', 'First post'),
    (2, 1, 'Again', 'Second post'),
    (3, 2, 'Hi', 'Bert here');
SELECT setval('api.post_id_seq', 3);

-- Managers' accounts, row level security -----------------------------------------------------------

CREATE TABLE api.accounts (
    manager       text NOT NULL,
    company       text NOT NULL,
    contact_email text
);
ALTER TABLE api.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_managers ON api.accounts TO managers USING (manager = current_user);
INSERT INTO api.accounts (manager, company, contact_email) VALUES
    ('mgr_alice', 'Acme', 'ceo@acme.test'),
    ('mgr_alice', 'Initech', 'it@initech.test'),
    ('mgr_bob', 'Globex', 'boss@globex.test');

-- View and functions -----------------------------------------------------------------------------

CREATE VIEW api.adults AS SELECT id, name, age FROM api.people WHERE age >= 18;
COMMENT ON VIEW api.adults IS 'People aged 18 or more';

CREATE FUNCTION api.people_over(min_age int) RETURNS SETOF api.people LANGUAGE sql STABLE AS $$
    SELECT * FROM api.people WHERE age > min_age ORDER BY id
$$;
COMMENT ON FUNCTION api.people_over(int) IS 'People older than min_age';

-- A computed column (GraphQL's `Person.initials`; PostgREST's `select=name,people_initials`).
CREATE FUNCTION api.people_initials(p api.people) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT string_agg(upper(left(part, 1)), '') FROM regexp_split_to_table(p.name, '\s+') AS part
$$;
COMMENT ON FUNCTION api.people_initials(api.people) IS 'The initials of the name';

-- A VOLATILE function (GraphQL's `addPerson` mutation; PostgREST's `POST /rpc/add_person`).
CREATE FUNCTION api.add_person(name text, age int) RETURNS api.people LANGUAGE sql VOLATILE AS $$
    INSERT INTO api.people (name, age) VALUES (name, age) RETURNING *
$$;
COMMENT ON FUNCTION api.add_person(text, int) IS 'Adds a person';

-- Grants (web_anon gets nothing on accounts; EXECUTE stays granted to PUBLIC, but for add_person) ----

GRANT USAGE ON SCHEMA api TO web_anon, managers;
GRANT SELECT ON api.people, api.clients, api.projects, api.tasks, api.users, api.post, api.adults TO web_anon, managers;
GRANT INSERT, UPDATE, DELETE ON api.people, api.clients, api.projects, api.tasks, api.users, api.post TO managers;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA api TO managers;
GRANT SELECT, INSERT, UPDATE, DELETE ON api.accounts TO managers;
GRANT EXECUTE ON FUNCTION api.people_over(int), api.people_initials(api.people) TO web_anon, managers;
REVOKE EXECUTE ON FUNCTION api.add_person(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.add_person(text, int) TO managers;
