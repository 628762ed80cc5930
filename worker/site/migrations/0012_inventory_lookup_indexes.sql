DROP INDEX `inventory_entities_hostname`;--> statement-breakpoint
ALTER TABLE `inventory_entities` ADD `instance_id` text;--> statement-breakpoint
CREATE INDEX `inventory_entities_name` ON `inventory_entities` (`kind`,`name`,`id`);--> statement-breakpoint
CREATE INDEX `inventory_entities_instance_id` ON `inventory_entities` (`kind`,`instance_id`,`id`);--> statement-breakpoint
CREATE INDEX `inventory_entities_hostname` ON `inventory_entities` (`kind`,`hostname`,`team_id`);--> statement-breakpoint
UPDATE `inventory_entities` SET `instance_id` = json_extract(`definition`, '$.attributes.instance_id') WHERE `kind` = 'server';