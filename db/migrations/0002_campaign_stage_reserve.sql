CREATE TABLE "reserve_calls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"offer_id" text NOT NULL,
	"vacated_cycle_id" text NOT NULL,
	"reserve_cycle_id" text NOT NULL,
	"status" text DEFAULT 'called' NOT NULL,
	"reason" text,
	"called_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "stage" text DEFAULT 'draft' NOT NULL;--> statement-breakpoint
ALTER TABLE "reserve_calls" ADD CONSTRAINT "reserve_calls_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_calls" ADD CONSTRAINT "reserve_calls_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_calls" ADD CONSTRAINT "reserve_calls_vacated_cycle_id_worker_cycles_id_fk" FOREIGN KEY ("vacated_cycle_id") REFERENCES "public"."worker_cycles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_calls" ADD CONSTRAINT "reserve_calls_reserve_cycle_id_worker_cycles_id_fk" FOREIGN KEY ("reserve_cycle_id") REFERENCES "public"."worker_cycles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "reserve_calls_vacated_reserve_uq" ON "reserve_calls" USING btree ("vacated_cycle_id","reserve_cycle_id");--> statement-breakpoint
CREATE INDEX "reserve_calls_campaign_idx" ON "reserve_calls" USING btree ("campaign_id");