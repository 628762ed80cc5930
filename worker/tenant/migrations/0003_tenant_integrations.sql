CREATE TABLE `hook_deliveries` (
	`integration_id` text NOT NULL,
	`sender_delivery_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	PRIMARY KEY(`integration_id`, `sender_delivery_id`)
);
--> statement-breakpoint
CREATE TABLE `hook_refusals` (
	`integration_id` text NOT NULL,
	`source_address` text NOT NULL,
	`reason` text NOT NULL,
	`count` integer NOT NULL,
	`last_at` text NOT NULL,
	PRIMARY KEY(`integration_id`, `source_address`, `reason`)
);
--> statement-breakpoint
CREATE TABLE `integration_routing` (
	`integration_id` text PRIMARY KEY NOT NULL,
	`routing` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `integration_secrets` (
	`integration_id` text NOT NULL,
	`slot` integer NOT NULL,
	`secret` text NOT NULL,
	PRIMARY KEY(`integration_id`, `slot`)
);
--> statement-breakpoint
CREATE TABLE `integrations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`settings` text NOT NULL,
	`secret_count` integer NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE TABLE `routed_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`integration_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`request` text NOT NULL,
	`sender_delivery_id` text,
	`alerts` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `routed_deliveries_integration` ON `routed_deliveries` (`integration_id`,`id`);--> statement-breakpoint
CREATE TABLE `routed_delivery_sites` (
	`delivery_id` text NOT NULL,
	`site_id` text NOT NULL,
	`delivery` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_at` integer,
	`error` text,
	PRIMARY KEY(`delivery_id`, `site_id`)
);
--> statement-breakpoint
CREATE INDEX `routed_delivery_sites_next` ON `routed_delivery_sites` (`next_at`);