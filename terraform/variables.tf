# Inputs. The defaults deploy the seed's pipeline: nginx behind an ALB, logs routed by FireLens
# to S3 through the custom fluent-bit-s3 router image.

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix of every resource."
  type        = string
  default     = "fargate-firelens"
}

variable "log_destination" {
  description = "Where the router sends the app's logs: \"cloudwatch\" (the seed's first config, the stock aws-for-fluent-bit image) or \"s3\" (the custom fluent-bit-s3 image with its baked-in s3.conf)."
  type        = string
  default     = "s3"

  validation {
    condition     = contains(["cloudwatch", "s3"], var.log_destination)
    error_message = "log_destination must be \"cloudwatch\" or \"s3\"."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; the four subnets are /24s carved out of it."
  type        = string
  default     = "10.0.0.0/16"
}

variable "log_bucket_name" {
  description = "Name of the log bucket. Must match `bucket` in docker/fluent-bit-s3/s3.conf, which is baked into the router image."
  type        = string
  default     = "fargate-firelens-s3-logs"
}

variable "force_destroy_bucket" {
  description = "Let `terraform destroy` delete the log bucket with its objects."
  type        = bool
  default     = false
}

variable "app_image" {
  description = "Image of the app container (pinned; from ECR Public so pulls through the NAT gateway are not rate-limited)."
  type        = string
  default     = "public.ecr.aws/nginx/nginx:1.25"
}

variable "app_port" {
  description = "Port the app listens on (container port and target-group port)."
  type        = number
  default     = 80
}

variable "app_cpu" {
  description = "CPU units reserved for the app container."
  type        = number
  default     = 256
}

variable "task_cpu" {
  description = "Task-level CPU units (a valid Fargate size)."
  type        = string
  default     = "256"
}

variable "task_memory" {
  description = "Task-level memory in MiB (valid for task_cpu on Fargate)."
  type        = string
  default     = "512"
}

variable "desired_count" {
  description = "Number of tasks the service keeps running."
  type        = number
  default     = 1
}

variable "router_image_tag" {
  description = "Tag of the custom fluent-bit-s3 image in the ECR repository (pinned, never latest; the Dockerfile's base image version)."
  type        = string
  default     = "2.32.4"
}

variable "aws_for_fluent_bit_image" {
  description = "Router image for the cloudwatch destination (pinned, never latest or stable)."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4"
}

variable "app_log_group_name" {
  description = "Log group the cloudwatch destination writes the app's logs to (the seed's name)."
  type        = string
  default     = "fluent-bit-cloudwatch"
}

variable "log_stream_prefix" {
  description = "Stream prefix of the cloudwatch destination (the seed's)."
  type        = string
  default     = "from-fluent-bit-nginx"
}

variable "log_retention_days" {
  description = "Retention of the CloudWatch log groups."
  type        = number
  default     = 30
}
