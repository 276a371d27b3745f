CREATE TABLE "operator_repairs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"target" text NOT NULL,
	"cycle_id" text,
	"reason" text NOT NULL,
	"actor" text NOT NULL,
	"actor_subject" text NOT NULL,
	"status" text DEFAULT 'started' NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "operator_repairs_target_idx" ON "operator_repairs" USING btree ("target");--> statement-breakpoint
CREATE INDEX "operator_repairs_cycle_idx" ON "operator_repairs" USING btree ("cycle_id");