CREATE TABLE `run_steps` (
	`run_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`step_index` integer NOT NULL,
	`attempt` integer NOT NULL,
	`site_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`task_id` text NOT NULL,
	`outcome` text,
	`exit_code` integer,
	`signal` text,
	`message` text,
	`dispatched_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`duration_ms` integer,
	`last_seq` integer NOT NULL,
	PRIMARY KEY(`run_id`, `agent_id`, `step_index`, `attempt`)
);
--> statement-breakpoint
CREATE INDEX `run_steps_tenant` ON `run_steps` (`tenant_id`,`run_id`);--> statement-breakpoint
CREATE INDEX `run_steps_agent` ON `run_steps` (`agent_id`,`run_id`);--> statement-breakpoint
CREATE INDEX `run_steps_site` ON `run_steps` (`site_id`,`run_id`);--> statement-breakpoint
CREATE INDEX `run_steps_task` ON `run_steps` (`task_id`,`run_id`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`task_id` text NOT NULL,
	`task_version` integer NOT NULL,
	`task_name` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`trigger_kind` text NOT NULL,
	`trigger` text NOT NULL,
	`requested_by` text NOT NULL,
	`requested_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`duration_ms` integer,
	`agents_targeted` integer NOT NULL,
	`agents_succeeded` integer,
	`agents_failed` integer,
	`agents_not_started` integer,
	`archive_key` text,
	`archive_bytes` integer,
	`archive_deleted_at` text,
	`last_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `runs_tenant` ON `runs` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `runs_tenant_status` ON `runs` (`tenant_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `runs_tenant_requested` ON `runs` (`tenant_id`,`requested_at`);--> statement-breakpoint
CREATE INDEX `runs_site` ON `runs` (`site_id`,`id`);--> statement-breakpoint
CREATE INDEX `runs_task` ON `runs` (`task_id`,`id`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text,
	`last_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tasks_site` ON `tasks` (`site_id`);