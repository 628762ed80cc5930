CREATE TABLE `inventory_discovery_settings` (
	`site` text PRIMARY KEY NOT NULL,
	`stale_after_days` integer NOT NULL,
	`inactive_after_days` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `inventory_sightings` (
	`source` text NOT NULL,
	`key` text NOT NULL,
	`scope` text NOT NULL,
	`entity_id` text NOT NULL,
	`present` integer NOT NULL,
	`last_seen_at` text NOT NULL,
	PRIMARY KEY(`source`, `key`)
);
--> statement-breakpoint
CREATE INDEX `inventory_sightings_key` ON `inventory_sightings` (`key`);--> statement-breakpoint
CREATE INDEX `inventory_sightings_entity` ON `inventory_sightings` (`entity_id`);--> statement-breakpoint
ALTER TABLE `inventory_entities` ADD `field_sources` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `inventory_entities` ADD `last_seen_at` text;--> statement-breakpoint
ALTER TABLE `inventory_entities` ADD `stale` integer DEFAULT false NOT NULL;