CREATE TABLE `consumers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`agent_id` text,
	`selector` text,
	`labels` text NOT NULL,
	`created_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE INDEX `consumers_name` ON `consumers` (`name`);--> statement-breakpoint
CREATE TABLE `resource_status` (
	`resource_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`report` integer NOT NULL,
	`observed_version` integer NOT NULL,
	`conditions` text NOT NULL,
	`feedback` text NOT NULL,
	`deleted` integer NOT NULL,
	`reported_at` text NOT NULL,
	PRIMARY KEY(`resource_id`, `agent_id`)
);
--> statement-breakpoint
CREATE TABLE `resource_status_history` (
	`seq` integer PRIMARY KEY NOT NULL,
	`resource_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`observed_version` integer NOT NULL,
	`conditions` text NOT NULL,
	`feedback` text NOT NULL,
	`deleted` integer NOT NULL,
	`reported_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `resource_status_history_resource` ON `resource_status_history` (`resource_id`,`seq`);--> statement-breakpoint
CREATE TABLE `resources` (
	`id` text PRIMARY KEY NOT NULL,
	`consumer_id` text NOT NULL,
	`version` integer NOT NULL,
	`spec` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`delete_requested_at` text,
	`deleted_at` text
);
--> statement-breakpoint
CREATE INDEX `resources_consumer` ON `resources` (`consumer_id`,`id`);