CREATE TABLE `inventory_entities` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`team_id` text,
	`attributes` text NOT NULL,
	`tags` text NOT NULL,
	`custom_fields` text NOT NULL,
	`restricted` integer NOT NULL,
	`active` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`last_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `inventory_entities_tenant_kind` ON `inventory_entities` (`tenant_id`,`kind`,`id`);--> statement-breakpoint
CREATE INDEX `inventory_entities_site` ON `inventory_entities` (`site_id`,`id`);--> statement-breakpoint
CREATE TABLE `inventory_grants` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`entity_id` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`level` text NOT NULL,
	`revoked` integer NOT NULL,
	`last_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `inventory_grants_subject` ON `inventory_grants` (`subject_id`,`entity_id`);--> statement-breakpoint
CREATE INDEX `inventory_grants_site` ON `inventory_grants` (`site_id`);--> statement-breakpoint
CREATE TABLE `inventory_relations` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`type` text NOT NULL,
	`from_id` text NOT NULL,
	`to_id` text NOT NULL,
	`to_site_id` text NOT NULL,
	`removed` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `inventory_relations_from` ON `inventory_relations` (`from_id`,`type`);--> statement-breakpoint
CREATE INDEX `inventory_relations_to` ON `inventory_relations` (`to_id`,`type`);--> statement-breakpoint
CREATE INDEX `inventory_relations_site` ON `inventory_relations` (`site_id`);