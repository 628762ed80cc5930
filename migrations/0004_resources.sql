CREATE TABLE `consumers` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`agent_id` text,
	`selector` text,
	`labels` text NOT NULL,
	`created_at` text NOT NULL,
	`deleted_at` text,
	`last_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `consumers_site` ON `consumers` (`site_id`,`name`);--> statement-breakpoint
CREATE TABLE `resource_status` (
	`resource_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`site_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`report` integer NOT NULL,
	`observed_version` integer NOT NULL,
	`conditions` text NOT NULL,
	`feedback` text NOT NULL,
	`deleted` integer NOT NULL,
	`reported_at` text NOT NULL,
	PRIMARY KEY(`resource_id`, `agent_id`)
);
--> statement-breakpoint
CREATE INDEX `resource_status_site` ON `resource_status` (`site_id`);--> statement-breakpoint
CREATE TABLE `resources` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`consumer_id` text NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`spec` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`delete_requested_at` text,
	`deleted_at` text,
	`last_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `resources_tenant` ON `resources` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `resources_site` ON `resources` (`site_id`,`consumer_id`,`id`);