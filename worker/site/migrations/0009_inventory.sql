CREATE TABLE `inventory_addresses` (
	`entity_id` text NOT NULL,
	`address` text NOT NULL,
	PRIMARY KEY(`entity_id`, `address`)
);
--> statement-breakpoint
CREATE INDEX `inventory_addresses_address` ON `inventory_addresses` (`address`);--> statement-breakpoint
CREATE TABLE `inventory_custom_fields` (
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`definition` text NOT NULL,
	PRIMARY KEY(`kind`, `name`)
);
--> statement-breakpoint
CREATE TABLE `inventory_entities` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`team_id` text,
	`hostname` text,
	`definition` text NOT NULL,
	`restricted` integer NOT NULL,
	`active` integer NOT NULL,
	`version` integer NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`updated_at` text NOT NULL,
	`updated_by` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `inventory_entities_kind` ON `inventory_entities` (`kind`,`id`);--> statement-breakpoint
CREATE INDEX `inventory_entities_hostname` ON `inventory_entities` (`team_id`,`hostname`);--> statement-breakpoint
CREATE TABLE `inventory_grants` (
	`id` text PRIMARY KEY NOT NULL,
	`entity_id` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`level` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inventory_grants_subject` ON `inventory_grants` (`entity_id`,`subject_type`,`subject_id`);--> statement-breakpoint
CREATE TABLE `inventory_option_lists` (
	`list` text PRIMARY KEY NOT NULL,
	`values` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `inventory_relations` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`from_id` text NOT NULL,
	`from_kind` text NOT NULL,
	`to_id` text NOT NULL,
	`to_kind` text NOT NULL,
	`to_site_id` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inventory_relations_edge` ON `inventory_relations` (`from_id`,`type`,`to_id`);--> statement-breakpoint
CREATE INDEX `inventory_relations_to` ON `inventory_relations` (`to_id`);