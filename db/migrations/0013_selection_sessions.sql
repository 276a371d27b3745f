CREATE TABLE "selection_sessions" (
	"id" serial PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"site_id" text NOT NULL,
	"held_on" date NOT NULL,
	"starts_at" text DEFAULT '09:00' NOT NULL,
	"offer_id" text NOT NULL,
	"employer_id" text NOT NULL,
	"invited" integer NOT NULL,
	"invitations_operation_id" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "selection_sites" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"city" text NOT NULL,
	"province" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_invitations" (
	"session_id" integer NOT NULL,
	"cycle_id" text NOT NULL,
	"offer_id" text NOT NULL,
	"position" integer NOT NULL,
	"invited_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attendance" text,
	"attendance_by" text,
	"result" text,
	"rank" integer,
	"reason" text,
	"result_by" text,
	"result_at" timestamp with time zone,
	"result_operation_id" text,
	CONSTRAINT "session_invitations_session_id_cycle_id_pk" PRIMARY KEY("session_id","cycle_id")
);
--> statement-breakpoint
ALTER TABLE "selection_sessions" ADD CONSTRAINT "selection_sessions_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action, ADD CONSTRAINT "selection_sessions_site_id_selection_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."selection_sites"("id") ON DELETE no action ON UPDATE no action, ADD CONSTRAINT "selection_sessions_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action, ADD CONSTRAINT "selection_sessions_employer_id_employers_id_fk" FOREIGN KEY ("employer_id") REFERENCES "public"."employers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_invitations" ADD CONSTRAINT "session_invitations_session_id_selection_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."selection_sessions"("id") ON DELETE no action ON UPDATE no action, ADD CONSTRAINT "session_invitations_cycle_id_worker_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."worker_cycles"("id") ON DELETE no action ON UPDATE no action, ADD CONSTRAINT "session_invitations_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "selection_sessions_offer_site_day_uq" ON "selection_sessions" USING btree ("offer_id","site_id","held_on");--> statement-breakpoint
CREATE INDEX "selection_sessions_campaign_idx" ON "selection_sessions" USING btree ("campaign_id");--> statement-breakpoint
CREATE UNIQUE INDEX "session_invitations_offer_cycle_uq" ON "session_invitations" USING btree ("offer_id","cycle_id");--> statement-breakpoint
CREATE INDEX "session_invitations_cycle_idx" ON "session_invitations" USING btree ("cycle_id");--> statement-breakpoint
-- ANAPEC's 4 selection sites (docs/DOMAIN.md); an operator may add others
INSERT INTO "selection_sites" ("id", "name", "city", "province") VALUES
	('kenitra', 'ANAPEC Kénitra – centre de sélection', 'Kenitra', 'Kenitra'),
	('larache', 'ANAPEC Larache – centre de sélection', 'Larache', 'Larache'),
	('ksar-el-kebir', 'ANAPEC Ksar El Kébir – centre de sélection', 'Ksar El Kebir', 'Larache'),
	('sidi-kacem', 'ANAPEC Sidi Kacem – centre de sélection', 'Sidi Kacem', 'Sidi Kacem')
ON CONFLICT ("id") DO NOTHING;
