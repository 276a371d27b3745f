CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cycle_id" text NOT NULL,
	"seq" integer NOT NULL,
	"step" text NOT NULL,
	"stage" text NOT NULL,
	"outcome" text,
	"actor" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"season" integer NOT NULL,
	"destination_province" text NOT NULL,
	"sector" text DEFAULT 'agriculture' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "candidates" (
	"id" serial PRIMARY KEY NOT NULL,
	"national_id" text NOT NULL,
	"first_name" text NOT NULL,
	"last_name" text NOT NULL,
	"birth_date" date NOT NULL,
	"sex" text NOT NULL,
	"province" text NOT NULL,
	"commune" text NOT NULL,
	"household_situation" text NOT NULL,
	"dependants" smallint DEFAULT 0 NOT NULL,
	"phone" text NOT NULL,
	"email" text,
	"passport_number" text,
	"passport_expiry" date,
	"prior_seasons" smallint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cycle_id" text NOT NULL,
	"kind" text NOT NULL,
	"version" smallint DEFAULT 1 NOT NULL,
	"filename" text NOT NULL,
	"content_type" text DEFAULT 'application/pdf' NOT NULL,
	"sha256" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"content" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "email_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"idempotency_key" text NOT NULL,
	"cycle_id" text,
	"to_addresses" text[] NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"document_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"message_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "employers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"province" text NOT NULL,
	"municipality" text,
	"email" text,
	"phone" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "offers" (
	"id" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"employer_id" text NOT NULL,
	"kind" text DEFAULT 'generic' NOT NULL,
	"posts" integer NOT NULL,
	"post" text NOT NULL,
	"tasks" text NOT NULL,
	"contract_months" smallint NOT NULL,
	"contract_start" date NOT NULL,
	"contract_end" date NOT NULL,
	"trial_days" smallint NOT NULL,
	"daily_wage_eur" numeric(8, 2) NOT NULL,
	"hours_per_day" numeric(4, 2) NOT NULL,
	"break_minutes" smallint NOT NULL,
	"days_off_per_week" smallint NOT NULL,
	"overtime_paid" boolean NOT NULL,
	"housing_provided" boolean NOT NULL,
	"transport_paid" boolean NOT NULL,
	"medical_cover" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "offers_contract_months_3_to_9" CHECK ("offers"."contract_months" between 3 and 9),
	CONSTRAINT "offers_posts_positive" CHECK ("offers"."posts" > 0),
	CONSTRAINT "offers_dates_ordered" CHECK ("offers"."contract_end" > "offers"."contract_start")
);
--> statement-breakpoint
CREATE TABLE "worker_cycles" (
	"id" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"candidate_id" integer NOT NULL,
	"province" text NOT NULL,
	"stage" text NOT NULL,
	"outcome" text,
	"employer_id" text,
	"offer_id" text,
	"contract_start" date,
	"contract_end" date,
	"authorisation_number" text,
	"visa_file_reference" text,
	"visa_number" text,
	"departure_at" timestamp with time zone,
	"port" text,
	"embarked_at" timestamp with time zone,
	"returned_on" date,
	"return_proof" text,
	"next_season_eligible" boolean,
	"last_seq" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "offers" ADD CONSTRAINT "offers_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offers" ADD CONSTRAINT "offers_employer_id_employers_id_fk" FOREIGN KEY ("employer_id") REFERENCES "public"."employers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "worker_cycles" ADD CONSTRAINT "worker_cycles_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "worker_cycles" ADD CONSTRAINT "worker_cycles_candidate_id_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."candidates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "worker_cycles" ADD CONSTRAINT "worker_cycles_employer_id_employers_id_fk" FOREIGN KEY ("employer_id") REFERENCES "public"."employers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "worker_cycles" ADD CONSTRAINT "worker_cycles_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_cycle_seq_uq" ON "audit_events" USING btree ("cycle_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "candidates_national_id_uq" ON "candidates" USING btree ("national_id");--> statement-breakpoint
CREATE UNIQUE INDEX "documents_cycle_kind_version_uq" ON "documents" USING btree ("cycle_id","kind","version");--> statement-breakpoint
CREATE UNIQUE INDEX "email_outbox_key_uq" ON "email_outbox" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "offers_campaign_idx" ON "offers" USING btree ("campaign_id");--> statement-breakpoint
CREATE UNIQUE INDEX "worker_cycles_campaign_candidate_uq" ON "worker_cycles" USING btree ("campaign_id","candidate_id");--> statement-breakpoint
CREATE INDEX "worker_cycles_campaign_stage_idx" ON "worker_cycles" USING btree ("campaign_id","stage");