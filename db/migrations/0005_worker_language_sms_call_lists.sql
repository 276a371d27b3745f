CREATE TABLE "agencies" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"province" text NOT NULL,
	"email" text NOT NULL,
	"phone" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agencies_province_unique" UNIQUE("province")
);
--> statement-breakpoint
CREATE TABLE "call_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"entry_id" bigint NOT NULL,
	"outcome" text NOT NULL,
	"called_by" text NOT NULL,
	"note" text,
	"called_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_list_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"idempotency_key" text NOT NULL,
	"agency_id" text,
	"province" text NOT NULL,
	"campaign_id" text NOT NULL,
	"cycle_id" text NOT NULL,
	"purpose" text NOT NULL,
	"reason" text NOT NULL,
	"message" text NOT NULL,
	"due_on" date NOT NULL,
	"departure_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"outcome" text,
	"last_called_at" timestamp with time zone,
	"escalated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sms_receipts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"smsc_message_id" text NOT NULL,
	"outbox_id" bigint,
	"stat" text NOT NULL,
	"err" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "candidates" ALTER COLUMN "phone" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "candidates" ADD COLUMN "language" text DEFAULT 'ar' NOT NULL;--> statement-breakpoint
ALTER TABLE "email_outbox" ADD COLUMN "channel" text DEFAULT 'email' NOT NULL;--> statement-breakpoint
ALTER TABLE "email_outbox" ADD COLUMN "smsc_message_ids" text[];--> statement-breakpoint
ALTER TABLE "email_outbox" ADD COLUMN "delivery" text;--> statement-breakpoint
ALTER TABLE "email_outbox" ADD COLUMN "delivered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "call_attempts" ADD CONSTRAINT "call_attempts_entry_id_call_list_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."call_list_entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_list_entries" ADD CONSTRAINT "call_list_entries_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sms_receipts" ADD CONSTRAINT "sms_receipts_outbox_id_email_outbox_id_fk" FOREIGN KEY ("outbox_id") REFERENCES "public"."email_outbox"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "call_attempts_entry_idx" ON "call_attempts" USING btree ("entry_id");--> statement-breakpoint
CREATE UNIQUE INDEX "call_list_entries_key_uq" ON "call_list_entries" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "call_list_entries_agency_idx" ON "call_list_entries" USING btree ("agency_id","purpose","due_on");--> statement-breakpoint
CREATE UNIQUE INDEX "sms_receipts_message_stat_uq" ON "sms_receipts" USING btree ("smsc_message_id","stat");--> statement-breakpoint
CREATE INDEX "sms_receipts_outbox_idx" ON "sms_receipts" USING btree ("outbox_id");--> statement-breakpoint
CREATE INDEX "email_outbox_smsc_ids_idx" ON "email_outbox" USING gin ("smsc_message_ids");