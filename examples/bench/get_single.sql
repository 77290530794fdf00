\set n random(1, 275)
SELECT NULL::int8, count(*)::int8, coalesce(json_agg(_postgrest_t), '[]')::text FROM (SELECT "artist"."artist_id" AS "artist_id", "artist"."name" AS "name" FROM "public"."artist" AS "artist" WHERE ("artist"."artist_id" = (:n::text)::integer)) _postgrest_t;
