CREATE TABLE "offer_seats" (
	"cycle_id" text PRIMARY KEY NOT NULL,
	"offer_id" text NOT NULL,
	"via" text NOT NULL,
	"held_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "offer_seats" ADD CONSTRAINT "offer_seats_cycle_id_worker_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."worker_cycles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offer_seats" ADD CONSTRAINT "offer_seats_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "offer_seats_offer_idx" ON "offer_seats" USING btree ("offer_id");--> statement-breakpoint
-- cycles selected before the eligibility gate existed hold their posts too
INSERT INTO "offer_seats" ("cycle_id", "offer_id", "via") SELECT "id", "offer_id", 'selection' FROM "worker_cycles" WHERE "offer_id" IS NOT NULL ON CONFLICT DO NOTHING;
