CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`public_key` text NOT NULL,
	`hostname` text NOT NULL,
	`labels` text NOT NULL,
	`status` text NOT NULL,
	`presence` text NOT NULL,
	`version` text,
	`facts` text NOT NULL,
	`enrolled_at` text NOT NULL,
	`last_seen_at` text
);
--> statement-breakpoint
CREATE TABLE `enrolment_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`max_uses` integer NOT NULL,
	`uses` integer NOT NULL,
	`labels` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`source` text NOT NULL,
	`type` text NOT NULL,
	`subject` text,
	`time` text NOT NULL,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_source_id` ON `events` (`source`,`id`);--> statement-breakpoint
CREATE INDEX `events_type_seq` ON `events` (`type`,`seq`);--> statement-breakpoint
CREATE TABLE `idempotency` (
	`key` text PRIMARY KEY NOT NULL,
	`fingerprint` text NOT NULL,
	`status` integer NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL
);
