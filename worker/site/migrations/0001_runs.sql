CREATE TABLE `run_agents` (
	`run_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`position` integer NOT NULL,
	`state` text NOT NULL,
	`step_index` integer NOT NULL,
	`attempt` integer NOT NULL,
	`step_deadline` integer,
	`due_at` integer,
	PRIMARY KEY(`run_id`, `agent_id`)
);
--> statement-breakpoint
CREATE INDEX `run_agents_state_due` ON `run_agents` (`state`,`due_at`);--> statement-breakpoint
CREATE INDEX `run_agents_agent_state` ON `run_agents` (`agent_id`,`state`);--> statement-breakpoint
CREATE TABLE `run_steps` (
	`run_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`step_index` integer NOT NULL,
	`attempt` integer NOT NULL,
	`outcome` text,
	`exit_code` integer,
	`signal` text,
	`message` text,
	`dispatched_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`duration_ms` integer,
	`lines` integer NOT NULL,
	`bytes` integer NOT NULL,
	`head` text NOT NULL,
	`tail` text NOT NULL,
	PRIMARY KEY(`run_id`, `agent_id`, `step_index`, `attempt`)
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`task_id` text NOT NULL,
	`task_version` integer NOT NULL,
	`status` text NOT NULL,
	`request` text NOT NULL,
	`requested_by` text NOT NULL,
	`requested_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`finished_at` text,
	`reason` text,
	`cancel_requested` integer NOT NULL,
	`archive` text,
	`due_at` integer
);
--> statement-breakpoint
CREATE INDEX `runs_task_status` ON `runs` (`task_id`,`status`);--> statement-breakpoint
CREATE INDEX `runs_status_due` ON `runs` (`status`,`due_at`);--> statement-breakpoint
CREATE TABLE `task_versions` (
	`task_id` text NOT NULL,
	`version` integer NOT NULL,
	`definition` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	PRIMARY KEY(`task_id`, `version`)
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`name` text NOT NULL,
	`labels` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE INDEX `events_subject_type` ON `events` (`subject`,`type`,`seq`);