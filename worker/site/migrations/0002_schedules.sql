CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`task_id` text NOT NULL,
	`definition` text NOT NULL,
	`status` text NOT NULL,
	`next_fire_at` integer,
	`last_fired_at` text,
	`last_run_id` text,
	`last_error` text,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE INDEX `schedules_status_next` ON `schedules` (`status`,`next_fire_at`);