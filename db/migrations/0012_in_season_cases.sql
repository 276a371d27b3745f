-- In-season cases (issue 13): reports during the season, each with a deadline, escalated to the agency and the consulate's labour office.
CREATE TABLE "in_season_cases" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cycle_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"employer_id" text NOT NULL,
	"kind" text NOT NULL,
	"details" text NOT NULL,
	"new_offer_id" text,
	"reported_by" text NOT NULL,
	"reported_by_subject" text NOT NULL,
	"reported_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"resolution" text,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"escalated_at" timestamp with time zone,
	"request_key" text,
	CONSTRAINT "in_season_cases_details_bounded" CHECK (length("in_season_cases"."details") between 1 and 4000),
	CONSTRAINT "in_season_cases_new_offer_only_for_change" CHECK (("in_season_cases"."kind" = 'employer_change') = ("in_season_cases"."new_offer_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "in_season_cases" ADD CONSTRAINT "in_season_cases_cycle_id_worker_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."worker_cycles"("id") ON DELETE no action ON UPDATE no action, ADD CONSTRAINT "in_season_cases_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action, ADD CONSTRAINT "in_season_cases_employer_id_employers_id_fk" FOREIGN KEY ("employer_id") REFERENCES "public"."employers"("id") ON DELETE no action ON UPDATE no action, ADD CONSTRAINT "in_season_cases_new_offer_id_offers_id_fk" FOREIGN KEY ("new_offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "in_season_cases_cycle_idx" ON "in_season_cases" USING btree ("cycle_id");--> statement-breakpoint
CREATE INDEX "in_season_cases_campaign_employer_idx" ON "in_season_cases" USING btree ("campaign_id","employer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "in_season_cases_cycle_request_key_uq" ON "in_season_cases" USING btree ("cycle_id","request_key");