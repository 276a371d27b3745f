CREATE TABLE "bulk_items" (
	"operation_id" text NOT NULL,
	"line" integer NOT NULL,
	"cycle_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"error" text,
	"applied_at" timestamp with time zone,
	CONSTRAINT "bulk_items_operation_id_line_pk" PRIMARY KEY("operation_id","line")
);
--> statement-breakpoint
CREATE TABLE "bulk_operations" (
	"id" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"kind" text NOT NULL,
	"source" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"total" integer NOT NULL,
	"applied" integer DEFAULT 0 NOT NULL,
	"refused" integer DEFAULT 0 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "departure_passengers" (
	"departure_id" text NOT NULL,
	"cycle_id" text NOT NULL,
	"status" text DEFAULT 'convoked' NOT NULL,
	"embarked_at" timestamp with time zone,
	CONSTRAINT "departure_passengers_departure_id_cycle_id_pk" PRIMARY KEY("departure_id","cycle_id")
);
--> statement-breakpoint
CREATE TABLE "departures" (
	"id" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"seq" integer NOT NULL,
	"direction" text DEFAULT 'outbound' NOT NULL,
	"departure_at" timestamp with time zone NOT NULL,
	"port" text NOT NULL,
	"destination" text NOT NULL,
	"seats" integer NOT NULL,
	"status" text DEFAULT 'planned' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intake_files" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"kind" text NOT NULL,
	"sha256" text NOT NULL,
	"format" text NOT NULL,
	"rows_total" integer NOT NULL,
	"rows_accepted" integer NOT NULL,
	"rows_rejected" integer NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"operation_id" text,
	"loaded_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "visa_batch_members" (
	"batch_id" text NOT NULL,
	"cycle_id" text NOT NULL,
	"attempt" smallint DEFAULT 1 NOT NULL,
	"decision" text,
	"decided_at" timestamp with time zone,
	CONSTRAINT "visa_batch_members_batch_id_cycle_id_pk" PRIMARY KEY("batch_id","cycle_id")
);
--> statement-breakpoint
CREATE TABLE "visa_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"seq" integer NOT NULL,
	"week_start" date NOT NULL,
	"capacity" integer NOT NULL,
	"status" text DEFAULT 'assembled' NOT NULL,
	"members" integer NOT NULL,
	"lodged_on" date,
	"decision_deadline_at" timestamp with time zone,
	"escalated_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "reserve_cutoff" date;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "visa_weekly_capacity" integer DEFAULT 1500 NOT NULL;--> statement-breakpoint
ALTER TABLE "worker_cycles" ADD COLUMN "reserve_rank" integer;--> statement-breakpoint
ALTER TABLE "bulk_items" ADD CONSTRAINT "bulk_items_operation_id_bulk_operations_id_fk" FOREIGN KEY ("operation_id") REFERENCES "public"."bulk_operations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bulk_operations" ADD CONSTRAINT "bulk_operations_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "departure_passengers" ADD CONSTRAINT "departure_passengers_departure_id_departures_id_fk" FOREIGN KEY ("departure_id") REFERENCES "public"."departures"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "departure_passengers" ADD CONSTRAINT "departure_passengers_cycle_id_worker_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."worker_cycles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "departures" ADD CONSTRAINT "departures_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intake_files" ADD CONSTRAINT "intake_files_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visa_batch_members" ADD CONSTRAINT "visa_batch_members_batch_id_visa_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."visa_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visa_batch_members" ADD CONSTRAINT "visa_batch_members_cycle_id_worker_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."worker_cycles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visa_batches" ADD CONSTRAINT "visa_batches_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bulk_items_cycle_idx" ON "bulk_items" USING btree ("cycle_id");--> statement-breakpoint
CREATE INDEX "departure_passengers_cycle_idx" ON "departure_passengers" USING btree ("cycle_id");--> statement-breakpoint
CREATE UNIQUE INDEX "departures_campaign_seq_uq" ON "departures" USING btree ("campaign_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "intake_files_campaign_kind_sha_uq" ON "intake_files" USING btree ("campaign_id","kind","sha256");--> statement-breakpoint
CREATE UNIQUE INDEX "visa_batch_members_cycle_attempt_uq" ON "visa_batch_members" USING btree ("cycle_id","attempt");--> statement-breakpoint
CREATE UNIQUE INDEX "visa_batches_campaign_seq_uq" ON "visa_batches" USING btree ("campaign_id","seq");--> statement-breakpoint
CREATE INDEX "visa_batches_week_idx" ON "visa_batches" USING btree ("campaign_id","week_start");