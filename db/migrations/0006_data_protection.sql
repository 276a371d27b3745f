CREATE TABLE "access_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"candidate_id" integer NOT NULL,
	"actor_subject" text NOT NULL,
	"actor_label" text NOT NULL,
	"actor_role" text NOT NULL,
	"purpose" text NOT NULL,
	"route" text NOT NULL,
	"detail" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "erasures" (
	"candidate_id" integer PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"reason" text NOT NULL,
	"note" text,
	"erased_by" text NOT NULL,
	"erased_by_subject" text NOT NULL,
	"erased_at" timestamp with time zone DEFAULT now() NOT NULL,
	"summary" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "access_log" ADD CONSTRAINT "access_log_candidate_id_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."candidates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "erasures" ADD CONSTRAINT "erasures_candidate_id_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."candidates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_log_candidate_idx" ON "access_log" USING btree ("candidate_id","at");