# The ECR repository of the custom fluent-bit-s3 router image (docker/fluent-bit-s3). Tags are
# immutable so a pinned tag always means the same image.

resource "aws_ecr_repository" "router" {
  name                 = "fluent-bit-s3"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_lifecycle_policy" "router" {
  repository = aws_ecr_repository.router.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last 10 images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = 10
      }
      action = {
        type = "expire"
      }
    }]
  })
}
