CREATE TABLE `saved_report_results` (
	`id` text PRIMARY KEY NOT NULL,
	`report_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer NOT NULL,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`rows` integer,
	`bytes` integer,
	`error_code` text,
	`error_message` text,
	`object_key` text,
	`content_type` text
);
--> statement-breakpoint
CREATE INDEX `saved_report_results_report` ON `saved_report_results` (`report_id`,`id`);--> statement-breakpoint
CREATE TABLE `saved_reports` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`report` text NOT NULL,
	`format` text NOT NULL,
	`cron` text,
	`timezone` text,
	`next_run_at` integer,
	`retention` integer NOT NULL,
	`shared_team_ids` text NOT NULL,
	`owner_type` text NOT NULL,
	`owner_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `saved_reports_next_run` ON `saved_reports` (`next_run_at`);