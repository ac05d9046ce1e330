# What a deploy hands back: where the app answers, where its logs land, where to push the router.

output "alb_dns_name" {
  description = "DNS name of the ALB: http://<this>/ reaches nginx."
  value       = aws_lb.main.dns_name
}

output "log_bucket" {
  description = "Bucket the s3 destination writes to."
  value       = aws_s3_bucket.logs.bucket
}

output "log_group" {
  description = "Log group the cloudwatch destination writes the app's logs to."
  value       = aws_cloudwatch_log_group.app.name
}

output "router_log_group" {
  description = "Log group of the router's own awslogs output."
  value       = aws_cloudwatch_log_group.router.name
}

output "ecr_repository_url" {
  description = "Where to push the fluent-bit-s3 router image (tag it with var.router_image_tag)."
  value       = aws_ecr_repository.router.repository_url
}

output "task_definition_arn" {
  description = "ARN of the registered task definition revision."
  value       = aws_ecs_task_definition.app.arn
}
