CREATE TABLE "reintegration_enrolments" (
	"id" serial PRIMARY KEY NOT NULL,
	"candidate_id" integer NOT NULL,
	"programme" text NOT NULL,
	"enrolled_on" date NOT NULL,
	"status" text DEFAULT 'enrolled' NOT NULL,
	"outcome" text,
	"business_name" text,
	"outcome_on" date,
	"enrolled_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reintegration_steps" (
	"enrolment_id" integer NOT NULL,
	"step" text NOT NULL,
	"completed_on" date NOT NULL,
	"recorded_by" text NOT NULL,
	CONSTRAINT "reintegration_steps_enrolment_id_step_pk" PRIMARY KEY("enrolment_id","step")
);
--> statement-breakpoint
CREATE TABLE "work_authorisations" (
	"id" serial PRIMARY KEY NOT NULL,
	"candidate_id" integer NOT NULL,
	"number" text NOT NULL,
	"sector" text NOT NULL,
	"starts_on" date NOT NULL,
	"ends_on" date NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"status_reason" text,
	"first_cycle_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "candidates" ADD COLUMN "blocked_until" date;--> statement-breakpoint
ALTER TABLE "candidates" ADD COLUMN "blocked_reason" text;--> statement-breakpoint
ALTER TABLE "worker_cycles" ADD COLUMN "rehire" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "reintegration_enrolments" ADD CONSTRAINT "reintegration_enrolments_candidate_id_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."candidates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reintegration_steps" ADD CONSTRAINT "reintegration_steps_enrolment_id_reintegration_enrolments_id_fk" FOREIGN KEY ("enrolment_id") REFERENCES "public"."reintegration_enrolments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_authorisations" ADD CONSTRAINT "work_authorisations_candidate_id_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."candidates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "reintegration_candidate_programme_uq" ON "reintegration_enrolments" USING btree ("candidate_id","programme");--> statement-breakpoint
CREATE UNIQUE INDEX "work_authorisations_number_uq" ON "work_authorisations" USING btree ("number");--> statement-breakpoint
CREATE INDEX "work_authorisations_candidate_idx" ON "work_authorisations" USING btree ("candidate_id");