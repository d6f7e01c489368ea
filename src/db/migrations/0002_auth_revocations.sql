CREATE TABLE "auth_revocations" (
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"revoked_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "auth_revocations_kind_subject_pk" PRIMARY KEY("kind","subject")
);
--> statement-breakpoint
CREATE INDEX "auth_revocations_expires_idx" ON "auth_revocations" USING btree ("expires_at");