ALTER TABLE `resource_status` ADD `manifests` text;--> statement-breakpoint
ALTER TABLE `resource_status_history` ADD `manifests` text;