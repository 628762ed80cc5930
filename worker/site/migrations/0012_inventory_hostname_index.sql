DROP INDEX `inventory_entities_hostname`;--> statement-breakpoint
CREATE INDEX `inventory_entities_hostname` ON `inventory_entities` (`hostname`,`team_id`);