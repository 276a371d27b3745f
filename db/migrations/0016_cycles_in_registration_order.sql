ALTER TABLE "worker_cycles" ADD COLUMN "registration_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- the rows already there
UPDATE "worker_cycles" w SET "registration_seq" = c."registration_seq" FROM "candidates" c WHERE c."id" = w."candidate_id";--> statement-breakpoint
-- Every path that writes a cycle row (a start, a re-hire, a file, a transition written before its row) gets it here,
-- in one place.
CREATE FUNCTION worker_cycles_registration_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.registration_seq := coalesce((SELECT c.registration_seq FROM candidates c WHERE c.id = NEW.candidate_id), 0);
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER worker_cycles_registration_seq BEFORE INSERT OR UPDATE OF candidate_id ON worker_cycles FOR EACH ROW EXECUTE FUNCTION worker_cycles_registration_seq();--> statement-breakpoint
DROP INDEX "worker_cycles_campaign_stage_idx";--> statement-breakpoint
CREATE INDEX "worker_cycles_campaign_stage_registration_idx" ON "worker_cycles" USING btree ("campaign_id","stage","registration_seq");--> statement-breakpoint
CREATE INDEX "worker_cycles_campaign_registration_idx" ON "worker_cycles" USING btree ("campaign_id","registration_seq");
