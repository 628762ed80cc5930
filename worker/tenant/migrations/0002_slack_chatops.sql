CREATE TABLE `slack_apps` (
	`team_id` text PRIMARY KEY NOT NULL,
	`signing_secret` text NOT NULL,
	`default_site_id` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `slack_link_codes` (
	`hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `slack_link_codes_user` ON `slack_link_codes` (`user_id`);--> statement-breakpoint
CREATE TABLE `slack_links` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`slack_user_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `slack_links_slack_user` ON `slack_links` (`team_id`,`slack_user_id`);--> statement-breakpoint
CREATE INDEX `slack_links_user` ON `slack_links` (`user_id`);--> statement-breakpoint
CREATE TABLE `slack_run_watches` (
	`run_id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`user_id` text NOT NULL,
	`response_url` text NOT NULL,
	`run_url` text NOT NULL,
	`deadline_at` integer NOT NULL
);
