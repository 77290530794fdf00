//! Settings of the role a request runs as (`ALTER ROLE web_anon SET statement_timeout = '1s'`).
//!
//! Postgres applies a role's settings at login only, and pgway logs in as the authenticator and
//! switches roles per transaction, so, as PostgREST does, they are read with the schema cache
//! and set transaction-locally in each request of that role. Only settings any user may change
//! (and custom `x.y` ones) are taken; `search_path` and `role` stay pgway's.

use std::collections::HashMap;

use sqlx::PgConnection;

/// The JSON object (`{"statement_timeout": "1s"}`) of each role that has settings.
#[derive(Debug, Default)]
pub struct RoleSettings(HashMap<String, String>);

impl RoleSettings {
    /// The settings of `role`, as a JSON object.
    pub(super) fn of(&self, role: &str) -> &str {
        self.0.get(role).map_or("{}", String::as_str)
    }
}

/// Settings for this database come after those for all databases, so they win.
const ROLE_SETTINGS: &str = r#"
SELECT r.rolname::text,
       json_object_agg(split_part(c.setting, '=', 1),
                       substr(c.setting, strpos(c.setting, '=') + 1)
                       ORDER BY s.setdatabase)::text
FROM pg_db_role_setting s
JOIN pg_roles r ON r.oid = s.setrole
CROSS JOIN LATERAL unnest(s.setconfig) AS c(setting)
LEFT JOIN pg_settings p ON p.name = split_part(c.setting, '=', 1)
WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
  AND (p.context = 'user' OR (p.name IS NULL AND strpos(c.setting, '.') > 0))
  AND split_part(c.setting, '=', 1) NOT IN ('search_path', 'role', 'session_authorization')
GROUP BY r.rolname
"#;

pub async fn load_role_settings(conn: &mut PgConnection) -> Result<RoleSettings, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(ROLE_SETTINGS).fetch_all(conn).await?;
    Ok(RoleSettings(rows.into_iter().collect()))
}
