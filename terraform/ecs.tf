# The ECS side: the cluster, the log groups, the task security group (only the ALB gets in),
# the task definition rendered from task.tftpl with templatefile(), and the Fargate service in
# the private subnets behind the ALB.

locals {
  family           = "${var.name}-${var.log_destination}"
  router_image_s3  = "${aws_ecr_repository.router.repository_url}:${var.router_image_tag}"
  router_image     = var.log_destination == "s3" ? local.router_image_s3 : var.aws_for_fluent_bit_image
  router_log_group = "/ecs/${local.family}"

  # Every variable task.tftpl uses, and nothing else (tests/terraform checks both ways).
  container_definitions = templatefile("${path.module}/task.tftpl", {
    router_image      = local.router_image
    router_log_group  = aws_cloudwatch_log_group.router.name
    region            = var.region
    app_image         = var.app_image
    app_cpu           = var.app_cpu
    app_port          = var.app_port
    log_destination   = var.log_destination
    app_log_group     = aws_cloudwatch_log_group.app.name
    log_stream_prefix = var.log_stream_prefix
  })
}

resource "aws_ecs_cluster" "main" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "router" {
  name              = local.router_log_group
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "app" {
  name              = var.app_log_group_name
  retention_in_days = var.log_retention_days
}

resource "aws_security_group" "task" {
  name        = "${var.name}-task"
  description = "The tasks: only the ALB gets in"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "task_from_alb" {
  security_group_id            = aws_security_group.task.id
  description                  = "App port from the ALB only"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
}

resource "aws_vpc_security_group_egress_rule" "task_out" {
  security_group_id = aws_security_group.task.id
  description       = "HTTPS out through the NAT gateway: ECR, S3, CloudWatch Logs"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_ecs_task_definition" "app" {
  family                   = local.family
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = local.container_definitions

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
}

resource "aws_ecs_service" "app" {
  name            = var.name
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = var.desired_count
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "nginx"
    container_port   = var.app_port
  }

  depends_on = [aws_lb_listener.http, aws_route.private_nat]
}
