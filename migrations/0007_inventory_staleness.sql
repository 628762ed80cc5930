ALTER TABLE `inventory_entities` ADD `stale` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `inventory_entities` ADD `last_seen_at` text;--> statement-breakpoint
ALTER TABLE `inventory_entities` ADD `seen_seq` integer DEFAULT 0 NOT NULL;