CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`hostname` text NOT NULL,
	`status` text NOT NULL,
	`presence` text NOT NULL,
	`version` text,
	`os_family` text,
	`os_distribution` text,
	`os_version` text,
	`arch` text,
	`labels` text NOT NULL,
	`facts` text NOT NULL,
	`enrolled_at` text NOT NULL,
	`last_seen_at` text,
	`last_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `agents_tenant_site` ON `agents` (`tenant_id`,`site_id`,`id`);--> statement-breakpoint
CREATE INDEX `agents_tenant_os` ON `agents` (`tenant_id`,`os_family`);--> statement-breakpoint
CREATE TABLE `projection_cursors` (
	`site_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `site_events` (
	`site_id` text NOT NULL,
	`seq` integer NOT NULL,
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`source` text NOT NULL,
	`type` text NOT NULL,
	`subject` text,
	`time` text NOT NULL,
	PRIMARY KEY(`site_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `site_events_tenant_type_time` ON `site_events` (`tenant_id`,`type`,`time`);--> statement-breakpoint
CREATE INDEX `site_events_tenant_time` ON `site_events` (`tenant_id`,`time`);--> statement-breakpoint
CREATE TABLE `sites` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`labels` text NOT NULL,
	`timezone` text NOT NULL,
	`agent_approval` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`archived_at` text,
	`last_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sites_tenant_name` ON `sites` (`tenant_id`,`name`,`id`);