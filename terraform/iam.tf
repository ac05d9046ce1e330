# Roles. The execution role lets ECS pull the router image from ECR and write the containers'
# awslogs streams; the task role lets the router write the app's logs to the destination
# (s3:PutObject on the log bucket, or the CloudWatch Logs calls on the app log group).

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.family}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "EcrPullRouter"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [aws_ecr_repository.router.arn]
  }

  statement {
    sid = "AwslogsRouter"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = ["${aws_cloudwatch_log_group.router.arn}:*"]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "ecr-pull-and-awslogs"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  name               = "${local.family}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "task_s3" {
  statement {
    sid       = "FireLensS3Output"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/*"]
  }
}

data "aws_iam_policy_document" "task_cloudwatch" {
  statement {
    sid = "FireLensCloudWatchOutput"
    actions = [
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = ["${aws_cloudwatch_log_group.app.arn}:*"]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "firelens-${var.log_destination}-output"
  role   = aws_iam_role.task.id
  policy = var.log_destination == "s3" ? data.aws_iam_policy_document.task_s3.json : data.aws_iam_policy_document.task_cloudwatch.json
}
