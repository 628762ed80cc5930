CREATE TABLE `audit_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`entry` text NOT NULL
);
