CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`integration_id` text NOT NULL,
	`kind` text NOT NULL,
	`fingerprint` text NOT NULL,
	`fingerprint_formula` text NOT NULL,
	`episode` integer NOT NULL,
	`episode_key` text,
	`status` text NOT NULL,
	`severity` text NOT NULL,
	`name` text NOT NULL,
	`summary` text NOT NULL,
	`labels` text NOT NULL,
	`annotations` text NOT NULL,
	`links` text NOT NULL,
	`starts_at` text NOT NULL,
	`ends_at` text,
	`resolve_reason` text,
	`first_seen_at` text NOT NULL,
	`last_received_at` text NOT NULL,
	`receive_count` integer NOT NULL,
	`resolve_after_seconds` integer,
	`expires_at` integer,
	`silenced_by` text NOT NULL,
	`acknowledged_at` text,
	`acknowledged_by` text,
	`acknowledge_note` text,
	`flapping` integer NOT NULL,
	`recent_firings` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_series` ON `alerts` (`integration_id`,`fingerprint`);--> statement-breakpoint
CREATE INDEX `alerts_status` ON `alerts` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `alerts_expiry` ON `alerts` (`expires_at`);--> statement-breakpoint
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
CREATE TABLE `silences` (
	`id` text PRIMARY KEY NOT NULL,
	`definition` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`deleted_at` text
);
