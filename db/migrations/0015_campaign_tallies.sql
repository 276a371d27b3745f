CREATE TABLE "campaign_tallies" (
	"campaign_id" text NOT NULL,
	"province" text NOT NULL,
	"stage" text NOT NULL,
	"outcome" text NOT NULL,
	"seat_offer_id" text NOT NULL,
	"woman" boolean NOT NULL,
	"selected" boolean NOT NULL,
	"embarked" boolean NOT NULL,
	"on_reserve_list" boolean NOT NULL,
	"cycles" integer NOT NULL,
	CONSTRAINT "campaign_tallies_pk" PRIMARY KEY("campaign_id","province","stage","outcome","seat_offer_id","woman","selected","embarked","on_reserve_list")
);
--> statement-breakpoint
CREATE TABLE "campaign_tally_deltas" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"province" text NOT NULL,
	"stage" text NOT NULL,
	"outcome" text NOT NULL,
	"seat_offer_id" text NOT NULL,
	"woman" boolean NOT NULL,
	"selected" boolean NOT NULL,
	"embarked" boolean NOT NULL,
	"on_reserve_list" boolean NOT NULL,
	"cycles" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "campaign_tally_deltas_campaign_idx" ON "campaign_tally_deltas" USING btree ("campaign_id");--> statement-breakpoint
-- A cycle's counted facts, appended with a sign. seat: the offer whose seat it holds ('' none), given by the caller
-- because a seat's own trigger counts the seat before and after its change. Every statement of a trigger function
-- reads the latest committed rows (READ COMMITTED, a snapshot per statement), so a cycle's row and its seat changed
-- by two transactions at once still net out right: offer_seats' trigger locks the cycle row first.
CREATE FUNCTION campaign_tally_append(c worker_cycles, seat text, sign integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO campaign_tally_deltas (campaign_id, province, stage, outcome, seat_offer_id, woman, selected, embarked, on_reserve_list, cycles)
  SELECT c.campaign_id, c.province, c.stage, coalesce(c.outcome, ''), seat,
         coalesce((SELECT p.sex = 'F' FROM candidates p WHERE p.id = c.candidate_id), false),
         c.offer_id IS NOT NULL, c.embarked_at IS NOT NULL, c.reserve_rank IS NOT NULL, sign
$$;
--> statement-breakpoint
CREATE FUNCTION worker_cycles_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- One statement for the row before and after a move (the same cycle: its seat is the same on both sides; a seat's
  -- own change is counted by offer_seats' trigger): half the lookups of appending each side on its own.
  INSERT INTO campaign_tally_deltas (campaign_id, province, stage, outcome, seat_offer_id, woman, selected, embarked, on_reserve_list, cycles)
  SELECT (x.c).campaign_id, (x.c).province, (x.c).stage, coalesce((x.c).outcome, ''),
         coalesce((SELECT s.offer_id FROM offer_seats s WHERE s.cycle_id = (x.c).id), ''),
         coalesce((SELECT p.sex = 'F' FROM candidates p WHERE p.id = (x.c).candidate_id), false),
         (x.c).offer_id IS NOT NULL, (x.c).embarked_at IS NOT NULL, (x.c).reserve_rank IS NOT NULL, x.sign
  FROM (VALUES (CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD END, -1), (CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW END, 1)) AS x(c, sign)
  WHERE (x.c).id IS NOT NULL;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER worker_cycles_tally_rows AFTER INSERT OR DELETE ON worker_cycles FOR EACH ROW EXECUTE FUNCTION worker_cycles_tally();
--> statement-breakpoint
-- most updates (a document printed, a seq moved on) change none of the counted facts: no delta
CREATE TRIGGER worker_cycles_tally_facts AFTER UPDATE ON worker_cycles FOR EACH ROW
  WHEN ((OLD.campaign_id, OLD.candidate_id, OLD.province, OLD.stage, OLD.outcome, OLD.offer_id IS NULL, OLD.embarked_at IS NULL, OLD.reserve_rank IS NULL)
        IS DISTINCT FROM (NEW.campaign_id, NEW.candidate_id, NEW.province, NEW.stage, NEW.outcome, NEW.offer_id IS NULL, NEW.embarked_at IS NULL, NEW.reserve_rank IS NULL))
  EXECUTE FUNCTION worker_cycles_tally();
--> statement-breakpoint
CREATE FUNCTION offer_seats_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c worker_cycles;
BEGIN
  -- locked: a concurrent change of the cycle's row then counts with this seat, or this count sees that change
  SELECT * INTO c FROM worker_cycles WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.cycle_id ELSE NEW.cycle_id END) FOR UPDATE;
  IF NOT FOUND THEN RETURN NULL; END IF;
  PERFORM campaign_tally_append(c, CASE WHEN TG_OP = 'INSERT' THEN '' ELSE OLD.offer_id END, -1);
  PERFORM campaign_tally_append(c, CASE WHEN TG_OP = 'DELETE' THEN '' ELSE NEW.offer_id END, 1);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER offer_seats_tally AFTER INSERT OR DELETE OR UPDATE OF offer_id ON offer_seats FOR EACH ROW EXECUTE FUNCTION offer_seats_tally();
--> statement-breakpoint
CREATE FUNCTION candidates_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c worker_cycles;
BEGIN
  FOR c IN SELECT * FROM worker_cycles WHERE candidate_id = NEW.id ORDER BY id FOR UPDATE LOOP
    -- the cycle's facts as counted before (her former sex), then as now
    INSERT INTO campaign_tally_deltas (campaign_id, province, stage, outcome, seat_offer_id, woman, selected, embarked, on_reserve_list, cycles)
    SELECT c.campaign_id, c.province, c.stage, coalesce(c.outcome, ''), coalesce((SELECT s.offer_id FROM offer_seats s WHERE s.cycle_id = c.id), ''),
           w.woman, c.offer_id IS NOT NULL, c.embarked_at IS NOT NULL, c.reserve_rank IS NOT NULL, w.sign
    FROM (VALUES (OLD.sex = 'F', -1), (NEW.sex = 'F', 1)) AS w(woman, sign);
  END LOOP;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER candidates_tally AFTER UPDATE OF sex ON candidates FOR EACH ROW WHEN (OLD.sex IS DISTINCT FROM NEW.sex) EXECUTE FUNCTION candidates_tally();
--> statement-breakpoint
-- the cycles already there
INSERT INTO campaign_tallies (campaign_id, province, stage, outcome, seat_offer_id, woman, selected, embarked, on_reserve_list, cycles)
SELECT w.campaign_id, w.province, w.stage, coalesce(w.outcome, ''), coalesce(s.offer_id, ''), coalesce(p.sex = 'F', false),
       w.offer_id IS NOT NULL, w.embarked_at IS NOT NULL, w.reserve_rank IS NOT NULL, count(*)::int
FROM worker_cycles w LEFT JOIN offer_seats s ON s.cycle_id = w.id LEFT JOIN candidates p ON p.id = w.candidate_id
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
