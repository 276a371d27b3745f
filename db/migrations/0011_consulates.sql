-- Consulates as records: a week's visa capacity is the consulate's, shared by campaigns, batches and single lodgings.
CREATE TABLE "consulates" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"city" text NOT NULL,
	"role" text DEFAULT 'lodging' NOT NULL,
	"weekly_capacity" integer DEFAULT 1500 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Rabat lodges the GECCO visa files, Tanger issues them (the sources); 1,500 files a week each until configured
INSERT INTO "consulates" ("id", "name", "city", "role", "weekly_capacity") VALUES
	('rabat', 'Consulado General de España en Rabat', 'Rabat', 'lodging', 1500),
	('tanger', 'Consulado General de España en Tánger', 'Tanger', 'issuing', 1500)
	ON CONFLICT DO NOTHING;--> statement-breakpoint
CREATE TABLE "single_visa_lodgings" (
	"cycle_id" text NOT NULL,
	"file_reference" text NOT NULL,
	"consulate_id" text NOT NULL,
	"week_start" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "single_visa_lodgings_cycle_id_file_reference_pk" PRIMARY KEY("cycle_id","file_reference")
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "consulate_id" text DEFAULT 'rabat' NOT NULL;--> statement-breakpoint
ALTER TABLE "visa_batches" ADD COLUMN "consulate_id" text DEFAULT 'rabat' NOT NULL;--> statement-breakpoint
ALTER TABLE "single_visa_lodgings" ADD CONSTRAINT "single_visa_lodgings_cycle_id_worker_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."worker_cycles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "single_visa_lodgings" ADD CONSTRAINT "single_visa_lodgings_consulate_id_consulates_id_fk" FOREIGN KEY ("consulate_id") REFERENCES "public"."consulates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "single_visa_lodgings_week_idx" ON "single_visa_lodgings" USING btree ("consulate_id","week_start");--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_consulate_id_consulates_id_fk" FOREIGN KEY ("consulate_id") REFERENCES "public"."consulates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visa_batches" ADD CONSTRAINT "visa_batches_consulate_id_consulates_id_fk" FOREIGN KEY ("consulate_id") REFERENCES "public"."consulates"("id") ON DELETE no action ON UPDATE no action;