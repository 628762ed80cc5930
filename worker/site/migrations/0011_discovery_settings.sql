CREATE TABLE `inventory_discovery_settings` (
	`site` text PRIMARY KEY NOT NULL,
	`stale_after_days` integer NOT NULL,
	`inactive_after_days` integer NOT NULL
);
