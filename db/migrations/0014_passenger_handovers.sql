CREATE TABLE "passenger_handovers" (
	"departure_id" text NOT NULL,
	"cycle_id" text NOT NULL,
	"passport" boolean NOT NULL,
	"police_form" boolean NOT NULL,
	"ticket" boolean NOT NULL,
	"exception" text,
	"recorded_by" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "passenger_handovers_departure_id_cycle_id_pk" PRIMARY KEY("departure_id","cycle_id")
);
--> statement-breakpoint
ALTER TABLE "passenger_handovers" ADD CONSTRAINT "passenger_handovers_departure_id_departures_id_fk" FOREIGN KEY ("departure_id") REFERENCES "public"."departures"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "passenger_handovers" ADD CONSTRAINT "passenger_handovers_cycle_id_worker_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."worker_cycles"("id") ON DELETE no action ON UPDATE no action;