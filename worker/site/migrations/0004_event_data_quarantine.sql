CREATE TABLE `projection_quarantine` (
	`seq` integer PRIMARY KEY NOT NULL,
	`error` text NOT NULL,
	`quarantined_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `events` ADD `data` blob;