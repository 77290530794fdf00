\set n random(1, 275)
BEGIN READ ONLY;
SELECT set_config('search_path', '"public", "public"'::text, true), set_config('role', 'web_anon'::text, true), set_config('request.jwt.claims', '{"role":"web_anon"}'::text, true), set_config('request.method', 'GET'::text, true), set_config('request.path', '/artist'::text, true), set_config('request.headers', E'{"accept"\x3a"*/*","host"\x3a"127.0.0.1\x3a38047","user-agent"\x3a"curl/7.88.1"}'::text, true), set_config('request.cookies', '{}'::text, true), (SELECT count(set_config(key, value, true)) FROM json_each_text('{}'::text::json));
SELECT NULL::int8, count(*)::int8, coalesce(json_agg(_postgrest_t), '[]')::text FROM (SELECT "artist"."artist_id" AS "artist_id", "artist"."name" AS "name" FROM "public"."artist" AS "artist" WHERE ("artist"."artist_id" = (:n::text)::integer)) _postgrest_t;
COMMIT;
