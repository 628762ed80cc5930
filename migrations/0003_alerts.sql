CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`integration_id` text NOT NULL,
	`kind` text NOT NULL,
	`fingerprint` text NOT NULL,
	`episode` integer NOT NULL,
	`status` text NOT NULL,
	`severity` text NOT NULL,
	`name` text NOT NULL,
	`summary` text NOT NULL,
	`labels` text NOT NULL,
	`starts_at` text NOT NULL,
	`ends_at` text,
	`silences` integer NOT NULL,
	`acknowledged_at` text,
	`flapping` integer NOT NULL,
	`updated_at` text NOT NULL,
	`last_seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alerts_tenant` ON `alerts` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `alerts_tenant_status` ON `alerts` (`tenant_id`,`status`,`severity`,`id`);--> statement-breakpoint
CREATE INDEX `alerts_site` ON `alerts` (`site_id`,`id`);