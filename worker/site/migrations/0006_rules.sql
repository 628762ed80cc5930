CREATE TABLE `rule_triggers` (
	`seq` integer PRIMARY KEY NOT NULL,
	`rule_id` text NOT NULL,
	`rule_version` integer NOT NULL,
	`alert_id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`episode` integer NOT NULL,
	`transition` text NOT NULL,
	`outcome` text NOT NULL,
	`run_id` text,
	`error` text,
	`at` text NOT NULL,
	`notify_url` text,
	`notify_body` text,
	`notify_attempts` integer,
	`notify_at` integer
);
--> statement-breakpoint
CREATE INDEX `rule_triggers_notify` ON `rule_triggers` (`notify_at`);--> statement-breakpoint
CREATE INDEX `rule_triggers_rule` ON `rule_triggers` (`rule_id`,`seq`);--> statement-breakpoint
CREATE INDEX `rule_triggers_alert` ON `rule_triggers` (`alert_id`,`episode`,`rule_id`);--> statement-breakpoint
CREATE INDEX `rule_triggers_series` ON `rule_triggers` (`rule_id`,`fingerprint`,`seq`);--> statement-breakpoint
CREATE TABLE `rules` (
	`id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`definition` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
