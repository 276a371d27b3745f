-- A person's id is in her cycle's workflow id and in URLs: it is no longer the next number of a sequence but a keyed
-- permutation of it (a 4-round Feistel network over 30 bits, keyed by a random seed drawn here, per deployment), so
-- knowing one id tells nothing of the next. Still an integer (no column of another table changes), unique by
-- construction; ids already given (sequential) are kept and skipped. Room for 2^30 people. The order people were
-- registered in, which ids said and lists and first-come batches follow, is kept in registration_seq (never shown).
CREATE TABLE IF NOT EXISTS "person_id_key" ("seed" bigint NOT NULL);--> statement-breakpoint
INSERT INTO "person_id_key" ("seed") SELECT ('x' || right(replace(gen_random_uuid()::text, '-', ''), 15))::bit(60)::bigint WHERE NOT EXISTS (SELECT 1 FROM "person_id_key");--> statement-breakpoint
CREATE SEQUENCE IF NOT EXISTS "person_id_seq";--> statement-breakpoint
CREATE OR REPLACE FUNCTION person_id_permutation(n bigint) RETURNS integer LANGUAGE plpgsql STABLE AS $$
DECLARE
  seed bigint := (SELECT "seed" FROM "person_id_key" LIMIT 1);
  l integer := (((n - 1) >> 15) & 32767)::integer;
  r integer := ((n - 1) & 32767)::integer;
  t integer;
BEGIN
  FOR i IN 1..4 LOOP
    t := r;
    r := l # (hashtextextended(r::text, seed + i) & 32767)::integer;
    l := t;
  END LOOP;
  RETURN ((l << 15) | r) + 1;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION next_person_id() RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
DECLARE v integer;
BEGIN
  LOOP
    v := person_id_permutation(nextval('person_id_seq'));
    EXIT WHEN NOT EXISTS (SELECT 1 FROM "candidates" WHERE "id" = v);
  END LOOP;
  RETURN v;
END $$;--> statement-breakpoint
ALTER TABLE "candidates" ALTER COLUMN "id" SET DEFAULT next_person_id();--> statement-breakpoint
ALTER TABLE "candidates" ADD COLUMN "registration_seq" bigserial NOT NULL;--> statement-breakpoint
UPDATE "candidates" SET "registration_seq" = "id";--> statement-breakpoint
SELECT setval(pg_get_serial_sequence('"candidates"', 'registration_seq'), coalesce((SELECT max("id") FROM "candidates"), 0) + 1, false);
